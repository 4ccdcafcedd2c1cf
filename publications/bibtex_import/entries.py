"""One entry of a plan: the paper an entry of the file would become, its authors, and the new
venue and people it would bring.

``publications.bibtex_import.parse`` fills in what the file says (``PlannedEntry`` with its
errors, the venue text and the authors' names); the plan then sets what the database says
(the matched venue or a ``NewVenue``, each author's person or a ``NewPerson``, the paper or
earlier entry it duplicates). They live apart from the plan so that both stages can use them.
"""

from dataclasses import dataclass, field

from people.models import Person
from publications.bibtex_import.venues import VenueParts
from publications.byline import MARKS
from publications.enums import PaperStatus
from publications.models import Paper, Venue


@dataclass
class NewVenue:
    name: str
    short_name: str
    kind: str

    @property
    def label(self) -> str:
        return self.short_name or self.name


@dataclass
class NewPerson:
    name: str
    given_name: str
    family_name: str

    def __str__(self):
        return self.name


@dataclass
class PlannedAuthor:
    name: str  # as printed in the file, decoded
    person: Person | None  # None: a new person, created on import
    flags: dict = field(default_factory=dict)

    @property
    def is_new(self) -> bool:
        return self.person is None


@dataclass(frozen=True)
class NotKept:
    """A field of the entry that is not imported, and why: the preview names every one."""

    field: str
    reason: str
    #: "ignored": a field the import leaves out on purpose (docs/imports.md, "BibTeX
    #: sources"); "unknown": a field it does not know; "value": a value it cannot keep.
    kind: str = "ignored"


#: The Paper fields an entry fills besides its title, dates, status, venue and byline, in the
#: order apply writes them.
CITATION_FIELDS = (
    "doi",
    "arxiv_id",
    "url",
    "abstract",
    "note",
    "volume",
    "number",
    "pages",
    "article_number",
    "publisher",
    "series",
    "isbn",
    "issn",
    "event_place",
    "event_dates",
    "pdf_url",
    "code_url",
    "slides_url",
    "poster_url",
    "video_url",
    "website_url",
    "google_scholar_id",
)


@dataclass
class PlannedEntry:
    key: str
    line: int | None
    entry_type: str = ""
    title: str = ""
    year: int | None = None
    month: int | None = None
    status: str = PaperStatus.PUBLISHED
    doi: str = ""
    arxiv_id: str = ""
    url: str = ""
    abstract: str = ""
    note: str = ""
    volume: str = ""
    number: str = ""
    pages: str = ""
    article_number: str = ""
    publisher: str = ""
    series: str = ""
    isbn: str = ""
    issn: str = ""
    event_place: str = ""
    event_dates: str = ""
    pdf_url: str = ""
    code_url: str = ""
    slides_url: str = ""
    poster_url: str = ""
    video_url: str = ""
    website_url: str = ""
    google_scholar_id: str = ""
    selected: bool = False
    keywords: list[str] = field(default_factory=list)
    awards: list[str] = field(default_factory=list)
    authors_complete: bool = True
    venue: Venue | None = None
    new_venue: NewVenue | None = None
    authors: list[PlannedAuthor] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    duplicate_of: Paper | None = None
    duplicate_of_entry: str = ""
    duplicate_reason: str = ""
    venue_text: str = ""  # the venue as the file names it, decoded
    venue_parts: VenueParts | None = None  # that name taken apart (series, short name, place)
    venue_short: str = ""  # a short name the file gives beside it (al-folio abbr, ACM series)
    raw: str = ""  # the entry as the file writes it (for the .bib of skipped entries)
    crossref: str = ""  # the key of the entry it inherits fields from
    not_kept: list[NotKept] = field(default_factory=list)
    author_names: list[str] = field(default_factory=list)
    # (given, family) as the file splits each name: "Sánchez Pérez, Ixeia" says which is which.
    author_parts: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def action(self) -> str:
        if self.errors:
            return "error"
        if self.duplicate_of is not None or self.duplicate_of_entry:
            return "duplicate"
        return "new"

    @property
    def status_label(self) -> str:
        return PaperStatus(self.status).label

    @property
    def venue_label(self) -> str:
        if self.venue is not None:
            return str(self.venue)
        return self.new_venue.label if self.new_venue else ""

    @property
    def label(self) -> str:
        return self.key or f"(line {self.line})"

    @property
    def marked_authors(self) -> list[str]:
        """The byline as the preview shows it: each name as printed, with its marks."""
        return [
            author.name + "".join(sign for sign, flag in MARKS.items() if author.flags.get(flag))
            for author in self.authors
        ]

    def error(self, message: str) -> None:
        self.errors.append(f"entry {self.key or f'at line {self.line}'}: {message}")

    def not_imported(self, field_name: str, reason: str, kind: str = "value") -> None:
        self.not_kept.append(NotKept(field_name, reason, kind))

