"""The import service: ``import_dataset`` runs a resource's import all or nothing, describes
what it did or would do (``ImportOutcome``, its ``ImportProblem`` list in file order) and writes
the admin log entries of a confirmed import (``log_import``). ``FileProblem`` is the error of a
file that cannot be imported as a whole.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import tablib
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import router, transaction
from import_export.results import Result, RowResult

from lab.core.history import current_reason, recorded

if TYPE_CHECKING:
    from lab.core.importing.resource import LabResource


class FileProblem(ValueError):
    """The file as a whole cannot be imported (a missing column, a key used twice)."""


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an import. ``row`` is the spreadsheet row (header = 1), None for
    the file as a whole; ``column`` is the column's header, None for the row as a whole."""

    row: int | None
    column: str | None
    message: str

    def __str__(self):
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class ImportOutcome:
    """What ``import_dataset`` did (or, for a dry run, would do)."""

    result: Result
    dry_run: bool
    problems: list[ImportProblem] = field(default_factory=list)
    created: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def new(self) -> int:
        return self.result.totals[RowResult.IMPORT_TYPE_NEW]

    @property
    def changed(self) -> int:
        return self.result.totals[RowResult.IMPORT_TYPE_UPDATE]

    @property
    def unchanged(self) -> int:
        return self.result.totals[RowResult.IMPORT_TYPE_SKIP]

    @property
    def deleted(self) -> int:
        return self.result.totals[RowResult.IMPORT_TYPE_DELETE]

    def summary(self) -> str:
        """ "2 new, 1 changed, 40 unchanged", plus the people created from bylines."""
        text = f"{self.new} new, {self.changed} changed, {self.unchanged} unchanged"
        if self.created:
            text += "; new people: " + ", ".join(f"{p} ({p.slug})" for p in self.created)
        return text


def import_dataset(
    resource: "LabResource",
    dataset: tablib.Dataset,
    *,
    user=None,
    dry_run: bool,
    file_name: str | None = None,
) -> ImportOutcome:
    """Import ``dataset`` with ``resource``, all or nothing.

    With ``dry_run`` nothing is kept whatever happens (the preview). Otherwise the rows are
    written only when no row has a problem; then, if ``user`` is given, each added or changed
    record (and each person created from a byline) gets an admin log entry in the user's
    name, in the same transaction. ``outcome.problems`` lists everything wrong, in file order.
    """
    using = router.db_for_write(resource._meta.model)
    # Versions say where they come from; an enclosing block (a workbook import) says it better.
    reason = current_reason() or " ".join(filter(None, ("spreadsheet import", file_name)))
    with transaction.atomic(using=using), recorded(reason, user=user):
        result = resource.import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
            collect_failed_rows=False,
            retain_instance_in_row_result=True,
            user=user,
            file_name=file_name,
        )
        outcome = outcome_of(result, dry_run=dry_run)
        if outcome.ok and not dry_run and user is not None:
            log_import(result, user=user, file_name=file_name)
    return outcome


def outcome_of(result: Result, *, dry_run: bool) -> ImportOutcome:
    """The outcome of ``import_data`` run on a LabResource (which annotates the result)."""
    problems = getattr(result, "lab_problems", None)
    if problems is None:  # after_import did not run; describe the raw errors
        problems = [ImportProblem(None, None, str(error.error)) for error in result.base_errors]
    return ImportOutcome(
        result=result,
        dry_run=dry_run,
        problems=list(problems),
        created=list(getattr(result, "lab_created", [])),
    )


def log_import(result: Result, *, user, file_name: str | None = None) -> None:
    """One admin log entry per record the import added, changed or deleted, in one query."""
    source = f" from “{file_name}”" if file_name else ""
    flags = {
        RowResult.IMPORT_TYPE_NEW: ADDITION,
        RowResult.IMPORT_TYPE_UPDATE: CHANGE,
        RowResult.IMPORT_TYPE_DELETE: DELETION,
    }
    entries = []
    for row in result.valid_rows():
        flag = flags.get(row.import_type)
        if flag is None or row.instance is None:
            continue
        if flag == CHANGE:
            columns = getattr(row, "changed_columns", [])
            message = f"Changed {', '.join(columns) or 'nothing'} by spreadsheet import{source}."
        elif flag == ADDITION:
            message = f"Added by spreadsheet import{source}."
        else:
            message = f"Deleted by spreadsheet import{source}."
        entries.append(_log_entry(user, row.instance, flag, message))
    for person in getattr(result, "lab_created", []):
        message = f"Added from a byline by spreadsheet import{source}."
        entries.append(_log_entry(user, person, ADDITION, message))
    LogEntry.objects.bulk_create(entries)


def _log_entry(user, instance, flag: int, message: str) -> LogEntry:
    return LogEntry(
        user_id=user.pk,
        content_type_id=ContentType.objects.get_for_model(instance, for_concrete_model=False).pk,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action_flag=flag,
        change_message=message,
    )
