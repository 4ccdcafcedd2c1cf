"""What a change list reads besides its page of rows, made flat in the size of the table.

Django's change list counts the rows it lists (``Paginator.count``: the whole table when
unfiltered) and its filter sidebar reads the choices of each filter (``SELECT DISTINCT`` of a
column over every row, every row of a related table) on every request. Here:

- ``GenerationCountPaginator``: the count is kept until the next write to the lab's records
  (``lab.core.cache.cached_fragment``, keyed by the count's own SQL and parameters), so paging,
  sorting and coming back to a list count once per change of the records, and exactly.
- ``DistinctValuesListFilter``: a column's distinct values found by a skip scan of an index
  that leads with the column (a recursive query asking for the next smaller value, one index
  probe per value), instead of a ``SELECT DISTINCT`` that reads every row.
- ``CachedRelatedListFilter``: a foreign key's choices kept until the next write.

Each answers exactly what Django's would (tested side by side); only the lab's apps, whose
writes bump the cache's generation, may use the cached ones.
"""

from django.contrib import admin
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

from lab.core.cache import cached_fragment
from lab.core.records import LAB_APPS


def _check_lab_model(model) -> None:
    if model._meta.app_label not in LAB_APPS:
        raise ImproperlyConfigured(
            f"{model._meta.label}: a count or choices kept until the next write need a model "
            "whose writes forget the cache (an app of lab.core.records.LAB_APPS)"
        )


class GenerationCountPaginator(Paginator):
    """Django's paginator, its count kept until the next write to the lab's records: the key is
    the count's SQL and parameters, so a filtered, searched or restricted list has its own."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        _check_lab_model(queryset.model)
        counted = queryset.order_by()
        try:
            sql, params = counted.query.sql_with_params()
        except EmptyResultSet:
            return 0
        key = ("admin-count", counted.db, sql, repr(params))
        return cached_fragment(key, counted.count)


class DistinctValuesListFilter(admin.AllValuesFieldListFilter):
    """Django's filter of a column's values, those values read by a skip scan: the largest
    value, then the largest below it, and so on (``WITH RECURSIVE``), each an index probe when
    an index leads with the column, and one probe for an empty value, instead of reading every
    row. For a column of the model itself whose admin lists every row (its ``get_queryset``
    filters none out); otherwise it is Django's filter."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        queryset = model_admin.get_queryset(request)
        if field_path == field.name and field.model is model and not queryset.query.where:
            # Read when the sidebar is shown, as Django's (a lazy queryset) is: an export
            # action makes the change list's filters but shows none.
            self._scanned = (queryset, field)
            del self.lookup_choices

    @cached_property
    def lookup_choices(self) -> list:
        return _distinct_values(*self._scanned)


def _distinct_values(queryset: QuerySet, field) -> list:
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    table, column = quote(field.model._meta.db_table), quote(field.column)
    sql = (
        f"WITH RECURSIVE found(value) AS ("  # noqa: S608 (quoted names of the model)
        f" SELECT MAX({column}) FROM {table}"
        f" UNION ALL SELECT (SELECT MAX(t.{column}) FROM {table} t WHERE t.{column} < found.value)"
        f" FROM found WHERE found.value IS NOT NULL"
        f") SELECT value FROM ("
        f" SELECT value FROM found WHERE value IS NOT NULL"
        f" UNION ALL SELECT NULL WHERE EXISTS (SELECT 1 FROM {table} WHERE {column} IS NULL)"
        f") AS v ORDER BY value"
    )
    col = field.get_col(field.model._meta.db_table)
    converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        values = [row[0] for row in cursor.fetchall()]
    for converter in converters:
        values = [converter(value, col, connection) for value in values]
    return values


class CachedRelatedListFilter(admin.RelatedFieldListFilter):
    """Django's filter of a foreign key, its choices (every row of the related table, as its
    admin orders them) kept until the next write to the lab's records."""

    def field_choices(self, field, request, model_admin):
        _check_lab_model(field.related_model)
        ordering = self.field_admin_ordering(field, request, model_admin)
        key = ("admin-choices", field.model._meta.label, field.name, repr(ordering))
        choices = super().field_choices

        return cached_fragment(key, lambda: list(choices(field, request, model_admin)))
