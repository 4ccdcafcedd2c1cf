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
sheet, come from ``paper_rows``: the papers, their byline rows and their awards are read as
plain tuples by three queries whose rows arrive in the same order and are merged in Python, so
the number of queries stays constant (the people matcher adds one) and memory does not grow
with the number of papers. The XLSX is written in openpyxl's write-only mode.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import product
from operator import itemgetter

import tablib
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, router, transaction
from django.db.models import F, OrderBy, QuerySet
from import_export import widgets

from lab.importing import ImportOutcome, ImportProblem, SlugWidget, import_dataset, permission
from lab.spreadsheets import ods_bytes, write_xlsx_sheets
from people.matching import PersonMatcher
from people.models import Person
from people.resources import AwardResource, InstitutionResource, PersonAdminResource, RoleResource
from publications.byline import MARK_FIELDS, MARKS
from publications.models import Authorship, Paper, PaperAward
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
    required: bool = True

    @property
    def models(self) -> tuple:
        """Models the sheet writes: importing it needs add and change on each, exporting view."""
        return self.resource.writes()

    def make_resource(self, *, include_private: bool):
        if self.resource is PersonAdminResource:
            return PersonAdminResource(include_private=include_private)
        return self.resource()


SHEETS: tuple[Sheet, ...] = (
    Sheet("institutions", InstitutionResource),
    Sheet("people", PersonAdminResource),
    Sheet("venues", VenueResource),
    Sheet("papers", PaperAdminResource),
    Sheet("affiliations", AffiliationResource, required=False),
    Sheet("roles", RoleResource),
    Sheet("awards", AwardResource),
    Sheet("service", ServiceResource),
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
    """Whether ``paper_rows`` can follow the order of ``papers`` (plain fields; not an
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


#: Cells of a paper row that ``paper_rows`` makes from the byline and award rows.
_STREAMED_CELLS = ("authors", "awards")


def _same(value):
    return value


def _text(value) -> str:
    # CharWidget.render; SlugWidget.render of the related slug; IntegerWidget.render to text,
    # number_format(), which for an integer without thousand separators is str().
    return "" if value is None else str(value)


def _boolean_text(value) -> str:
    # BooleanWidget.render to text.
    return "" if value is None else "1" if value else "0"


def _cell_renderer(widget, *, native: bool) -> Callable | None:
    """What ``widget.render(value, force_native_type=native)`` does, as one cheap function,
    for the widgets of a paper's plain columns; None for any other widget."""
    kind = type(widget)
    if kind is SlugWidget or (kind is widgets.CharWidget and widget.coerce_to_string):
        return _text
    if kind is widgets.IntegerWidget and not settings.USE_THOUSAND_SEPARATOR:
        return _same if native or not widget.coerce_to_string else _text
    if kind is widgets.BooleanWidget:
        return _same if native or not widget.coerce_to_string else _boolean_text
    return None


def _paper_columns(
    resource: PaperResource, *, native: bool, selected_fields: Sequence[str] | None = None
) -> list[tuple[str, str, Callable]]:
    """(column name, path to read with values_list or "" for a cell made from the byline or
    award rows, render or None when the value read is already the cell) per exported column
    (``selected_fields``: only those, as the admin's export form may choose)."""
    columns = []
    for f in resource.get_export_fields(selected_fields):
        name = resource.get_field_name(f)
        if name in _STREAMED_CELLS:
            columns.append((name, "", None))
            continue
        render = _cell_renderer(f.widget, native=native)
        dehydrated = f.dehydrate_method or hasattr(resource, f.get_dehydrate_method(name))
        if render is None or dehydrated or not f.attribute or "__" in f.attribute:
            raise ImproperlyConfigured(
                f"paper_rows() cannot export the column {f.column_name!r} of "
                f"{type(resource).__name__}: only plain fields, foreign keys by slug, the byline "
                "and the awards are read as values."
            )
        path, model_field = f.attribute, Paper._meta.get_field(f.attribute)
        if isinstance(f.widget, SlugWidget):
            path = f"{path}__slug"
        elif render is _same or (
            render is _text
            and not model_field.null
            and isinstance(model_field, models.CharField | models.TextField)
        ):
            render = None  # the database gives the cell as it is: a str never NULL, a number
        columns.append((name, path, render))
    return columns


def paper_queries(
    resource: PaperResource,
    papers: QuerySet | None = None,
    *,
    selected_fields: Sequence[str] | None = None,
) -> tuple[QuerySet, QuerySet, QuerySet, QuerySet]:
    """The four queries ``paper_rows`` reads, unevaluated: the people (for the byline names),
    ``papers`` (all by default) as tuples of the pk and the values of ``resource``'s plain
    columns, and their byline rows and awards, ordered like ``papers`` so the three can be
    merged as they stream."""
    columns = _paper_columns(resource, native=True, selected_fields=selected_fields)
    paths = [path for _, path, _ in columns if path]
    papers = Paper.objects.all() if papers is None else papers
    if papers.query.is_sliced:
        # A slice picks the papers; they are then read (and merged) in the same order.
        ordering = papers.query.order_by
        papers = Paper.objects.filter(pk__in=papers.values("pk"))
        if ordering:
            papers = papers.order_by(*ordering)
    papers = papers.prefetch_related(None)
    own, related = _related_ordering(papers, "paper")
    ids = papers.order_by().values("pk")
    return (
        Person.objects.only("id", "name", "slug", "aliases", "match_by_name"),
        papers.order_by(*own).values_list("pk", *paths),
        Authorship.objects.filter(paper__in=ids)
        .order_by(*related, "position")
        .values_list("paper_id", "person_id", "printed_name", *MARK_FIELDS),
        PaperAward.objects.filter(paper__in=ids)
        .order_by(*related, "title")
        .values_list("paper_id", "title"),
    )


#: The marks after an author's name, by the values of MARK_FIELDS: (True, False, False, True)
#: -> "*✉".
_MARK_SIGNS = {
    flags: "".join(sign for sign, on in zip(MARKS, flags, strict=True) if on)
    for flags in product((False, True), repeat=len(MARKS))
}


def paper_rows(
    resource: PaperResource,
    papers: QuerySet | None = None,
    *,
    native: bool = True,
    selected_fields: Sequence[str] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[list]:
    """The rows ``resource`` exports for ``papers`` (all papers by default), in their order,
    cell for cell what ``resource.export(papers, force_native_type=native,
    export_fields=selected_fields)`` gives (tested); the writers escape them.

    Four queries whatever the number of papers (people, papers, byline rows, awards), each
    streamed ``chunk_size`` rows at a time, so memory does not grow with the number of papers.
    Everything is read as plain tuples (``values_list``), no model instance per paper or
    author, and each column's widget is replaced by one equivalent function chosen up front,
    or by nothing when the value read is the cell: per cell, django-import-export's
    ``Field.export`` costs more than writing the cell. The byline cell is exactly
    ``paper_byline(paper, matcher=PersonMatcher.from_database())``.
    """
    columns = _paper_columns(resource, native=native, selected_fields=selected_fields)
    paths = [path for _, path, _ in columns if path]
    people, papers, authorships, awards = paper_queries(
        resource, papers, selected_fields=selected_fields
    )
    people = list(people)
    by_pk = {person.pk: person for person in people}
    matcher = PersonMatcher(people)
    # (person, printed name) -> (the name written, " <slug>" for a namesake or ""): names
    # repeat from paper to paper, so each is matched once.
    authors: dict[tuple[int, str], tuple[str, str]] = {}

    def author(person_id: int, printed_name: str) -> tuple[str, str]:
        person = by_pk[person_id]
        name = printed_name or person.name
        return name, "" if matcher.is_unambiguous(name, person) else f" <{person.slug}>"

    bylines = _grouped(authorships.iterator(chunk_size=chunk_size))
    prizes = _grouped(awards.iterator(chunk_size=chunk_size))
    next_byline, next_prizes = next(bylines, (None, [])), next(prizes, (None, []))
    # Each cell's place in the tuple (pk, *values read, byline, awards): one C-level
    # itemgetter call picks a row's cells, then only the columns with a render are converted.
    places = ["pk", *paths, *_STREAMED_CELLS]
    pick = itemgetter(*(places.index(path or name) for name, path, _ in columns))
    renders = [(n, render) for n, (_, _, render) in enumerate(columns) if render is not None]
    for values in papers.iterator(chunk_size=chunk_size):
        pk = values[0]
        byline, titles = [], []
        if next_byline[0] == pk:
            byline = next_byline[1]
            next_byline = next(bylines, (None, []))
        if next_prizes[0] == pk:
            titles = [title for _, title in next_prizes[1]]
            next_prizes = next(prizes, (None, []))
        parts = []
        for authorship in byline:
            key = authorship[1:3]
            name, slug = authors.get(key) or authors.setdefault(key, author(*key))
            parts.append(name + _MARK_SIGNS[authorship[3:]] + slug)
        row = list(pick((*values, "; ".join(parts), AWARD_SEPARATOR.join(titles))))
        for n, render in renders:
            row[n] = render(row[n])
        yield row


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
    "paper_queries",
    "paper_rows",
    "workbook_sheets",
    "write_workbook",
]
