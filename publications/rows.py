"""The fast paper exporter: papers as spreadsheet rows from plain tuples, in constant memory.

``paper_rows`` gives, row for row and cell for cell, what a paper resource's ``export()``
gives (tested), without building a model instance per paper or author: the papers, their byline
rows, their awards and their keywords are read as tuples by four streamed queries whose rows
arrive in the same paper order and are merged here, plus one query for the people the byline
names. Site
downloads, the admin's export and the whole-lab workbook's papers sheet all write through it.
"""

from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import F, OrderBy, QuerySet
from django.db.models.functions import Lower
from import_export import widgets

from lab.core.importing import SlugWidget
from people.matching import PersonMatcher
from people.models import Person
from publications.byline import MARK_FIELDS, MARK_SIGNS
from publications.models import Authorship, Paper, PaperAward
from publications.resources import AWARD_SEPARATOR, KEYWORD_SEPARATOR, PaperResource

#: Rows fetched from the database at a time by the streaming export.
CHUNK_SIZE = 2000


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


#: Cells of a paper row that ``paper_rows`` makes from the byline, keyword and award rows.
_STREAMED_CELLS = ("authors", "keywords", "awards")


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


#: What the byline cell reads of each person: the name, the slug and what matching reads.
_PEOPLE_FIELDS = ("id", "name", "slug", "aliases", "match_by_name")


def paper_queries(
    resource: PaperResource,
    papers: QuerySet | None = None,
    *,
    selected_fields: Sequence[str] | None = None,
) -> tuple[QuerySet, QuerySet, QuerySet, QuerySet, QuerySet]:
    """The five queries ``paper_rows`` reads, unevaluated: the people (for the byline names),
    ``papers`` (all by default) as tuples of the pk and the values of ``resource``'s plain
    columns, and their byline rows, awards and keywords (names, in the order of
    Keyword.Meta.ordering, as the resource's prefetch gives them), ordered like ``papers`` so
    the four can be merged as they stream."""
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
        Person.objects.only(*_PEOPLE_FIELDS),
        papers.order_by(*own).values_list("pk", *paths),
        Authorship.objects.filter(paper__in=ids)
        .order_by(*related, "position")
        .values_list("paper_id", "person_id", "printed_name", *MARK_FIELDS),
        PaperAward.objects.filter(paper__in=ids)
        .order_by(*related, "title")
        .values_list("paper_id", "title"),
        Paper.keywords.through.objects.filter(paper__in=ids)
        .order_by(*related, Lower("keyword__name"), "keyword__slug")
        .values_list("paper_id", "keyword__name"),
    )


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

    Five queries whatever the number of papers (people, papers, byline rows, awards,
    keywords), each
    streamed ``chunk_size`` rows at a time, so memory does not grow with the number of papers.
    Everything is read as plain tuples (``values_list``), no model instance per paper or
    author, and each column's widget is replaced by one equivalent function chosen up front,
    or by nothing when the value read is the cell: per cell, django-import-export's
    ``Field.export`` costs more than writing the cell. The byline cell is exactly
    ``paper_byline(paper, matcher=PersonMatcher.from_database())``.
    """
    columns = _paper_columns(resource, native=native, selected_fields=selected_fields)
    paths = [path for _, path, _ in columns if path]
    people, papers, authorships, awards, keywords = paper_queries(
        resource, papers, selected_fields=selected_fields
    )
    byline_cell = _BylineCells(list(people))
    # Each cell's place in the tuple (pk, *values read, byline, awards): one C-level
    # itemgetter call picks a row's cells, then only the columns with a render are converted.
    places = ["pk", *paths, *_STREAMED_CELLS]
    pick = itemgetter(*(places.index(path or name) for name, path, _ in columns))
    renders = [(n, render) for n, (_, _, render) in enumerate(columns) if render is not None]
    merged = _merged(
        papers.iterator(chunk_size=chunk_size),
        authorships.iterator(chunk_size=chunk_size),
        awards.iterator(chunk_size=chunk_size),
        keywords.iterator(chunk_size=chunk_size),
    )
    for values, byline, titles, names in merged:
        cells = (byline_cell(byline), KEYWORD_SEPARATOR.join(names), AWARD_SEPARATOR.join(titles))
        row = list(pick((*values, *cells)))
        for n, render in renders:
            row[n] = render(row[n])
        yield row


class _BylineCells:
    """A paper's byline cell from its byline rows (paper id, person id, printed name, marks):
    "Qinghao Hu*; Hao Wang <hao-wang-2>", a namesake with their slug. Names repeat from paper
    to paper, so each (person, printed name) is matched once."""

    def __init__(self, people: list[Person]):
        self.by_pk = {person.pk: person for person in people}
        self.matcher = PersonMatcher(people)
        self.authors: dict[tuple[int, str], tuple[str, str]] = {}

    def _author(self, person_id: int, printed_name: str) -> tuple[str, str]:
        person = self.by_pk.get(person_id)
        if person is None:
            # Created after the people were read: the five queries are five snapshots, and an
            # import that committed in between added the person and their papers (a 500 in the
            # load test). Read them now; it happens only in that race.
            person = Person.objects.only(*_PEOPLE_FIELDS).get(pk=person_id)
            self.by_pk[person_id] = person
            self.matcher.add(person)
        name = printed_name or person.name
        return name, "" if self.matcher.is_unambiguous(name, person) else f" <{person.slug}>"

    def __call__(self, rows: list[tuple]) -> str:
        authors, parts = self.authors, []
        for authorship in rows:
            key = authorship[1:3]
            name, slug = authors.get(key) or authors.setdefault(key, self._author(*key))
            parts.append(name + MARK_SIGNS[authorship[3:]] + slug)
        return "; ".join(parts)


def _merged(
    papers, authorships, awards, keywords
) -> Iterator[tuple[tuple, list, list[str], list[str]]]:
    """(paper values, its byline rows, its award titles, its keyword names) per paper, from
    four streams that follow the same paper order (paper_queries)."""
    bylines, prizes, tags = _grouped(authorships), _grouped(awards), _grouped(keywords)
    next_byline, next_prizes = next(bylines, (None, [])), next(prizes, (None, []))
    next_tags = next(tags, (None, []))
    for values in papers:
        pk = values[0]
        byline, titles, names = [], [], []
        if next_byline[0] == pk:
            byline = next_byline[1]
            next_byline = next(bylines, (None, []))
        if next_prizes[0] == pk:
            titles = [title for _, title in next_prizes[1]]
            next_prizes = next(prizes, (None, []))
        if next_tags[0] == pk:
            names = [name for _, name in next_tags[1]]
            next_tags = next(tags, (None, []))
        yield values, byline, titles, names
