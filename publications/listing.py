"""Papers as lists on pages show them, read as plain rows: no model instance per paper or author.

A person's page lists hundreds of papers with thousands of byline rows; building a Paper, an
Authorship and a Person instance for each of them cost more than the queries and the HTML
together. ``paper_list_items`` reads what a list prints (``publications_tags.paper_items``
renders it) in five queries whatever the number of papers: the papers with their venue and
the paper they were published as, their byline rows with the people's names and slugs, their
awards, their keywords and their earlier versions, each as tuples (``values_list``).

``PaperItem.from_paper`` makes the same item from a paper loaded with
``Paper.objects.for_display()``, so a page that already holds instances renders the same
markup (tested against each other).
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.db.models.functions import Lower

from lab.core.bulk import filter_in
from publications.byline import MARK_FIELDS, MARKS_MASK
from publications.enums import PaperStatus
from publications.models import Authorship, Paper, PaperAward

#: A paper's own links, in the order pages list them: (field, label).
PAPER_LINKS = (
    ("pdf_url", "PDF"),
    ("code_url", "Code"),
    ("slides_url", "Slides"),
    ("poster_url", "Poster"),
    ("video_url", "Video"),
    ("website_url", "Website"),
)
LINK_FIELDS = tuple(name for name, _label in PAPER_LINKS)
STATUS_LABELS = dict(PaperStatus.choices)


def marks_mask(authorship) -> int:
    """The MARKS_MASK of an Authorship instance."""
    return sum(1 << bit for bit, name in enumerate(MARK_FIELDS) if getattr(authorship, name))


def version_where(venue_label: str, year: int | None) -> str:
    """Where and when a version of a work came out: "arXiv 2023" (Venue.__str__ and year)."""
    return " ".join(str(part) for part in (venue_label, year or "") if part)


@dataclass(slots=True)
class Author:
    """One place on a byline: what a byline prints of it. ``name`` is the person's name,
    ``printed_name`` the name as printed on the paper when it differs; ``marks`` the values of
    the mark fields as one number (MARKS_MASK)."""

    person_id: int
    slug: str
    name: str
    printed_name: str
    marks: int

    @property
    def display_name(self) -> str:
        return self.printed_name or self.name  # Authorship.display_name

    @classmethod
    def of(cls, authorship) -> "Author":
        """The place of an Authorship instance (its person loaded)."""
        person = authorship.person
        return cls(
            authorship.person_id,
            person.slug,
            person.name,
            authorship.printed_name,
            marks_mask(authorship),
        )


@dataclass(slots=True)
class Version:
    """Another version of a work, as a link to it names it: its slug, "arXiv 2023" (or its
    title when it has neither venue nor year) and its status."""

    slug: str
    label: str
    status: str


@dataclass(slots=True)
class PaperItem:
    pk: int
    title: str
    slug: str
    year: int | None
    status: str
    doi: str
    authors_complete: bool
    #: (field, value) of the paper's own links, PAPER_LINKS order, empty ones included.
    links: tuple[tuple[str, str], ...]
    #: (slug, label) of the venue, or None.
    venue: tuple[str, str] | None
    published_version: Version | None = None
    authors: list[Author] = field(default_factory=list)
    awards: list[str] = field(default_factory=list)
    #: (slug, name) per keyword, in the keywords' order.
    keywords: list[tuple[str, str]] = field(default_factory=list)
    earlier_versions: list[Version] = field(default_factory=list)

    @property
    def status_display(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @classmethod
    def from_paper(cls, paper: Paper) -> "PaperItem":
        """The item of a paper loaded with ``Paper.objects.for_display()`` (its prefetched
        byline, awards, keywords and versions; no query)."""
        venue = paper.venue
        published = paper.published_version
        return cls(
            pk=paper.pk,
            title=paper.title,
            slug=paper.slug,
            year=paper.year,
            status=paper.status,
            doi=paper.doi,
            authors_complete=paper.authors_complete,
            links=tuple((name, getattr(paper, name)) for name in LINK_FIELDS),
            venue=None if venue is None else (venue.slug, str(venue)),
            published_version=None if published is None else _version_of(published),
            authors=[Author.of(a) for a in paper.authorships.all()],
            awards=[award.title for award in paper.awards.all()],
            keywords=[(keyword.slug, keyword.name) for keyword in paper.keywords.all()],
            earlier_versions=[_version_of(earlier) for earlier in paper.earlier_versions.all()],
        )


def _version_of(paper: Paper) -> Version:
    where = version_where(str(paper.venue) if paper.venue else "", paper.year)
    return Version(paper.slug, where or paper.title, paper.status)


def _venue_label(short_name: str | None, name: str | None) -> str:
    return short_name or name or ""  # Venue.__str__


_PAPER_COLUMNS = (
    "pk",
    "title",
    "slug",
    "year",
    "status",
    "doi",
    "authors_complete",
    *LINK_FIELDS,
    "venue__slug",
    "venue__short_name",
    "venue__name",
    "published_version__slug",
    "published_version__title",
    "published_version__year",
    "published_version__status",
    "published_version__venue__short_name",
    "published_version__venue__name",
)
_LINKS = slice(7, 7 + len(LINK_FIELDS))
_REST = 7 + len(LINK_FIELDS)


def paper_list_items(papers: QuerySet[Paper]) -> list[PaperItem]:
    """The items of ``papers`` (a queryset, sliced or not), in its order, in five queries."""
    items = []
    for row in papers.values_list(*_PAPER_COLUMNS):
        venue_slug, venue_short, venue_name, *published = row[_REST:]
        version = None
        if published[0] is not None:
            slug, title, year, status, short_name, name = published
            where = version_where(_venue_label(short_name, name), year)
            version = Version(slug, where or title, status)
        items.append(
            PaperItem(
                pk=row[0],
                title=row[1],
                slug=row[2],
                year=row[3],
                status=row[4],
                doi=row[5],
                authors_complete=row[6],
                links=tuple(zip(LINK_FIELDS, row[_LINKS], strict=True)),
                venue=None
                if venue_slug is None
                else (venue_slug, _venue_label(venue_short, venue_name)),
                published_version=version,
            )
        )
    if items:
        _add_related(items)
    return items


def _add_related(items: list[PaperItem]) -> None:
    by_pk = {item.pk: item for item in items}
    # The papers' ids travel in one parameter, a JSON array (filter_in): Django's IN writes and
    # sends one per id, four times for a person's hundreds of papers (their cold page on the
    # side-by-side harness's PostgreSQL database of 1,000 papers, 307 of them the person's:
    # fastest 40-41 -> 35-37 ms; the synthetic lab's most prolific person on SQLite, 420
    # papers: 43-63 -> 34-37 ms).
    ids = list(by_pk)
    # The byline in order, as Authorship.objects.in_order() gives it.
    byline = (
        filter_in(Authorship.objects.all(), "paper", ids)
        .order_by("paper_id", "position")
        .values_list(
            "paper_id", "person_id", "person__slug", "person__name", "printed_name", MARKS_MASK
        )
    )
    for paper_id, person_id, slug, name, printed_name, marks in byline:
        by_pk[paper_id].authors.append(Author(person_id, slug, name, printed_name, marks))
    awards = (
        filter_in(PaperAward.objects.all(), "paper", ids)
        .order_by("paper_id", "title")
        .values_list("paper_id", "title")
    )
    for paper_id, title in awards:
        by_pk[paper_id].awards.append(title)
    keywords = (
        filter_in(Paper.keywords.through.objects.all(), "paper", ids)
        .order_by("paper_id", Lower("keyword__name"), "keyword__slug")
        .values_list("paper_id", "keyword__slug", "keyword__name")
    )
    for paper_id, slug, name in keywords:
        by_pk[paper_id].keywords.append((slug, name))
    # In the papers' default order, as the prefetch of earlier_versions gives them.
    earlier = filter_in(Paper.objects.all(), "published_version", ids).values_list(
        "published_version_id",
        "slug",
        "title",
        "year",
        "status",
        "venue__short_name",
        "venue__name",
    )
    for paper_id, slug, title, year, status, short_name, name in earlier:
        where = version_where(_venue_label(short_name, name), year)
        by_pk[paper_id].earlier_versions.append(Version(slug, where or title, status))


def coauthors(person_id: int, items: list[PaperItem]) -> list[tuple[Author, int]]:
    """Everyone who shares a paper with the person, with the number of shared papers, most
    first (ties by name, then slug): one of their byline places stands for each."""
    people: dict[int, Author] = {}
    shared: Counter[int] = Counter()
    for item in items:
        for author in item.authors:
            if author.person_id != person_id:
                people.setdefault(author.person_id, author)
                shared[author.person_id] += 1
    ranked = sorted(shared, key=lambda pk: (-shared[pk], people[pk].name, people[pk].slug))
    return [(people[pk], shared[pk]) for pk in ranked]
