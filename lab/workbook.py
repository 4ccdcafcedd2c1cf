"""The whole-lab workbook: every record of the lab in one spreadsheet, one sheet per kind of
record, exported and imported in one step (docs/workbook.md).

Sheets, in the order an import needs them (each may refer only to sheets before it):
institutions, people, venues, papers (bylines and paper awards in their cells), affiliations
(optional: the institutions of a byline's authors, by paper and position), roles, awards,
service. Each sheet's columns are those of the model's admin resource (docs/spreadsheets.md).

Import (``import_workbook``): every sheet goes through ``lab.importing.import_dataset`` in
dependency order, inside ONE outer transaction. A problem in any sheet rolls back every sheet
(the sheets after it are not read: their errors would only echo the first one); a dry run rolls
back at the end whatever happens. Problems name the sheet: "Sheet papers, row 5, column venue:
no venue “nsdii”". Unknown sheet names and missing sheets are errors about the file as a whole.

Export (``workbook_sheets``, ``write_workbook``): rows are produced one at a time. Papers, the big
sheet, come from ``stream_papers``: the papers, their byline rows and their awards are read by
three queries whose rows arrive in the same order and are merged in Python, so the number of
queries stays constant (the people matcher adds one) and memory does not grow with the number
of papers. The XLSX is written in openpyxl's write-only mode.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

import tablib
from django.db import router, transaction
from django.db.models import F, OrderBy, QuerySet

from lab.importing import ImportOutcome, ImportProblem, import_dataset
from lab.spreadsheets import escape_cell, ods_bytes, write_xlsx_sheets
from people.matching import PersonMatcher
from people.models import Award, Institution, Person, Role
from people.resources import AwardResource, InstitutionResource, PersonAdminResource, RoleResource
from publications.byline import MARK_FIELDS, MARKS
from publications.models import Authorship, Paper, PaperAward, Service, Venue
from publications.resources import (
    AWARD_SEPARATOR,
    AuthorshipResource,
    PaperAdminResource,
    PaperResource,
    ServiceResource,
    VenueResource,
)

#: Rows fetched from the database at a time by the streaming export.
CHUNK_SIZE = 2000


class WorkbookError(ValueError):
    """The workbook as a whole cannot be imported (unknown or missing sheets)."""


class AffiliationResource(AuthorshipResource):
    """The affiliations of a byline's authors, by paper slug and position. Who the author is
    and their marks come from the papers sheet's byline cell; this sheet only adds the
    institutions (slugs, "; "-separated), so the two cannot contradict each other."""

    class Meta(AuthorshipResource.Meta):
        fields = ("paper", "position", "affiliations")
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for name in list(self.fields):
            if name not in self._meta.fields:
                del self.fields[name]

    def export_queryset(self):
        """Only byline rows that have affiliations (get_queryset also serves the import)."""
        with_affiliations = Authorship.affiliations.through.objects.values("authorship_id")
        return (
            self.get_queryset()
            .filter(pk__in=with_affiliations)
            .order_by("paper__slug", "position")
        )


@dataclass(frozen=True)
class Sheet:
    name: str
    resource: Callable[..., object]
    #: Models the sheet writes: importing it needs add and change on each, exporting view.
    models: tuple
    required: bool = True

    def make_resource(self, *, include_private: bool):
        if self.resource is PersonAdminResource:
            return PersonAdminResource(include_private=include_private)
        return self.resource()


SHEETS: tuple[Sheet, ...] = (
    Sheet("institutions", InstitutionResource, (Institution,)),
    Sheet("people", PersonAdminResource, (Person,)),
    Sheet("venues", VenueResource, (Venue,)),
    # A byline may create people, and writes authorships and paper awards.
    Sheet("papers", PaperAdminResource, (Paper, Authorship, PaperAward, Person)),
    Sheet("affiliations", AffiliationResource, (Authorship,), required=False),
    Sheet("roles", RoleResource, (Role,)),
    Sheet("awards", AwardResource, (Award,)),
    Sheet("service", ServiceResource, (Service,)),
)
SHEET_NAMES = tuple(sheet.name for sheet in SHEETS)
MODELS = tuple(dict.fromkeys(model for sheet in SHEETS for model in sheet.models))


# --- permissions -------------------------------------------------------------------------------


def _perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def missing_import_permissions(user) -> list[str]:
    """The permissions ``user`` lacks to import a workbook: add and change on every model."""
    wanted = [_perm(model, action) for model in MODELS for action in ("add", "change")]
    return [perm for perm in wanted if not user.has_perm(perm)]


def missing_export_permissions(user) -> list[str]:
    """The permissions ``user`` lacks to export a workbook: view (or change) on every model."""
    return [
        _perm(model, "view")
        for model in MODELS
        if not (user.has_perm(_perm(model, "view")) or user.has_perm(_perm(model, "change")))
    ]


def may_export_private(user) -> bool:
    """Private columns (phone, birth date, address) go only to users who may change people,
    as in the admin's own person export."""
    return user.has_perm(_perm(Person, "change"))


# --- export ------------------------------------------------------------------------------------


def _related_ordering(queryset: QuerySet, prefix: str) -> tuple[list, list]:
    """(ordering of ``queryset`` made total with pk, the same ordering seen from a model with a
    foreign key ``prefix`` to it), so that two queries return rows in the same paper order."""
    query = queryset.query
    ordering = list(query.order_by) or (
        list(queryset.model._meta.ordering) if query.default_ordering else []
    )
    own, related = [], []
    for item in ordering:
        if isinstance(item, str):
            descending, name = item.startswith("-"), item.lstrip("-")
            if name == "?" or "." in name:
                raise ValueError(f"Cannot stream papers ordered by {item!r}.")
            own.append(item)
            related.append(("-" if descending else "") + f"{prefix}__{name}")
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            own.append(item)
            related.append(
                OrderBy(
                    F(f"{prefix}__{item.expression.name}"),
                    descending=item.descending,
                    nulls_first=item.nulls_first,
                    nulls_last=item.nulls_last,
                )
            )
        elif isinstance(item, F):
            own.append(item)
            related.append(F(f"{prefix}__{item.name}"))
        else:
            raise ValueError(f"Cannot stream papers ordered by {item!r}.")
    return [*own, "pk"], [*related, f"{prefix}_id"]


def can_stream(papers: QuerySet) -> bool:
    """Whether ``stream_papers`` can follow the order of ``papers`` (plain fields; not an
    expression such as the venue sort's Coalesce)."""
    try:
        _related_ordering(papers, "paper")
    except ValueError:
        return False
    return True


def _grouped(rows: Iterator[tuple]) -> Iterator[tuple[object, list]]:
    """(first value, consecutive rows with it) from tuples sorted so equal keys are adjacent."""
    current, group = object(), []
    for row in rows:
        value = row[0]
        if value != current:
            if group:
                yield current, group
            current, group = value, []
        group.append(row)
    if group:
        yield current, group


def stream_papers(
    papers: QuerySet | None = None,
    *,
    people: Iterable[Person] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[Paper]:
    """``papers`` (all papers by default) one at a time, in their order, each with its venue
    and two more attributes: ``streamed_byline``, the byline cell exactly as
    ``paper_byline(paper, matcher=PersonMatcher(people))`` writes it, and ``streamed_awards``,
    the awards cell. Four queries whatever the number of papers (people, papers, byline rows,
    awards; three when ``people`` is given), streamed ``chunk_size`` rows at a time. Byline
    rows are read as plain tuples and their people looked up in ``people``, so no model is
    built per author."""
    papers = Paper.objects.all() if papers is None else papers
    if papers.query.is_sliced:
        # A slice picks the papers; they are then read (and merged) in the same order.
        ordering = papers.query.order_by
        papers = Paper.objects.filter(pk__in=papers.values("pk"))
        if ordering:
            papers = papers.order_by(*ordering)
    papers = papers.prefetch_related(None)
    own, related = _related_ordering(papers, "paper")
    if people is None:
        people = Person.objects.only("id", "name", "slug", "aliases", "match_by_name")
    people = list(people)
    by_pk = {person.pk: person for person in people}
    matcher = PersonMatcher(people)
    slug_needed: dict[tuple[str, int], bool] = {}  # names repeat: normalise each once
    ids = papers.order_by().values("pk")
    authorships = (
        Authorship.objects.filter(paper__in=ids)
        .order_by(*related, "position")
        .values_list("paper_id", "person_id", "printed_name", *MARK_FIELDS)
    )
    awards = (
        PaperAward.objects.filter(paper__in=ids)
        .order_by(*related, "title")
        .values_list("paper_id", "title")
    )
    bylines = _grouped(authorships.iterator(chunk_size=chunk_size))
    prizes = _grouped(awards.iterator(chunk_size=chunk_size))
    next_byline, next_prizes = next(bylines, (None, [])), next(prizes, (None, []))
    signs = tuple(MARKS)
    # Timestamps are not columns: not loading them saves parsing two datetimes per paper.
    papers = papers.select_related("venue").defer("created", "modified").order_by(*own)
    for paper in papers.iterator(chunk_size=chunk_size):
        byline, titles = [], []
        if next_byline[0] == paper.pk:
            byline = next_byline[1]
            next_byline = next(bylines, (None, []))
        if next_prizes[0] == paper.pk:
            titles = [title for _, title in next_prizes[1]]
            next_prizes = next(prizes, (None, []))
        parts = []
        for _, person_id, printed_name, *marks in byline:
            person = by_pk[person_id]
            name = printed_name or person.name
            marked = "".join(sign for sign, on in zip(signs, marks, strict=True) if on)
            needed = slug_needed.get((name, person_id))
            if needed is None:
                needed = slug_needed[name, person_id] = not matcher.is_unambiguous(name, person)
            slug = f" <{person.slug}>" if needed else ""
            parts.append(f"{name}{marked}{slug}")
        paper.streamed_byline = "; ".join(parts)
        paper.streamed_awards = AWARD_SEPARATOR.join(titles)
        yield paper


#: Cells of a streamed paper that come from ``stream_papers`` instead of the resource.
_STREAMED_CELLS = {"authors": "streamed_byline", "awards": "streamed_awards"}


def resource_rows(resource, instances: Iterable, *, native: bool = True) -> Iterator[list]:
    """Each instance as the resource exports it (cells escaped), one row at a time.
    ``native``: numbers and booleans stay numbers and booleans (XLSX, ODS). A paper from
    ``stream_papers`` brings its byline and awards cells along."""
    is_paper = isinstance(resource, PaperResource)
    cells = []
    for f in resource.get_export_fields():
        # What Resource.export_field does per cell, decided once per column.
        name = resource.get_field_name(f)
        dehydrate = f.get_dehydrate_method(name)
        if not callable(dehydrate):
            dehydrate = getattr(resource, dehydrate, None)
        if dehydrate is None:
            dehydrate = partial(f.export, force_native_type=native)
        cells.append((dehydrate, _STREAMED_CELLS.get(f.column_name) if is_paper else None))
    for instance in instances:
        values = instance.__dict__
        yield [
            escape_cell(
                values[attribute]
                if attribute is not None and attribute in values
                else dehydrate(instance)
            )
            for dehydrate, attribute in cells
        ]


def sheet_instances(sheet: Sheet, resource) -> Iterable:
    if sheet.name == "papers":
        return stream_papers(Paper.objects.all())
    queryset = getattr(resource, "export_queryset", resource.get_queryset)()
    return resource.iter_queryset(queryset)


def workbook_sheets(
    *, include_private: bool, native: bool = True
) -> Iterator[tuple[str, list[str], Iterator[list]]]:
    """(sheet name, headers, rows) for every sheet, rows produced lazily."""
    for sheet in SHEETS:
        resource = sheet.make_resource(include_private=include_private)
        yield (
            sheet.name,
            resource.get_export_headers(),
            resource_rows(resource, sheet_instances(sheet, resource), native=native),
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
    """Import the sheets of a workbook (as ``lab.uploads.read_workbook`` returns them) in
    dependency order, all or nothing across sheets. Raises WorkbookError for unknown or missing
    sheets. With ``include_private`` False, the people sheet may not carry private columns."""
    check_sheet_names(sheets)
    outcome = WorkbookOutcome(dry_run=dry_run)
    using = router.db_for_write(Paper)
    try:
        with transaction.atomic(using=using):
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
    "stream_papers",
    "workbook_sheets",
    "write_workbook",
]
