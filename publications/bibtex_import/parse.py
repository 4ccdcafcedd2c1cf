"""Reading a .bib: the file, its entries, and each entry's fields, before any database look-up.

The file is refused as a whole (``BibtexError``) when it is too big, binary or not UTF-8
(``read_bibtex_bytes`` for an upload, ``check_bibtex_text`` for pasted text). bibtexparser 2
splits it into blocks; ``read_entries`` turns each entry into the ``PlannedEntry`` it would
become: title, year and month, status, DOI, arXiv id, URL, abstract and note, the authors' names
as printed and the venue as the file names it. A block bibtexparser cannot read, and every field
that is wrong, becomes an error of its entry (``entry <key>: <what is wrong>``), so nothing in the
file goes unmentioned. Matching venues and people, and finding duplicates, is the plan's
(``publications.bibtex_import.plan``).

LaTeX is decoded with pylatexenc, configured as bibtexparser's LatexDecodingMiddleware, but only
in text fields (title, names, venue, abstract, note): decoding a URL or DOI would treat ``%``
as a comment and ``~`` as a space.
"""

import functools
import re
import unicodedata

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
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from pylatexenc import latexwalker
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from lab.core.models import MAX_YEAR, MIN_YEAR
from publications.bibtex_import.entries import PlannedEntry
from publications.byline import MARKS
from publications.enums import PaperStatus
from publications.models import ARXIV_PATTERN, DOI_PATTERN, Paper

MAX_BIBTEX_BYTES = 2 * 1024 * 1024

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
_TITLE_NOISE = re.compile(r"[\W_]+")

_url_validator = URLValidator(schemes=["http", "https"])


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



def read_entries(text: str) -> list[PlannedEntry]:
    """Every entry of ``text``, read or failed, in the order of the file; other blocks
    (@string, @comment, @preamble) are not entries."""
    library = bibtexparser.parse_string(text)
    strings = {key.lower(): value.value for key, value in library.strings_dict.items()}
    entries = []
    for block in library.blocks:
        if isinstance(block, Entry):
            entries.append(_read_entry(block, strings))
        elif isinstance(block, ParsingFailedBlock):
            entries.append(_failed_entry(block))
    return entries


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


def _unmarked(name: str) -> str:
    """The name as the byline parser reads it: marks and a <slug> taken off."""
    return " ".join(re.sub(r"<[^<>]*>", " ", name).rstrip("".join(MARKS) + " ").split())

