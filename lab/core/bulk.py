"""Inserting many rows of plain values fast: ``insert_rows``.

``bulk_create`` spends most of its time preparing each value of each model instance (about
50 µs a row of ten fields on SQLite): for the 120,000 byline rows of a big import that is
seconds. ``insert_rows`` takes tuples of values the driver adapts itself (ints, strings,
booleans, aware datetimes already adapted by ``adapt_datetime``) and sends them in one
statement: on PostgreSQL ``INSERT ... SELECT ... FROM jsonb_array_elements(%s::jsonb)``, the
rows as one JSON text (json.dumps and libpq's quoting of one string are C; the arrays of
``unnest``, which this replaced, were quoted by psycopg element by element in Python, most of a
1,000-entry paper import's time there), read by the server once into ``jsonb`` (as plain
``json``, each ``row->>n`` parsed the row's text again: 40 columns of a paper with its abstract
made the versions of 1,000 papers take 0.21 s instead of 0.03), elsewhere one prepared INSERT
run for every row (``executemany``, a loop in C on SQLite: 1 s for 120,000 rows, where a
multi-row VALUES took 2). Either is one query in Django's log, which shows an executemany as
"<n> times: INSERT ...". It sends no signals and returns no ids: read them back when needed.

``insert_instances`` inserts unsaved model instances the same way, each value prepared as
``value_preparer`` says: as it is where the driver takes it so (strings, numbers, booleans,
None), through its field otherwise.

``collector_paused()`` holds off Python's cyclic garbage collector while a bulk write builds
its records (see there).

``refresh_statistics`` has PostgreSQL analyze the tables a bulk write grew by a tenth or more,
so the next pages are planned on the tables as they are (see there).
"""

import contextlib
import datetime
import functools
import gc
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter, itemgetter

from django.db import connections, models, router
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL

from lab.core.keys import KeyField

_pause_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextlib.contextmanager
def collector_paused():
    """Hold off the cyclic garbage collector (``gc``) inside the block; nested or concurrent
    blocks (threads of one worker) keep it off until the last one ends, and it comes back on
    only if it was on.

    A big import allocates hundreds of thousands of objects (entries, names, rows, versions)
    that all live until it ends; each time the allocations pass the collector's threshold it
    walks them again, finding nothing to free: a quarter of a 2,000-entry paper import's CPU on
    SQLite. Reference counting still frees whatever is dropped; only cycles wait for the end.
    """
    global _pauses, _was_enabled
    with _pause_lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()


def adapt_datetime(value, *, using: str = "default"):
    """An aware datetime as the database takes it in ``insert_rows``."""
    return connections[using].ops.adapt_datetimefield_value(value)


#: Fields whose values the drivers take as they are in memory (str, int, bool, None): their
#: values skip Field.get_db_prep_save, a call per value that was most of the cost of a big insert.
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.AutoField,
    models.ForeignKey,
)
_NOT_PLAIN_FIELDS = (models.FileField, models.JSONField, models.GenericIPAddressField)
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})


def value_preparer(field: models.Field, connection):
    """A function preparing values of ``field`` for the database as ``get_db_prep_save`` does:
    a plain field's str, int, bool or None as it is (any other value, e.g. a lazy string, its
    field's way); a datetime once per distinct value (a bulk write stamps one time)."""
    prepare = functools.partial(field.get_db_prep_save, connection=connection)
    if _is_plain(field):

        def plain(value):
            return value if type(value) in _PLAIN_TYPES else prepare(value)

        return plain
    if isinstance(field, models.DateTimeField):
        return functools.lru_cache(maxsize=64)(prepare)
    return prepare


def row_preparer(fields: Sequence[models.Field], connection):
    """A function giving the values of ``fields`` of a record (a model instance or any object
    with those attributes) as a tuple prepared for the database, as ``value_preparer`` prepares
    each: the values read at once (``attrgetter``), the plain fields' checked at once for their
    types, only the others prepared one by one."""
    preparers = [value_preparer(f, connection) for f in fields]
    plain = [i for i, f in enumerate(fields) if _is_plain(f)]
    special = [(i, preparers[i]) for i in range(len(fields)) if i not in set(plain)]
    read = attrgetter(*(f.attname for f in fields)) if fields else lambda record: ()
    if len(fields) == 1:
        read = _as_tuple(read)

    plain_values = _picker(plain)

    def prepare(record) -> tuple:
        values = read(record)
        if not _PLAIN_TYPES.issuperset(map(type, plain_values(values))):
            return tuple(p(value) for p, value in zip(preparers, values, strict=True))
        if not special:
            return values
        values = list(values)
        for i, prepare_value in special:
            values[i] = prepare_value(values[i])
        return tuple(values)

    return prepare


def _picker(indexes: list[int]):
    """A function giving the items at ``indexes`` of a tuple, as a tuple."""
    if not indexes:
        return lambda values: ()
    pick = itemgetter(*indexes)
    return _as_tuple(pick) if len(indexes) == 1 else pick


def _as_tuple(read):
    return lambda record: (read(record),)


def _is_plain(field: models.Field) -> bool:
    return isinstance(field, _PLAIN_FIELDS) and not isinstance(field, _NOT_PLAIN_FIELDS)


def insert_instances(
    model,
    instances: Iterable[models.Model],
    *,
    varying: Sequence[str] | None = None,
    using: str | None = None,
):
    """INSERT unsaved ``instances`` of ``model`` (every concrete field but the automatic
    primary key, as the instances hold it: set ``created`` and such yourself) as plain values
    (``insert_rows``). No signals, no ids: read them back (``ids_by``).

    ``varying`` names the only fields whose values differ from one instance to the next, each
    a plain value (str, int, bool or None), as for records made together by ``new_instances``
    with one time stamp: the first instance's row is prepared whole, the others' are that row
    with their own values of those fields. A stored key (lab.core.keys.KeyField) is worked
    out here from its source, as a save would (and varies with it)."""
    using = using or router.db_for_write(model)
    connection = connections[using]
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    keyed = [f for f in fields if isinstance(f, KeyField)]
    if keyed:
        instances = list(instances)
        for instance in instances:
            for key_field in keyed:
                source = getattr(instance, key_field.source)
                if type(source) is str:  # else refused below, as not a plain value
                    setattr(instance, key_field.attname, key_field.key_for(source))
        if varying is not None:
            varying = [
                *varying,
                *(f.attname for f in keyed if f.source in varying and f.attname not in varying),
            ]
    prepare = row_preparer(fields, connection)
    names = [f.name for f in fields]
    if varying is None:
        rows = map(prepare, instances)
    else:
        instances = list(instances)
        rows = _varied_rows(fields, prepare, instances, varying)
    insert_rows(model, names, rows, using=using)


def _varied_rows(fields, prepare, instances: list, varying: Sequence[str]):
    if not instances:
        return
    template = list(prepare(instances[0]))
    attnames = [model_field.attname for model_field in fields]
    positions = [attnames.index(name) for name in varying]
    read = attrgetter(*varying) if len(varying) > 1 else _as_tuple(attrgetter(*varying))
    for instance in instances:
        values = read(instance)
        if not _PLAIN_TYPES.issuperset(map(type, values)):
            kinds = ", ".join(type(value).__name__ for value in values)
            raise TypeError(f"{type(instance).__name__} {varying} must be plain values: {kinds}")
        for position, value in zip(positions, values, strict=True):
            template[position] = value
        yield tuple(template)


def insert_rows(model, fields: Sequence[str], rows: Iterable[tuple], *, using: str | None = None):
    """INSERT ``rows`` (tuples of values in the order of ``fields``) into ``model``'s table."""
    using = using or router.db_for_write(model)
    connection = connections[using]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    table = quote(model._meta.db_table)
    rows = list(rows)
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [model._meta.get_field(name).db_type(connection) for name in fields]
            values = ", ".join(f"(row->>{i})::{db_type}" for i, db_type in enumerate(types))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {values} "  # noqa: S608
                "FROM jsonb_array_elements(%s::jsonb) AS row",
                [json.dumps(rows, default=_json_value, ensure_ascii=False)],
            )
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
                rows,
            )


def _json_value(value):
    """A value json.dumps does not write itself, as PostgreSQL reads it back from text."""
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def _json_subquery(connection, model_field, values: Sequence) -> tuple[str, str] | None:
    """``(sql, param)``: a subquery of ``values`` sent in one parameter, a JSON array, or None
    where the database has no JSON set functions (plain ``IN`` then)."""
    param = json.dumps(list(values), ensure_ascii=False)
    if connection.vendor == "postgresql":
        db_type = model_field.db_type(connection)
        sql = f"SELECT value::{db_type} FROM json_array_elements_text(%s::json)"  # noqa: S608 (a type name)
        return sql, param
    if connection.vendor == "sqlite":
        return "SELECT value FROM json_each(%s)", param
    return None


def json_values(model, field: str, values: Sequence, *, using: str = "default"):
    """The ``values`` for ``<field>__in=`` where ``filter_in`` cannot serve (in a ``Q`` ORed
    with others): a subquery of one parameter, as ``filter_in`` sends them."""
    subquery = _json_subquery(connections[using], model._meta.get_field(field), values)
    if subquery is None:
        return list(values)
    sql, param = subquery
    return RawSQL(sql, [param])  # noqa: S611 (the values are its parameter)


def filter_in(queryset: models.QuerySet, field: str, values: Sequence) -> models.QuerySet:
    """``queryset.filter(<field>__in=values)`` for long lists of strings or integers, the
    values in one parameter, a JSON array: ``IN (SELECT value FROM json_each(%s))`` on SQLite,
    ``IN (SELECT value::<type> FROM json_array_elements_text(%s))`` on PostgreSQL. Django's IN
    builds and sends a parameter per value (a third of the time of reading 20,000 slugs back),
    and SQLite takes at most 32,766. Either form is an index look-up per value where the
    column has an index."""
    connection = connections[queryset.db]
    model_field = queryset.model._meta.get_field(field)
    subquery = _json_subquery(connection, model_field, values)
    if subquery is None:
        return queryset.filter(**{f"{field}__in": values})
    sql, param = subquery
    quote = connection.ops.quote_name
    column = f"{quote(queryset.model._meta.db_table)}.{quote(model_field.column)}"
    where = f"{column} IN ({sql})"
    return queryset.extra(where=[where], params=[param])  # noqa: S610 (no value in the SQL)


def ids_by(queryset: models.QuerySet, field: str, values: Iterable) -> dict:
    """{value: pk} of the rows of ``queryset`` whose unique ``field`` is one of ``values``: the
    ids of rows just inserted, by an indexed look-up (``filter_in``), one query."""
    rows = filter_in(queryset, field, list(values))
    return dict(rows.order_by().values_list(field, "pk"))


def new_instances(model, rows: Iterable[dict]) -> list:
    """Unsaved instances of ``model`` with the values of ``rows`` (by attname), every other
    field its default: what ``model(**row)`` makes, without Model.__init__'s work per field
    (the look-up of each missing field's default, a ``setattr`` per field), which was most of
    the time of making thousands of people. A model with ``pre_init`` or ``post_init``
    receivers (an ImageField's dimensions) is made through Model.__init__, so they run."""
    fields = model._meta.concrete_fields
    # A field without a default has a constant one (None or ""; Field.default is then the
    # NOT_PROVIDED class, callable, which once sent every such field to get_default per row),
    # as has one with a plain value; only a callable default is called per row, as Django does.
    per_row = [f for f in fields if f.has_default() and callable(f.default)]
    fixed = {f.attname: f.get_default() for f in fields if f not in per_row}
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        attnames = [f.attname for f in fields]
        return [
            model(*map({**fixed, **_per_row(per_row, row), **row}.__getitem__, attnames))
            for row in rows
        ]
    made = []
    for row in rows:
        instance = object.__new__(model)
        # What Model.__init__ leaves in an instance's __dict__: its state, then every field's
        # value by attname (no descriptor to run: nothing is cached on a new instance yet).
        instance.__dict__.update(fixed, **_per_row(per_row, row), **row, _state=ModelState())
        made.append(instance)
    return made


def _per_row(fields: list[models.Field], row: dict) -> dict:
    """The callable defaults of ``fields`` that ``row`` does not give, called for this row."""
    return {f.attname: f.get_default() for f in fields if f.attname not in row}


#: A table that grew by this share of its rows (as PostgreSQL last counted them) is analyzed
#: after a bulk write: autovacuum's own default threshold (``autovacuum_analyze_scale_factor``).
GROWTH_TO_ANALYZE = 0.1


def refresh_statistics(added: Mapping[type[models.Model], int], *, using: str = "default"):
    """On PostgreSQL, ``ANALYZE`` each model's table that ``added`` new rows grew by
    GROWTH_TO_ANALYZE or more, or that was never analyzed; the tables analyzed, by name.

    The planner picks its plans from each table's statistics. A bulk import can grow a table
    many times over in seconds, long before autovacuum (if it runs at all: it can be off) looks
    at it; planned on an empty table's statistics, a person's BibTeX download of 1,339 papers
    took 1.5 s instead of 0.1 s right after the synthetic lab was imported (docs/benchmarks.md).
    ANALYZE reads a sample of a fixed size, so it costs a fraction of a second whatever the
    size of the table; only the columns plans are made from are analyzed
    (``_planned_columns``). Elsewhere (SQLite) nothing is done: its planner reads no statistics
    unless asked (``ANALYZE`` there is a choice a deployment makes)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    tables = {model._meta.db_table: count for model, count in added.items() if count > 0}
    if not tables:
        return []
    models_by_table = {model._meta.db_table: model for model in added}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class "
            "WHERE relname = ANY(%s) AND relkind = 'r' AND pg_table_is_visible(oid)",
            [sorted(tables)],
        )
        counted = dict(cursor.fetchall())
        # reltuples is -1 for a table never analyzed (PostgreSQL 14 and later).
        stale = [
            table
            for table, count in sorted(tables.items())
            if counted.get(table, -1) < 0 or count >= GROWTH_TO_ANALYZE * counted[table]
        ]
        for table in stale:
            columns = ", ".join(_planned_columns(models_by_table[table], connection))
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)} ({columns})")
    return stale


def _planned_columns(model, connection) -> list[str]:
    """The columns of ``model`` whose statistics plans are made from: all but the long texts
    (TextField: an abstract, a note), which no query filters, joins or sorts on. ANALYZE of a
    column list also leaves out the statistics of index expressions (the trigram indexes'
    ``upper(abstract)``): sampling the long texts and those was most of an ANALYZE of the
    papers, two thirds of it at 5,000 papers (the statistics they had stay as they were)."""
    return [
        connection.ops.quote_name(field.column)
        for field in model._meta.concrete_fields
        if not isinstance(field, models.TextField)
    ]
