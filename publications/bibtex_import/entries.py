"""One entry of a plan: the paper an entry of the file would become, its authors, and the new
venue and people it would bring.

``publications.bibtex_import.parse`` fills in what the file says (``PlannedEntry`` with its
errors, the venue text and the authors' names); the plan then sets what the database says
(the matched venue or a ``NewVenue``, each author's person or a ``NewPerson``, the paper or
earlier entry it duplicates). They live apart from the plan so that both stages can use them.
"""

from dataclasses import dataclass, field

from people.models import Person
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
    authors_complete: bool = True
    venue: Venue | None = None
    new_venue: NewVenue | None = None
    authors: list[PlannedAuthor] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    duplicate_of: Paper | None = None
    duplicate_of_entry: str = ""
    duplicate_reason: str = ""
    venue_text: str = ""  # the venue as the file names it, decoded
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

    def error(self, message: str) -> None:
        self.errors.append(f"entry {self.key or f'at line {self.line}'}: {message}")

