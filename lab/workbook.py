"""The whole-lab workbook: every record of the lab in one spreadsheet, one sheet per kind of
record, exported and imported in one step (docs/workbook.md).

Sheets, in the order an import needs them (each may refer only to sheets before it):
institutions, people, venues, keywords (optional: slugs and names, to rename keywords), papers
(bylines, keywords and paper awards in their cells), affiliations (optional: the institutions
of a byline's authors, by paper and position), roles, awards, service. Each sheet's columns
are those of the model's admin resource (docs/spreadsheets.md).

Import (``import_workbook``): every sheet goes through ``lab.core.importing.import_dataset`` in
dependency order, inside ONE outer transaction. A problem in any sheet rolls back every sheet
(the sheets after it are not read: their errors would only echo the first one); a dry run rolls
back at the end whatever happens. Problems name the sheet: "Sheet papers, row 5, column venue:
no venue “nsdii”". Unknown sheet names and missing sheets are errors about the file as a whole.

Export (``workbook_sheets``, ``write_workbook``): rows are produced one at a time. Papers, the big
sheet, come from ``paper_rows``: the papers, their byline rows, awards and keywords are read as
plain tuples by four queries whose rows arrive in the same order and are merged in Python, so
the number of queries stays constant (the people matcher adds one) and memory does not grow
with the number of papers. The XLSX is written in openpyxl's write-only mode.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

import tablib
from django.db import router, transaction

from lab.core.history import recorded
from lab.core.importing import ImportOutcome, ImportProblem, import_dataset, permission
from lab.core.records import in_model_order
from lab.core.spreadsheets import ods_bytes, write_xlsx_sheets
from people.models import Person
from people.resources import AwardResource, InstitutionResource, PersonAdminResource, RoleResource
from publications.models import Paper
from publications.resources import (
    AffiliationResource,
    KeywordResource,
    PaperAdminResource,
    ServiceResource,
    VenueResource,
)
from publications.rows import paper_rows


class WorkbookError(ValueError):
    """The workbook as a whole cannot be imported (unknown or missing sheets)."""


@dataclass(frozen=True)
class Sheet:
    name: str
    resource: Callable[..., object]
    required: bool = True

    @property
    def models(self) -> tuple:
        """Models the sheet writes: importing it needs add and change on each, exporting view."""
        return self.resource.writes()

    def make_resource(self, *, include_private: bool):
        if self.resource is PersonAdminResource:
            return PersonAdminResource(include_private=include_private)
        return self.resource()


#: In the order an import needs them (lab.core.records.MODEL_ORDER).
SHEETS: tuple[Sheet, ...] = in_model_order(
    (
        Sheet("institutions", InstitutionResource),
        Sheet("people", PersonAdminResource),
        Sheet("venues", VenueResource),
        # Optional: a paper's keywords cell makes the keywords it names; this sheet renames.
        Sheet("keywords", KeywordResource, required=False),
        Sheet("papers", PaperAdminResource),
        Sheet("affiliations", AffiliationResource, required=False),
        Sheet("roles", RoleResource),
        Sheet("awards", AwardResource),
        Sheet("service", ServiceResource),
    ),
    model=lambda sheet: sheet.resource._meta.model,
)
SHEET_NAMES = tuple(sheet.name for sheet in SHEETS)
MODELS = tuple(dict.fromkeys(model for sheet in SHEETS for model in sheet.models))


# --- permissions -------------------------------------------------------------------------------


def missing_import_permissions(user) -> list[str]:
    """The permissions ``user`` lacks to import a workbook: add and change on every model."""
    wanted = dict.fromkeys(perm for sheet in SHEETS for perm in sheet.resource.import_permissions())
    return [perm for perm in wanted if not user.has_perm(perm)]


def missing_export_permissions(user) -> list[str]:
    """The permissions ``user`` lacks to export a workbook: view (or change) on every model."""
    return [
        permission(model, "view")
        for model in MODELS
        if not user.has_perm(permission(model, "view"))
        and not user.has_perm(permission(model, "change"))
    ]


def may_export_private(user) -> bool:
    """Private columns (phone, birth date, address) go only to users who may change people,
    as in the admin's own person export."""
    return user.has_perm(permission(Person, "change"))


# --- export ------------------------------------------------------------------------------------


def resource_rows(resource, instances: Iterable, *, native: bool = True) -> Iterator[list]:
    """Each instance as the resource exports it, one row at a time (the writers escape the
    cells). ``native``: numbers and booleans stay numbers and booleans (XLSX, ODS)."""
    cells = []
    for f in resource.get_export_fields():
        # What Resource.export_field does per cell, decided once per column.
        name = resource.get_field_name(f)
        dehydrate = f.get_dehydrate_method(name)
        if not callable(dehydrate):
            dehydrate = getattr(resource, dehydrate, None)
        if dehydrate is None:
            dehydrate = partial(f.export, force_native_type=native)
        cells.append(dehydrate)
    for instance in instances:
        yield [dehydrate(instance) for dehydrate in cells]


def sheet_rows(sheet: Sheet, resource, *, native: bool) -> Iterator[list]:
    if sheet.name == "papers":
        return paper_rows(resource, native=native)
    queryset = getattr(resource, "export_queryset", resource.get_queryset)()
    return resource_rows(resource, resource.iter_queryset(queryset), native=native)


def workbook_sheets(
    *, include_private: bool, native: bool = True
) -> Iterator[tuple[str, list[str], Iterator[list]]]:
    """(sheet name, headers, rows) for every sheet, rows produced lazily."""
    for sheet in SHEETS:
        resource = sheet.make_resource(include_private=include_private)
        yield (
            sheet.name,
            resource.get_export_headers(),
            sheet_rows(sheet, resource, native=native),
        )


def write_workbook(target, *, fmt: str = "xlsx", include_private: bool = False) -> None:
    """Write the whole lab to ``target`` (a path or a binary file object) as XLSX or ODS."""
    if fmt == "xlsx":
        write_xlsx_sheets(target, workbook_sheets(include_private=include_private))
    elif fmt == "ods":
        content = ods_bytes(workbook_sheets(include_private=include_private))
        if hasattr(target, "write"):
            target.write(content)
        else:
            with open(target, "wb") as file:
                file.write(content)
    else:
        raise ValueError(f"Unknown workbook format {fmt!r}: xlsx or ods.")


# --- import ------------------------------------------------------------------------------------


@dataclass
class SheetOutcome:
    name: str
    outcome: ImportOutcome | None  # None: not imported, an earlier sheet had problems
    rows: int

    @property
    def ok(self) -> bool:
        return self.outcome is not None and self.outcome.ok

    def summary(self) -> str:
        if self.outcome is None:
            return "not checked (an earlier sheet has problems)"
        return self.outcome.summary()


@dataclass
class WorkbookOutcome:
    dry_run: bool
    sheets: list[SheetOutcome] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        texts = []
        for sheet in self.sheets:
            if sheet.outcome is not None:
                texts.extend(problem_text(sheet.name, p) for p in sheet.outcome.problems)
        return texts

    @property
    def ok(self) -> bool:
        return all(sheet.ok for sheet in self.sheets)

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def summary_lines(self) -> list[str]:
        return [f"{sheet.name}: {sheet.summary()}" for sheet in self.sheets]


def problem_text(sheet_name: str, problem: ImportProblem) -> str:
    """ "Sheet papers, row 5, column venue: no venue “nsdii”"."""
    text = str(problem)
    if problem.row is None and not problem.column:
        return f"Sheet {sheet_name}: {text}"
    return f"Sheet {sheet_name}, {text[0].lower()}{text[1:]}"


def check_sheet_names(names: Iterable[str]) -> None:
    """WorkbookError when a sheet is unknown or a required one is missing."""
    names = list(names)
    unknown = [name for name in names if name not in SHEET_NAMES]
    missing = [s.name for s in SHEETS if s.required and s.name not in names]
    messages = []
    if unknown:
        messages.append(
            "The workbook has sheets this import does not know: "
            + ", ".join(f"“{name}”" for name in unknown)
            + ". The sheets are: "
            + ", ".join(SHEET_NAMES)
            + "."
        )
    if missing:
        messages.append(
            "The workbook lacks the sheets "
            + ", ".join(f"“{name}”" for name in missing)
            + " (a sheet may be empty except for its header row, but it must be there)."
        )
    if messages:
        raise WorkbookError(" ".join(messages))


class _RollBack(Exception):
    pass


def import_workbook(
    sheets: dict[str, tablib.Dataset],
    *,
    user=None,
    dry_run: bool,
    include_private: bool = True,
    file_name: str | None = None,
) -> WorkbookOutcome:
    """Import the sheets of a workbook (as ``lab.core.uploads.read_workbook`` returns them) in
    dependency order, all or nothing across sheets. Raises WorkbookError for unknown or missing
    sheets. With ``include_private`` False, the people sheet may not carry private columns."""
    check_sheet_names(sheets)
    outcome = WorkbookOutcome(dry_run=dry_run)
    using = router.db_for_write(Paper)
    reason = " ".join(filter(None, ("workbook import", file_name)))
    try:
        with transaction.atomic(using=using), recorded(reason, user=user):
            failed = False
            for sheet in SHEETS:
                if sheet.name not in sheets:
                    continue
                dataset = sheets[sheet.name]
                if failed:
                    outcome.sheets.append(SheetOutcome(sheet.name, None, len(dataset)))
                    continue
                resource = sheet.make_resource(include_private=include_private)
                # Written into the outer transaction; rolled back below unless all is well.
                result = import_dataset(
                    resource, dataset, user=user, dry_run=False, file_name=file_name
                )
                outcome.sheets.append(SheetOutcome(sheet.name, result, len(dataset)))
                failed = not result.ok
            if failed or dry_run:
                raise _RollBack
    except _RollBack:
        pass
    return outcome


__all__ = [
    "SHEETS",
    "SHEET_NAMES",
    "WorkbookError",
    "WorkbookOutcome",
    "import_workbook",
    "missing_export_permissions",
    "missing_import_permissions",
    "workbook_sheets",
    "write_workbook",
]
