"""Errors in words: what a database error or a row's error means for the lab admin.

``database_message`` names the unique rule a row breaks ("another paper already has this DOI")
from the constraint or column names PostgreSQL and SQLite put in their errors
(``_conflicting_fields``); ``_error_text`` and ``_row_error`` word the errors
django-import-export collects, the latter with the column to blame.
"""

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError
from django.db.models import UniqueConstraint


def _error_text(resource, error) -> str:
    if isinstance(error, DatabaseError):
        return database_message(resource._meta.model, error)
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _row_error(resource, error) -> tuple[str | None, str]:
    if isinstance(error, DatabaseError):
        model = resource._meta.model
        fields = _conflicting_fields(model, error)
        return (resource.column_for(fields[-1]) if fields else None), database_message(model, error)
    if isinstance(error, ValidationError):
        return None, " ".join(error.messages)
    return None, str(error) or type(error).__name__


def _unique_fields(constraint: UniqueConstraint) -> list[str]:
    if constraint.fields:
        return list(constraint.fields)
    # An expression such as Lower("doi"): the fields it reads.
    names = []
    for expression in constraint.expressions:
        for source in getattr(expression, "get_source_expressions", list)():
            if hasattr(source, "name"):
                names.append(source.name)
    return names


def _conflicting_fields(model, error) -> list[str]:
    """The fields of the unique rule a database error names, [] for another error.

    PostgreSQL names the constraint; SQLite names it for an expression index and otherwise
    lists the columns ("UNIQUE constraint failed: publications_authorship.paper_id, ...").
    """
    text = str(error)
    table = model._meta.db_table
    for constraint in model._meta.constraints:
        if not isinstance(constraint, UniqueConstraint):
            continue
        fields = _unique_fields(constraint)
        columns = [model._meta.get_field(name).column for name in constraint.fields]
        if (
            f'"{constraint.name}"' in text
            or f"'{constraint.name}'" in text
            or (
                columns
                and "UNIQUE constraint failed: " in text
                and text.split("UNIQUE constraint failed: ", 1)[1].strip()
                == ", ".join(f"{table}.{column}" for column in columns)
            )
        ):
            return fields
    for model_field in model._meta.concrete_fields:
        if not model_field.unique or model_field.primary_key:
            continue
        if text.endswith(f"{table}.{model_field.column}") or (
            f"{table}_{model_field.column}_" in text and "unique" in text
        ):
            return [model_field.name]
    return []


def database_message(model, error) -> str:
    """A database error in words: which rule of the records the row breaks."""
    text = str(error).strip()
    verbose = model._meta.verbose_name
    fields = _conflicting_fields(model, error)
    if fields:
        names = " and ".join(str(model._meta.get_field(name).verbose_name) for name in fields)
        return f"another {verbose} already has this {names}"
    for constraint in model._meta.constraints:
        if constraint.name in text:
            return f"the values break the rule “{constraint.name}”"
    first_line = text.splitlines()[0] if text else type(error).__name__
    if isinstance(error, IntegrityError):
        return f"the database refused this {verbose}: {first_line}"
    return f"the database refused this row: {first_line}"
