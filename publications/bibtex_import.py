"""Papers from a .bib file: read (bibtexparser 2), plan (no writes), then apply all or nothing.

``bibtex_plan(text)`` reads every entry into the paper it would become: title, venue, year and
month, status, DOI, arXiv id, URL, abstract and note, and the ordered byline with each author
matched to a person by name or alias through one PersonMatcher (``byline_resolve``, the admin's
byline service), or marked as new. It names every problem as ``entry <key>: <what is wrong>`` and
reports the entries that are already papers (same DOI, same arXiv id, or the same normalised
title and year) or repeat an earlier entry of the file. It writes nothing, so it is the preview.

``bibtex_import(text=..., user=...)`` plans again inside one transaction and, only when no entry
has an error, creates the new venues, people, papers and byline rows and records each new
record in the admin log. Duplicates are never created.

The number of queries does not grow with the number of entries: the plan loads people, venues
and candidate duplicates once (three queries in all), and applying reads the slugs of each
table once and inserts each kind of record in bulk (SQLite splits a big insert into batches).
Bulk inserts send no ``post_save``, so the page cache is invalidated explicitly. New people get
the fields ``person_create`` gives them (split name, free slug); their fields are validated
while planning, without the per-person queries of ``full_clean``.

LaTeX is decoded with pylatexenc, configured as bibtexparser's LatexDecodingMiddleware, but only
in text fields (title, names, venue, abstract, note): decoding a URL or DOI would treat ``%``
as a comment and ``~`` as a space.
"""

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import bibtexparser
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
)
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.text import slugify
from pylatexenc import latexwalker
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from lab.core.cache import invalidate_pages
from lab.core.models import MAX_YEAR, MIN_YEAR
from lab.core.slugs import unique_slugs
from people.matching import PersonMatcher
from people.models import Person
from people.names import normalize_name, split_name
from publications.byline import MARK_FIELDS, MARKS, BylineError
from publications.enums import PaperStatus, VenueKind
from publications.models import ARXIV_PATTERN, DOI_PATTERN, Authorship, Paper, Venue
from publications.services import byline_resolve

MAX_BIBTEX_BYTES = 2 * 1024 * 1024
#: What a BibTeX import needs: it adds papers (and so must be one who may change them, as for
#: a spreadsheet import), and the venues, people and byline rows its entries bring.
IMPORT_PERMISSIONS = (
    "publications.add_paper",
    "publications.change_paper",
    "publications.add_venue",
    "people.add_person",
    "publications.add_authorship",
)
LOG_MESSAGE = "Imported from BibTeX"

# Entry types that are papers. Anything else (@book, @proceedings, @manual...) is an error
# rather than skipped, so nothing in the file goes unmentioned.
CONFERENCE_TYPES = frozenset({"inproceedings", "conference", "incollection", "inbook"})
JOURNAL_TYPES = frozenset({"article"})
OTHER_TYPES = frozenset({"misc", "unpublished", "online", "electronic", "techreport", "report"})
PAPER_TYPES = CONFERENCE_TYPES | JOURNAL_TYPES | OTHER_TYPES

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES = (
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
)
# What the site's own BibTeX export writes into ``note`` for a status (publications.bibtex).
STATUS_NOTES = {
    "to appear": PaperStatus.ACCEPTED,
    "accepted": PaperStatus.ACCEPTED,
    "under review": PaperStatus.UNDER_REVIEW,
    "in submission": PaperStatus.UNDER_REVIEW,
    "submitted": PaperStatus.UNDER_REVIEW,
    "preprint": PaperStatus.PREPRINT,
}
UNDATED_STATUSES = (PaperStatus.PREPRINT, PaperStatus.UNDER_REVIEW)
ET_AL = frozenset({"others", "et al", "et al."})

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_ARXIV_WORD = re.compile(r"\b(?:arxiv|corr)\b", re.IGNORECASE)
_ARXIV_ID_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s*)([0-9]{4}\.[0-9]{4,5}(?:v[0-9]+)?)", re.IGNORECASE
)
_UNESCAPED_PERCENT = re.compile(r"(?<!\\)%")
_ENTRY_START = re.compile(r"@\s*([A-Za-z]+)\s*[{(]\s*([^,\s{}()=@]*)")
_PROCEEDINGS = re.compile(
    r"^(?:in\s+)?(?:the\s+)?(?:proceedings|proc\.)\s+of\s+(?:the\s+)?", re.IGNORECASE
)
_ORDINAL = re.compile(
    r"\b(?:[0-9]+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
    r"tenth|eleventh|twelfth|[a-z]+teenth|[a-z]+tieth|[a-z]+ty-[a-z]+(?:st|nd|rd|th))\b",
    re.IGNORECASE,
)
_YEARISH = re.compile(r"(?:\b(?:19|20)[0-9]{2}\b|['’][0-9]{2}\b)")
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_TITLE_NOISE = re.compile(r"[\W_]+")
_ACRONYM = re.compile(r"^[A-Za-z][A-Za-z0-9\-+]{1,49}$")

_url_validator = URLValidator(schemes=["http", "https"])


def may_import_bibtex(user) -> bool:
    """Whether ``user`` may import BibTeX (``IMPORT_PERMISSIONS``), in the admin or a command."""
    return user.is_active and user.has_perms(IMPORT_PERMISSIONS)


def _latex_decoder() -> LatexNodes2Text:
    # The same set-up as bibtexparser's LatexDecodingMiddleware: \url{...} is kept bare and
    # math is kept verbatim.
    context = get_default_latex_context_db()
    context.add_context_category(
        "lab-bibtex-import", prepend=True, macros=[MacroTextSpec("url", simplify_repl="%s")]
    )
    return LatexNodes2Text(latex_context=context, keep_braced_groups=False, math_mode="verbatim")


_decoder = _latex_decoder()
# LatexWalker builds this parsing context afresh for every string unless given one: that was
# nine tenths of the time of reading a file.
_walker_context = latexwalker.get_default_latex_context_db()
_UNESCAPED_BRACE = re.compile(r"[{}]")
_PLAIN_MARKUP = (
    ("---", "\u2014"),
    ("--", "\u2013"),
    ("``", "\u201c"),
    ("''", "\u201d"),
    ("~", " "),
)


class BibtexError(ValueError):
    """The file as a whole cannot be read (size, encoding); the message says why."""


class BibtexPlanError(ValueError):
    """Raised by bibtex_import when the plan has errors, or is not the one previewed (the
    records changed in between); nothing was written."""

    def __init__(self, plan: "BibtexPlan", message: str = ""):
        self.plan = plan
        super().__init__(message or "; ".join(plan.errors))


@functools.lru_cache(maxsize=4096)  # venues and names repeat from entry to entry
def decode_text(value: str) -> str:
    """LaTeX to Unicode, on one line: ``S{\\'a}nchez`` -> ``Sánchez``. In a .bib a bare ``%``
    is text, not a comment."""
    if "\\" not in value and "$" not in value:
        # No commands and no math: braces, ties and dashes only, as pylatexenc renders them,
        # without its character-by-character parser (a long abstract took milliseconds).
        decoded = _UNESCAPED_BRACE.sub("", value)
        for latex, text in _PLAIN_MARKUP:
            decoded = decoded.replace(latex, text)
        return " ".join(decoded.split())
    try:
        decoded = _decoder.latex_to_text(
            _UNESCAPED_PERCENT.sub(r"\\%", value), latex_context=_walker_context
        )
    except Exception:  # pylatexenc raises assorted errors on broken LaTeX
        decoded = value.replace("{", "").replace("}", "")
    return " ".join(decoded.split())


def normalize_title(title: str) -> str:
    """The key two spellings of a title share: case, accents, punctuation, braces and spacing
    folded away."""
    decomposed = unicodedata.normalize("NFKD", title)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _TITLE_NOISE.sub(" ", stripped).strip().casefold()


def normalize_doi(doi: str) -> str:
    return _DOI_PREFIX.sub("", doi.strip()).strip()


def read_bibtex_bytes(data: bytes) -> str:
    """The text of an uploaded .bib, or BibtexError saying what is wrong with the file."""
    if len(data) > MAX_BIBTEX_BYTES:
        raise BibtexError(
            f"The file is larger than {MAX_BIBTEX_BYTES // (1024 * 1024)} MB: "
            "split it and import the parts one by one."
        )
    if b"\x00" in data:
        raise BibtexError("This is not a text file: a .bib file is plain text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BibtexError(
            f"The file is not UTF-8 text (byte {data[error.start]:#04x} at position "
            f"{error.start}): save it as UTF-8 and try again."
        ) from None


def check_bibtex_text(text: str) -> str:
    if len(text.encode()) > MAX_BIBTEX_BYTES:
        raise BibtexError(
            f"The text is larger than {MAX_BIBTEX_BYTES // (1024 * 1024)} MB: "
            "split it and import the parts one by one."
        )
    if "\x00" in text:
        raise BibtexError("The text contains NUL characters: a .bib file is plain text.")
    return text


# --- The plan ---------------------------------------------------------------------------------


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


@dataclass
class BibtexPlan:
    text: str = ""
    entries: list[PlannedEntry] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    new_people: dict[str, NewPerson] = field(default_factory=dict)  # by normalised name
    new_venues: dict[str, NewVenue] = field(default_factory=dict)  # normalised name -> venue

    @property
    def errors(self) -> list[str]:
        return [*self.file_errors, *(e for entry in self.entries for e in entry.errors)]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def new_papers(self) -> list[PlannedEntry]:
        return [entry for entry in self.entries if entry.action == "new"]

    @property
    def duplicates(self) -> list[PlannedEntry]:
        return [entry for entry in self.entries if entry.action == "duplicate"]

    def fingerprint(self) -> str:
        """What applying the plan would do, as a short digest: a confirmation carries the
        previewed one, so an import never does other than what the preview showed."""
        outline = [
            (
                entry.key,
                entry.action,
                entry.duplicate_of.pk if entry.duplicate_of else entry.duplicate_of_entry,
                entry.venue.pk if entry.venue else entry.venue_label,
                [(a.name, a.person.pk if a.person else None) for a in entry.authors],
            )
            for entry in self.entries
        ]
        return hashlib.sha256(repr(outline).encode()).hexdigest()[:32]


def bibtex_plan(text: str) -> BibtexPlan:
    """What importing ``text`` would do, without writing anything (the preview)."""
    plan = BibtexPlan(text=check_bibtex_text(text))
    library = bibtexparser.parse_string(text)
    strings = {key.lower(): value.value for key, value in library.strings_dict.items()}
    for block in library.blocks:
        if isinstance(block, Entry):
            plan.entries.append(_read_entry(block, strings))
        elif isinstance(block, ParsingFailedBlock):
            plan.entries.append(_failed_entry(block))
    if not plan.entries:
        plan.file_errors.append("The file has no BibTeX entries (@article{…}, @inproceedings{…}).")
        return plan

    _match_venues(plan)
    _find_duplicates(plan)
    _match_authors(plan)
    return plan


def _failed_entry(block: ParsingFailedBlock) -> PlannedEntry:
    match = _ENTRY_START.match((block.raw or "").lstrip())
    key = getattr(block, "key", "") or (match.group(2) if match else "")
    entry = PlannedEntry(key=key, line=_line(block))
    if isinstance(block, DuplicateBlockKeyBlock):
        entry.error("the key is used by an earlier entry of the file; keys must be unique")
    elif isinstance(block, DuplicateFieldKeyBlock):
        entry.error(f"a field is given twice ({_first_line(block.error)})")
    else:
        reason = (getattr(block.error, "abort_reason", "") or str(block.error)).strip()
        entry.error(f"cannot be read (line {entry.line}): {reason or 'syntax error'}")
    return entry


def _line(block) -> int | None:
    """The 1-based line the block starts on (bibtexparser counts from 0)."""
    return None if block.start_line is None else block.start_line + 1


def _first_line(error: Exception) -> str:
    return str(error).split(". Note:")[0]


def _resolve_value(raw, strings: dict[str, str]) -> str | None:
    """A field value with @string macros and ``#`` concatenation resolved; None when it uses
    a macro the file does not define."""
    if not isinstance(raw, str):
        return str(raw)
    parts = _split_concatenation(raw)
    resolved = []
    for part in parts:
        part = part.strip()
        if part[:1] + part[-1:] in ("{}", '""') and len(part) >= 2:
            resolved.append(part[1:-1])
        elif part.isdigit():
            resolved.append(part)
        elif part.lower() in strings:
            resolved.append(strings[part.lower()])
        elif part.lower() in MONTHS:
            resolved.append(part.lower())
        else:
            return None
    return "".join(resolved)


def _split_concatenation(value: str) -> list[str]:
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:index])
            start = index + 1
    parts.append(value[start:])
    return parts


def _entry_fields(block: Entry, entry: PlannedEntry, strings: dict[str, str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in block.fields:
        name = item.key.lower()
        if name in fields:
            entry.error(f"the field {name} is given twice")
            continue
        value = item.value
        if item.enclosing == "no-enclosing":
            resolved = _resolve_value(value, strings)
            if resolved is None:
                entry.error(
                    f"{name} uses “{value}”, which is not an @string defined in the file; "
                    "put the text in braces"
                )
                continue
            value = resolved
        fields[name] = value if isinstance(value, str) else str(value)
    return fields


def _read_entry(block: Entry, strings: dict[str, str]) -> PlannedEntry:
    entry = PlannedEntry(key=block.key, line=_line(block), entry_type=block.entry_type.lower())
    fields = _entry_fields(block, entry, strings)
    if entry.entry_type not in PAPER_TYPES:
        entry.error(
            f"@{entry.entry_type} is not a paper; papers are @article, @inproceedings or @misc"
        )
        return entry

    entry.title = decode_text(fields.get("title", ""))
    if not entry.title:
        entry.error("no title")
    elif len(entry.title) > (longest := Paper._meta.get_field("title").max_length):
        entry.error(f"the title is longer than {longest} characters")

    _read_status_and_note(entry, fields)
    _read_date(entry, fields)
    _read_identifiers(entry, fields)
    entry.abstract = decode_text(fields.get("abstract", ""))
    _read_authors(entry, fields)
    entry.venue_text = _venue_text(entry, fields)
    return entry


def _read_status_and_note(entry: PlannedEntry, fields: dict[str, str]) -> None:
    notes = [part.strip() for part in decode_text(fields.get("note", "")).split(";")]
    status = STATUS_NOTES.get(notes[0].rstrip(".").casefold()) if notes else None
    if status:
        notes = notes[1:]
    entry.note = "; ".join(part for part in notes if part)
    if status is None and (_is_arxiv(entry, fields) or entry.entry_type == "unpublished"):
        status = PaperStatus.PREPRINT
    entry.status = status or PaperStatus.PUBLISHED


def _is_arxiv(entry: PlannedEntry, fields: dict[str, str]) -> bool:
    """An arXiv preprint: its venue is arXiv (or CoRR), or a @misc-like entry with an eprint."""
    where = " ".join(fields.get(name, "") for name in ("journal", "booktitle", "howpublished"))
    if _ARXIV_WORD.search(where):
        return True
    if where.strip():
        return False
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").casefold()
    eprint = bool(fields.get("eprint")) and prefix in ("", "arxiv")
    return eprint and entry.entry_type in OTHER_TYPES


def _read_date(entry: PlannedEntry, fields: dict[str, str]) -> None:
    year = fields.get("year", "").strip().strip("{}")
    if year:
        if not year.isdigit() or not MIN_YEAR <= int(year) <= MAX_YEAR:
            entry.error(f"year “{year}” is not a year between {MIN_YEAR} and {MAX_YEAR}")
        else:
            entry.year = int(year)
    elif entry.status not in UNDATED_STATUSES:
        entry.error("no year")
    month = fields.get("month", "").strip().strip("{}").rstrip(".").strip()
    if month:
        entry.month = _month_number(month)
        if entry.month is None:
            entry.error(f"month “{month}” is not a month (jan … dec, or 1 … 12)")


def _month_number(text: str) -> int | None:
    """jan, Jan., January, sept or 1-12 -> the month number."""
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    word = text.casefold()
    if word in MONTHS:
        return MONTHS.index(word) + 1
    if word in MONTH_NAMES:
        return MONTH_NAMES.index(word) + 1
    return 9 if word == "sept" else None


def _read_identifiers(entry: PlannedEntry, fields: dict[str, str]) -> None:
    doi = normalize_doi(fields.get("doi", ""))
    if doi:
        if not re.match(DOI_PATTERN, doi) or len(doi) > Paper._meta.get_field("doi").max_length:
            entry.error(f"doi “{doi}” is not a DOI (e.g. 10.1145/3600006.3613152)")
        else:
            entry.doi = doi

    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().casefold()
    eprint = fields.get("eprint", "").strip()
    arxiv_id = ""
    if eprint and prefix in ("", "arxiv"):
        arxiv_id = re.sub(r"^arxiv:\s*", "", eprint, flags=re.IGNORECASE)
    else:
        where = " ".join(fields.get(name, "") for name in ("journal", "volume", "url"))
        found = _ARXIV_ID_IN_TEXT.search(where)
        if found:
            arxiv_id = found.group(1)
    if arxiv_id:
        if not re.match(ARXIV_PATTERN, arxiv_id):
            entry.error(f"eprint “{arxiv_id}” is not an arXiv id (e.g. 2403.07648)")
        else:
            entry.arxiv_id = arxiv_id

    url = fields.get("url", "").strip()
    if url:
        try:
            _url_validator(url)
        except ValidationError:
            entry.error(f"url “{url}” is not a web address (http:// or https://)")
        else:
            if len(url) > Paper._meta.get_field("url").max_length:
                entry.error("url is longer than 200 characters")
            else:
                entry.url = url


def _read_authors(entry: PlannedEntry, fields: dict[str, str]) -> None:
    raw = fields.get("author", "").strip()
    names = []
    for number, raw_name in enumerate(split_multiple_persons_names(raw), start=1):
        if raw_name.strip().casefold() in ET_AL:
            entry.authors_complete = False
            continue
        try:
            parts = parse_single_name_into_parts(raw_name)
        except InvalidNameError as error:
            entry.error(f"author {number} “{raw_name}” cannot be read: {error.reason}")
            continue
        name = decode_text(" ".join([*parts.first, *parts.von, *parts.last, *parts.jr]))
        entry.author_parts[_unmarked(name)] = (
            decode_text(" ".join(parts.first)),
            decode_text(" ".join([*parts.von, *parts.last, *parts.jr])),
        )
        if not name:
            entry.error(f"author {number} has no name")
        elif ";" in name or "," in name:
            entry.error(f"author {number} “{name}” contains “{';' if ';' in name else ','}”")
        else:
            names.append(name)
    if not names:
        entry.error("no author")
    entry.author_names = names


def _venue_text(entry: PlannedEntry, fields: dict[str, str]) -> str:
    if _is_arxiv(entry, fields):
        return "arXiv"
    for name in ("booktitle", "journal", "howpublished"):
        text = decode_text(fields.get(name, ""))
        if text:
            return text
    return ""


# --- Venues -----------------------------------------------------------------------------------


def _clean_venue_name(text: str) -> tuple[str, str]:
    """(name, short name) of a venue as a booktitle prints it:
    "Proceedings of the 21st USENIX Symposium on ... (NSDI '24)" -> ("USENIX Symposium on ...",
    "NSDI")."""
    short = ""
    for inside in _PARENTHESES.findall(text):
        candidate = " ".join(_YEARISH.sub(" ", inside).split()).strip(" ,-")
        if _ACRONYM.match(candidate):
            short = candidate
    name = _PARENTHESES.sub(" ", text)
    name = _PROCEEDINGS.sub("", name.strip())
    name = _ORDINAL.sub(" ", name)
    name = _YEARISH.sub(" ", name)
    name = " ".join(name.replace(" ,", ",").split()).strip(" ,:-–")
    return name or text, short


def _match_venues(plan: BibtexPlan) -> None:
    wanted = [e for e in plan.entries if not e.errors and getattr(e, "venue_text", "")]
    if not wanted:
        return
    venues = list(Venue.objects.only("id", "name", "short_name", "slug", "kind"))
    by_key: dict[str, list[Venue]] = {}
    for venue in venues:
        for label in {venue.name, venue.short_name}:
            if label:
                by_key.setdefault(label.casefold(), []).append(venue)
    by_short = [v for v in venues if len(v.short_name) >= 2]
    for entry in wanted:
        text = entry.venue_text
        name, short = _clean_venue_name(text)
        venue = _venue_lookup(by_key, text, name, short, by_short)
        if venue is not None:
            entry.venue = venue
            continue
        kind = _new_venue_kind(entry, text)
        if text == "arXiv":
            name, short = "arXiv", "arXiv"
        key = normalize_title(name)
        new = plan.new_venues.setdefault(key, NewVenue(name=name, short_name=short, kind=kind))
        if not new.short_name and short:
            new.short_name = short
        if len(new.name) > (longest := Venue._meta.get_field("name").max_length):
            entry.error(f"the venue name is longer than {longest} characters")
        entry.new_venue = new


def _venue_lookup(by_key, text, name, short, by_short) -> Venue | None:
    for label in (text, name, short):
        candidates = by_key.get(label.casefold(), []) if label else []
        if len(candidates) == 1:
            return candidates[0]
    # A known short name as a word of the booktitle ("USENIX ATC '24"): case-sensitive, since
    # acronyms are printed in their case and "micro" or "sc" are ordinary words.
    found = [
        v for v in by_short if re.search(rf"(?<![\w-]){re.escape(v.short_name)}(?![\w-])", text)
    ]
    if found:
        longest = max(len(v.short_name) for v in found)
        found = [v for v in found if len(v.short_name) == longest]
        if len(found) == 1:
            return found[0]
    return None


def _new_venue_kind(entry: PlannedEntry, text: str) -> str:
    if text == "arXiv":
        return VenueKind.PREPRINT
    if entry.entry_type in CONFERENCE_TYPES:
        return VenueKind.WORKSHOP if "workshop" in text.casefold() else VenueKind.CONFERENCE
    if entry.entry_type in JOURNAL_TYPES:
        return VenueKind.JOURNAL
    return VenueKind.OTHER


# --- Duplicates -------------------------------------------------------------------------------


def _find_duplicates(plan: BibtexPlan) -> None:
    candidates = [e for e in plan.entries if not e.errors]
    if not candidates:
        return
    dois = {e.doi.lower() for e in candidates if e.doi}
    arxiv_ids = {e.arxiv_id for e in candidates if e.arxiv_id}
    years = {e.year for e in candidates if e.year is not None}
    undated = any(e.year is None for e in candidates)
    condition = Q(year__in=years) | Q(doi_lower__in=dois) | Q(arxiv_id__in=arxiv_ids)
    if undated:
        condition |= Q(year__isnull=True)
    existing = list(
        Paper.objects.annotate(doi_lower=Lower("doi"))
        .filter(condition)
        .only("id", "slug", "title", "year", "doi", "arxiv_id")
        .order_by("pk")
    )
    by_doi = {p.doi.lower(): p for p in existing if p.doi}
    by_arxiv = {p.arxiv_id: p for p in existing if p.arxiv_id}
    by_title = {}
    for paper in existing:
        by_title.setdefault((normalize_title(paper.title), paper.year), paper)

    seen_doi: dict[str, str] = {}
    seen_arxiv: dict[str, str] = {}
    seen_title: dict[tuple, str] = {}
    for entry in candidates:
        title_key = (normalize_title(entry.title), entry.year)
        checks = [
            ("same DOI", entry.doi.lower(), by_doi, seen_doi),
            ("same arXiv id", entry.arxiv_id, by_arxiv, seen_arxiv),
            ("same title and year", title_key, by_title, seen_title),
        ]
        for reason, value, known, seen in checks:
            if not value:
                continue
            if value in known:
                entry.duplicate_of, entry.duplicate_reason = known[value], reason
                break
            if value in seen:
                entry.duplicate_of_entry, entry.duplicate_reason = seen[value], reason
                break
        if entry.action == "new":
            for _reason, value, _known, seen in checks:
                if value:
                    seen.setdefault(value, entry.key)


# --- Authors ----------------------------------------------------------------------------------


def _match_authors(plan: BibtexPlan) -> None:
    entries = plan.new_papers
    if not entries:
        return
    matcher = PersonMatcher.from_database()
    for entry in entries:
        byline = "; ".join(entry.author_names)
        try:
            resolved = byline_resolve(byline=byline, matcher=matcher)
        except BylineError as error:
            message = str(error).rstrip(".")
            if message.startswith("Author "):
                message = "a" + message[1:]
            entry.error(message)
            continue
        for byline_entry, person in resolved:
            flags = {mark: getattr(byline_entry, mark) for mark in MARK_FIELDS}
            entry.authors.append(PlannedAuthor(byline_entry.name, person, flags))
            if person is None:
                key = normalize_name(byline_entry.name)
                if key not in plan.new_people:
                    new = _new_person(byline_entry.name, entry.author_parts)
                    try:
                        # Field checks only (lengths): no query, unlike full_clean().
                        Person(
                            name=new.name, given_name=new.given_name, family_name=new.family_name
                        ).clean_fields(exclude=["slug"])
                    except ValidationError as error:
                        fields = ", ".join(sorted(error.message_dict))
                        entry.error(f"the new person “{new.name}” cannot be created ({fields})")
                        continue
                    plan.new_people[key] = new


def _new_person(name: str, parts: dict[str, tuple[str, str]]) -> NewPerson:
    """The new person's given and family names: as the file splits them, else as
    person_create would (people.names.split_name)."""
    given, family = parts.get(name, ("", ""))
    if not family:
        given, family = split_name(name)
    return NewPerson(name=name, given_name=given, family_name=family)


def _unmarked(name: str) -> str:
    """The name as the byline parser reads it: marks and a <slug> taken off."""
    return " ".join(re.sub(r"<[^<>]*>", " ", name).rstrip("".join(MARKS) + " ").split())


# --- Applying the plan ------------------------------------------------------------------------


@dataclass
class BibtexResult:
    plan: BibtexPlan
    papers: list[Paper] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)


def _paper_slug_text(title: str, year: int | None) -> str:
    base = slugify(title)
    if len(base) > 60:
        base = base[:60].rsplit("-", 1)[0]
    return f"{base} {year}" if year else base


@transaction.atomic
def bibtex_import(*, text: str, user, fingerprint: str = "") -> BibtexResult:
    """Create the papers of ``text`` (see the module docstring), all or nothing, recorded in the
    admin log as added by ``user``.

    Raises BibtexPlanError, having written nothing, when any entry has an error, or when
    ``fingerprint`` (of the previewed plan) is given and the plan is no longer that one.
    """
    plan = bibtex_plan(text)
    if not plan.ok:
        raise BibtexPlanError(plan)
    if fingerprint and plan.fingerprint() != fingerprint:
        raise BibtexPlanError(
            plan, "The records changed since the preview: check the new preview and confirm again."
        )
    result = BibtexResult(plan=plan)

    new_venues = list(plan.new_venues.values())
    slugs = unique_slugs(Venue.objects.all(), [new.short_name or new.name for new in new_venues])
    result.venues = Venue.objects.bulk_create(
        Venue(name=new.name, short_name=new.short_name, kind=new.kind, slug=slug)
        for new, slug in zip(new_venues, slugs, strict=True)
    )
    venues = {id(new): venue for new, venue in zip(new_venues, result.venues, strict=True)}

    new_people = list(plan.new_people.items())
    slugs = unique_slugs(Person.objects.all(), [new.name for _, new in new_people])
    result.people = Person.objects.bulk_create(
        Person(
            name=new.name, given_name=new.given_name, family_name=new.family_name, slug=slug
        )
        for (_, new), slug in zip(new_people, slugs, strict=True)
    )
    people = {key: person for (key, _), person in zip(new_people, result.people, strict=True)}

    entries = plan.new_papers
    slugs = unique_slugs(
        Paper.objects.all(), [_paper_slug_text(entry.title, entry.year) for entry in entries]
    )
    result.papers = Paper.objects.bulk_create(
        Paper(
            title=entry.title,
            slug=slug,
            venue=venues[id(entry.new_venue)] if entry.new_venue else entry.venue,
            year=entry.year,
            month=entry.month,
            status=entry.status,
            doi=entry.doi,
            arxiv_id=entry.arxiv_id,
            url=entry.url,
            abstract=entry.abstract,
            note=entry.note,
            authors_complete=entry.authors_complete,
        )
        for entry, slug in zip(entries, slugs, strict=True)
    )
    # New papers have no byline rows yet, and the plan refused a person listed twice, so the
    # rows are inserted at once (paper_set_authorships would cost ~6 queries per paper).
    authorships = []
    for entry, paper in zip(entries, result.papers, strict=True):
        for position, author in enumerate(entry.authors, start=1):
            person = author.person or people[normalize_name(author.name)]
            authorships.append(
                Authorship(
                    paper=paper,
                    person=person,
                    position=position,
                    printed_name="" if author.name == person.name else author.name,
                    **author.flags,
                )
            )
    Authorship.objects.bulk_create(authorships)
    # bulk_create sends no post_save signal: forget the cached pages here.
    invalidate_pages()

    created = [*result.venues, *result.people, *result.papers]
    if created:
        LogEntry.objects.log_actions(
            user_id=user.pk, queryset=created, action_flag=ADDITION, change_message=LOG_MESSAGE
        )
    return result


# --- A plain-text preview, for the command ----------------------------------------------------


def plan_lines(plan: BibtexPlan) -> Iterable[str]:
    """The preview as lines of text: one per entry, then the new people and venues."""
    for entry in plan.entries:
        label = entry.key or f"(line {entry.line})"
        if entry.action == "error":
            for message in entry.errors:
                yield f"ERROR      {message}"
        elif entry.action == "duplicate":
            if entry.duplicate_of is not None:
                target = f"“{entry.duplicate_of.title}” ({entry.duplicate_of.slug})"
            else:
                target = f"entry {entry.duplicate_of_entry} of this file"
            yield f"duplicate  {label}: {entry.duplicate_reason} as {target}; not imported"
        else:
            where = ", ".join(
                part
                for part in (
                    entry.venue_label + (" (new venue)" if entry.new_venue else ""),
                    str(entry.year or ""),
                )
                if part
            )
            byline = "; ".join(
                author.name + (" (new)" if author.is_new else "") for author in entry.authors
            )
            if not entry.authors_complete:
                byline += "; et al."
            yield f"new        {label}: {entry.title} [{where}] {byline}"
    if plan.new_people:
        names = [new.name for new in plan.new_people.values()]
        yield f"New people ({len(names)}): " + "; ".join(names)
    if plan.new_venues:
        names = [
            f"{new.name} ({new.short_name})" if new.short_name not in ("", new.name) else new.name
            for new in plan.new_venues.values()
        ]
        yield f"New venues ({len(names)}): " + "; ".join(names)
    yield (
        f"{len(plan.new_papers)} new, {len(plan.duplicates)} duplicate, "
        f"{sum(1 for e in plan.entries if e.action == 'error')} with errors"
    )
