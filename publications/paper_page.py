"""What a paper's page shows, read in one query compiled once (``lab.core.prepared``).

The page is rendered once per generation of the records, so every write makes the next view of
each paper a cold one. It used to read the paper (with its venue and published version), then
its byline rows, then its keywords: three queries of about a millisecond each, most of it
Django's compiling them. Now one query gives the paper's columns, its venue's and published
version's, whether it has awards or earlier versions, and its byline rows and keywords as JSON
arrays; its SQL is compiled once per database. The instances are made from the row as the
ORM makes them from ``only()`` columns (``Model.from_db``: a column not read is deferred,
so a template that asked for one would show up as a query in the page's query-count tests),
with the relations in the caches the ORM's ``select_related`` and ``prefetch_related`` fill.
Awards and earlier versions, which few papers have, are read only where there are some.
"""

from django.db import DEFAULT_DB_ALIAS
from django.db.models import (
    Exists,
    Model,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import JSONObject

from lab.core.prepared import JSONRows, PreparedQuery
from people.models import Person
from publications.byline import MARK_FIELDS
from publications.models import Authorship, Keyword, Paper, PaperAward, Venue, version_links

#: The paper's own columns the page and its BibTeX entry read: all but the bookkeeping ones.
PAPER_COLUMNS = tuple(
    f.attname
    for f in Paper._meta.concrete_fields
    if f.name not in ("created", "modified", "former_slugs", "curator_note", "title_key")
)
#: What the page prints of the paper's venue, of its published version and of that one's venue.
VENUE_COLUMNS = ("slug", "name", "short_name", "kind")
PUBLISHED_COLUMNS = ("slug", "title", "year", "venue_id")
PUBLISHED_VENUE_COLUMNS = ("name", "short_name")
#: What the byline and the BibTeX entry print of each byline row and its person.
AUTHORSHIP_COLUMNS = ("person_id", "position", "printed_name", *MARK_FIELDS)
PERSON_COLUMNS = ("name", "slug", "given_name", "family_name")
KEYWORD_COLUMNS = ("id", "name", "slug")


def _rows_of(model: type[Model], paper_field: str, **columns) -> Subquery:
    """The paper's rows of ``model`` (whose foreign key ``paper_field`` is the paper) as one
    JSON array of objects of ``columns``."""
    return Subquery(
        model.objects.filter(**{paper_field: OuterRef("pk")})
        .order_by()
        .values(paper_field)
        .annotate(rows=JSONRows(JSONObject(**columns)))
        .values("rows")
    )


def _page_query(slug: str) -> QuerySet:
    return (
        Paper.objects.filter(slug=slug)
        .order_by()
        .values_list(
            *PAPER_COLUMNS,
            *(f"venue__{name}" for name in VENUE_COLUMNS),
            *(f"published_version__{name}" for name in PUBLISHED_COLUMNS),
            *(f"published_version__venue__{name}" for name in PUBLISHED_VENUE_COLUMNS),
            Exists(PaperAward.objects.filter(paper=OuterRef("pk"))),
            Exists(Paper.objects.filter(published_version=OuterRef("pk"))),
            _rows_of(
                Authorship,
                "paper",
                **{name: name for name in AUTHORSHIP_COLUMNS},
                **{f"person_{name}": f"person__{name}" for name in PERSON_COLUMNS},
            ),
            _rows_of(
                Paper.keywords.through,
                "paper",
                **{name: f"keyword__{name}" for name in KEYWORD_COLUMNS},
            ),
        )
    )


PAGE_QUERY = PreparedQuery(_page_query)


def _loaded(model: type[Model], db: str, values: dict) -> Model:
    """An instance of ``model`` as the ORM loads it with only these columns (by attname)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(db, names, [values[name] for name in names])


#: The byline row's fields by column, to read its JSON values (SQLite's JSON gives booleans
#: as 0 and 1).
_AUTHORSHIP_FIELDS = tuple((name, Authorship._meta.get_field(name)) for name in AUTHORSHIP_COLUMNS)


def _evaluated(model: type[Model], objects: list) -> QuerySet:
    """A queryset of ``model`` holding ``objects`` as its results, as prefetch_related leaves
    one in an instance's prefetch cache: the relation's manager returns it, no query."""
    queryset = model.objects.all()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    return queryset


def _split(row: tuple, *groups: tuple[str, ...]) -> list:
    """The row's values as one dict per group of column names, in order, then the rest."""
    parts, start = [], 0
    for names in groups:
        parts.append(dict(zip(names, row[start : start + len(names)], strict=True)))
        start += len(names)
    return [*parts, *row[start:]]


def _venue(db: str, pk: int | None, values: dict) -> Venue | None:
    return None if pk is None else _loaded(Venue, db, {"id": pk, **values})


def _keyword_order(keyword: dict) -> tuple[str, str]:
    return keyword["name"].lower(), keyword["slug"]


def paper_for_page(slug: str, *, using: str = DEFAULT_DB_ALIAS) -> Paper | None:
    """The paper with what its page and its BibTeX entry show, or None: one query (three when
    it has awards and earlier versions), whatever the size of the lab."""
    rows = PAGE_QUERY.rows(slug, using=using)
    if not rows:
        return None
    values, venue, published, published_venue, *rest = _split(
        rows[0], PAPER_COLUMNS, VENUE_COLUMNS, PUBLISHED_COLUMNS, PUBLISHED_VENUE_COLUMNS
    )
    paper = _loaded(Paper, using, values)
    Paper.venue.field.set_cached_value(paper, _venue(using, paper.venue_id, venue))
    version = None
    if paper.published_version_id is not None:
        version = _loaded(Paper, using, {"id": paper.published_version_id, **published})
        Paper.venue.field.set_cached_value(
            version, _venue(using, version.venue_id, published_venue)
        )
    Paper.published_version.field.set_cached_value(paper, version)

    has_awards, has_earlier_versions, byline, keywords = rest
    authorships = []
    for entry in sorted(byline or (), key=lambda entry: entry["position"]):
        authorship = _loaded(
            Authorship,
            using,
            {
                "paper_id": paper.pk,
                **{name: field.to_python(entry[name]) for name, field in _AUTHORSHIP_FIELDS},
            },
        )
        person = _loaded(
            Person,
            using,
            {
                "id": authorship.person_id,
                **{name: entry[f"person_{name}"] for name in PERSON_COLUMNS},
            },
        )
        Authorship.person.field.set_cached_value(authorship, person)
        Authorship.paper.field.set_cached_value(authorship, paper)
        authorships.append(authorship)
    # The keywords' order (Keyword.Meta.ordering): by name whatever the case, then slug.
    keywords = sorted(keywords or (), key=_keyword_order)
    prefetched = paper.__dict__.setdefault("_prefetched_objects_cache", {})
    prefetched["authorships"] = _evaluated(Authorship, authorships)
    prefetched["keywords"] = _evaluated(
        Keyword, [_loaded(Keyword, using, keyword) for keyword in keywords]
    )
    lookups = []
    for name, present, queryset, model in (
        ("awards", has_awards, PaperAward.objects.all, PaperAward),
        ("earlier_versions", has_earlier_versions, version_links, Paper),
    ):
        if present:  # the relation's queryset made only for a paper that has rows of it
            lookups.append(Prefetch(name, queryset=queryset()))
        else:
            prefetched[name] = _evaluated(model, [])
    if lookups:
        prefetch_related_objects([paper], *lookups)
    return paper
