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
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Aggregate, JSONField, QuerySet


class _Compiled(NamedTuple):
    sql: str
    params: tuple
    #: For each marker, the positions of its parameters.
    slots: tuple[tuple[int, ...], ...]
    #: (column position, converters, expression), as SQLCompiler.get_converters gives them.
    converters: tuple


class PreparedQuery:
    """A queryset's SQL, compiled by the ORM once per database and run with new values.

    ``build(*markers)`` returns the queryset (best a ``values_list``: its rows are plain tuples)
    with each value the query takes given as one of the ``markers``, compared as it is, e.g.
    ``filter(slug=marker)``: a lookup that rewrites its value (``icontains``) is refused, as it
    would not be found among the parameters. ``rows(*values)`` runs it with the values in the
    markers' places."""

    def __init__(self, build: Callable[..., QuerySet], arity: int = 1):
        self.build, self.arity = build, arity
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, using: str) -> _Compiled:
        connection = connections[using]
        key = (using, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        markers = [f"prepared-{secrets.token_hex(8)}-{n}" for n in range(self.arity)]
        compiler = self.build(*markers).query.get_compiler(using=using)
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
        compiled = _Compiled(sql, tuple(params), slots, converters)
        with self._lock:
            self._compiled[key] = compiled
        return compiled

    def rows(self, *values, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        """The query's rows with ``values`` in the markers' places, converted as the ORM does."""
        if len(values) != self.arity:
            raise TypeError(f"The query takes {self.arity} value(s), not {len(values)}.")
        compiled = self._compile(using)
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


class JSONRows(Aggregate):
    """The aggregated rows as one JSON array (of ``JSONObject`` values, say), in no particular
    order: SQLite's ``JSON_GROUP_ARRAY``, PostgreSQL's ``JSONB_AGG`` (jsonb, which Django reads
    as JSONField values on both). Sort the rows where they are read."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra_context)
