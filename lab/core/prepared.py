"""Queries compiled once: the ORM's SQL of a query that a page runs on every cold request, kept
per database and run again with the request's values.

Compiling a queryset costs Django more than running it on an indexed look-up: a paper's page
(the paper with its venue, its published version and its byline and keywords as JSON arrays)
took 1 ms to compile and 0.5-1 ms to run on PostgreSQL. ``PreparedQuery`` compiles the query
once per database and then only runs it: the values the query takes are given as markers, found
in the compiled parameters and replaced on each run. The rows come back as the ORM would give
them, through the same converters (booleans on SQLite, JSON, dates).
"""

import secrets
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Aggregate, JSONField, Model, QuerySet
from django.db.models.query import get_related_populators


class _Compiled(NamedTuple):
    sql: str
    params: tuple
    #: For each marker, the positions of its parameters.
    slots: tuple[tuple[int, ...], ...]
    #: (column position, converters, expression), as SQLCompiler.get_converters gives them.
    converters: tuple
    #: Whether the query is of models (not values()), and what the compiler worked out to
    #: make model instances of its rows (as ModelIterable does).
    of_models: bool
    select: list
    klass_info: dict | None
    annotation_col_map: dict


class PreparedQuery:
    """A queryset's SQL, compiled by the ORM once per database and run with new values.

    ``build(*markers)`` returns the queryset with each value the query takes given as one of
    the ``markers``, compared as it is, e.g. ``filter(slug=marker)``: a lookup that rewrites
    its value (``icontains``) is refused, as it would not be found among the parameters.
    ``kinds`` are the values' types, ``str`` or ``int`` (a marker is a random value of the
    kind). ``rows(*values)`` runs a ``values_list`` query with the values in the markers'
    places; ``instances(*values)`` a query of models (``select_related`` included), made as
    the ORM makes them."""

    def __init__(self, build: Callable[..., QuerySet], kinds: tuple[type, ...] = (str,)):
        if not set(kinds) <= {str, int}:
            raise TypeError("A prepared query's values are str or int.")
        self.build, self.kinds = build, kinds
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, using: str) -> _Compiled:
        connection = connections[using]
        key = (using, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        markers = [_marker(kind) for kind in self.kinds]
        queryset = self.build(*markers)
        if queryset._known_related_objects or queryset._prefetch_related_lookups:
            raise ValueError("A prepared query cannot prefetch: prefetch after it.")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = tuple(
            tuple(position for position, param in enumerate(params) if param == marker)
            for marker in markers
        )
        if not all(slots):
            raise ValueError(
                "Each value of a prepared query must be one of its parameters as given: "
                "a lookup that rewrites it (icontains, iexact, ...) cannot be prepared."
            )
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )
        compiled = _Compiled(
            sql,
            tuple(params),
            slots,
            converters,
            queryset._fields is None,
            compiler.select,
            compiler.klass_info,
            compiler.annotation_col_map,
        )
        with self._lock:
            self._compiled[key] = compiled
        return compiled

    def rows(self, *values, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        """The query's rows with ``values`` in the markers' places, converted as the ORM does."""
        return self._run(self._compile(using), values, using)

    def instances(self, *values, using: str = DEFAULT_DB_ALIAS) -> list[Model]:
        """The query's model instances, with their ``select_related`` relations and
        annotations, as ``ModelIterable`` makes them from the rows."""
        compiled = self._compile(using)
        klass_info = compiled.klass_info
        if not compiled.of_models:
            raise TypeError("instances() is for a query of models: rows() for values().")
        model = klass_info["model"]
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [column[0].target.attname for column in compiled.select[start:end]]
        populators = get_related_populators(klass_info, compiled.select, using)
        made = []
        for row in self._run(compiled, values, using):
            instance = model.from_db(using, names, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in compiled.annotation_col_map.items():
                setattr(instance, name, row[position])
            made.append(instance)
        return made

    def _run(self, compiled: _Compiled, values: tuple, using: str) -> list[tuple]:
        if len(values) != len(self.kinds):
            raise TypeError(f"The query takes {len(self.kinds)} value(s), not {len(values)}.")
        params = list(compiled.params)
        for value, positions in zip(values, compiled.slots, strict=True):
            for position in positions:
                params[position] = value
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not compiled.converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, functions, expression in compiled.converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted


def _marker(kind: type) -> Any:
    """A value no query holds by chance: a random string, or a random integer that every
    integer column holds (an IntegerField, 32 bits: Django finds a lookup of a value out of
    the column's range empty, and would compile no SQL for it)."""
    if kind is int:
        return secrets.randbelow(2**30) + 2**30
    return f"prepared-{secrets.token_hex(8)}"


class JSONRows(Aggregate):
    """The aggregated rows as one JSON array (of ``JSONObject`` values, say), in no particular
    order: SQLite's ``JSON_GROUP_ARRAY``, PostgreSQL's ``JSONB_AGG`` (jsonb, which Django reads
    as JSONField values on both). Sort the rows where they are read."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra_context)
