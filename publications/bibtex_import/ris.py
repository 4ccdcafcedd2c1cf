"""Papers from a RIS file (Zotero, EndNote, Mendeley, Scopus, Web of Science, IEEE Xplore, the
ACM DL), each record read into the ``PlannedEntry`` a BibTeX entry would become.

rispy 0.10.0 reads the lines: what a tag line is (``XX  - value``), where a record starts
(``TY``) and ends (``ER``), and which lines continue the one before. Its dictionaries are not
used: they keep only the first value of a tag that is not a list tag (the second ``SN``, an
ISSN after the ISBN, would vanish without a word), they lose the line numbers, and a record
without its ``ER`` line, or a first record behind a UTF-8 byte order mark, is silently dropped.
``_Parser`` keeps every tag of a record as the file writes it, with its line; the byte order
mark is taken off first; a record without ``ER``, and text outside any record, is an error
naming its line.

``read_ris`` then maps each record's tags onto the BibTeX fields ``fields.read_fields`` reads
(``_fields``), so that a record is checked, decoded, matched and imported exactly as an entry of
a .bib is. What each tag becomes is in docs/imports.md, "RIS and CSL-JSON"; in short: TY the
entry type, AU/A1 the authors in order ("Family, Given[, Suffix]" or "Given Family"), TI/T1 the
title, T2/JF/JO/BT/C3 the venue (J2/JA and the other names a short name when they are one),
PY/Y1/DA year and month, VL, IS, SP/EP, C7 (article number), SN (ISBN or ISSN by its shape),
PB, CY, C1 (a conference's place), T3 (series), DO, UR (the paper's link; an arXiv link gives
the arXiv id), L1 (the PDF), KW, AB/N2, N1 (a status only: "To appear"), ID the key. Every
other tag is named in the preview: the ones left out on purpose with why (``IGNORED_TAGS``),
the rest as unknown.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from rispy import RisParser
from rispy.config import TYPE_OF_REFERENCE_MAPPING

from publications.bibtex_import.entries import PlannedEntry
from publications.bibtex_import.fields import STATUS_NOTES, read_fields
from publications.bibtex_import.parse import BibtexFile

#: RIS reference types that are papers, as the BibTeX entry type they are read as.
RIS_TYPES = {
    "JOUR": "article",
    "EJOUR": "article",
    "MGZN": "article",
    "NEWS": "article",
    "INPR": "article",
    "CONF": "inproceedings",
    "CPAPER": "inproceedings",
    "CHAP": "incollection",
    "ECHAP": "incollection",
    "RPRT": "techreport",
    "GEN": "misc",
    "ELEC": "misc",
    "UNPB": "unpublished",
    "MANSCPT": "unpublished",
}
_CONFERENCE_TYPES = frozenset({"CONF", "CPAPER", "CHAP", "ECHAP"})

#: Tags the import leaves out on purpose, with why (docs/imports.md, "RIS and CSL-JSON").
IGNORED_TAGS = {
    "A2": "editors (secondary authors), who are not the paper's authors",
    "ED": "editors, who are not the paper's authors",
    "A3": "series editors (tertiary authors), who are not the paper's authors",
    "A4": "translators or contributors, who are not the paper's authors",
    "AD": "the authors' addresses; affiliations are not imported",
    "AN": "the record's number in the database it came from",
    "CN": "a library call number",
    "DB": "the database the record came from",
    "DP": "the database the record came from",
    "LA": "the language of the text",
    "LB": "a label of the reference manager",
    "M1": "a miscellaneous number of the reference manager",
    "M3": "the type of work (Article, Conference Paper)",
    "ST": "a short form of the title",
    "Y2": "the day the record was accessed",
    "ET": "the edition of a book",
    "NV": "the number of volumes",
    "L2": "a link to the full text; the paper's link is UR",
    "L4": "a figure",
    "CA": "a caption",
    "RN": "a reader's research notes",
    "SE": "a section",
    "OP": "the original publication",
    "RP": "the reprint edition",
    "TT": "a translated title",
    "TA": "a translated author",
}
ABBREVIATION_REASON = "the venue's abbreviation; the venue is matched by its name"
_DATABASE_REASON = "a link to the database's record (Scopus, Web of Science), not to the paper"
_STATUS_REASON = (
    "a note of the reference manager (Zotero and EndNote keep readers' notes here); only a "
    "status (To appear, Under review, Preprint) is read, notes are not put on a public page"
)
#: A venue's short name as files give it beside the full name: "PVLDB", "CIKM '20", "NSDI 2024"
#: (not an ISO abbreviation such as "Proc. VLDB Endow.").
_SHORT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9/&+-]*(?:\s*(?:['’]\s*[0-9]{2}|(?:19|20)[0-9]{2}))?$")
_ISSN = re.compile(r"^[0-9]{4}-?[0-9]{3}[0-9Xx]$")
_RIS_DATE = re.compile(r"^\s*(?P<year>[0-9]{4})(?:\s*[/-]\s*(?P<month>[0-9]{1,2})?)?")
_MONTH_WORD = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?(?![a-z])", re.I
)
_DAY = re.compile(r"^\s*[0-9]{4}\s*/\s*[0-9]{1,2}\s*/\s*(?P<day>[0-9]{1,2})")
_ARXIV_WORD = re.compile(r"\barxiv\b", re.I)
_ARXIV_LINK = re.compile(r"^https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/", re.I)
_AND_WORD = re.compile(r"\band\b", re.I)
# A link to the database's own record of the paper (Scopus, Web of Science), not to the paper.
_DATABASE_RECORD = re.compile(
    r"^https?://(?:www\.)?(?:scopus\.com/(?:inward/)?record|webofscience\.com|"
    r"apps\.webofknowledge\.com)",
    re.I,
)
_SHORTENED = 60


def is_short_name(text: str) -> bool:
    """Whether ``text`` reads as a venue's short name ("PVLDB", "CIKM '20"): one word with
    two capitals at least, and perhaps a year."""
    return (
        len(text) <= 30 and bool(_SHORT_NAME.match(text)) and sum(ch.isupper() for ch in text) >= 2
    )


def is_arxiv_link(url: str) -> bool:
    return bool(_ARXIV_LINK.match(url.strip()))


def shortened(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= _SHORTENED else value[: _SHORTENED - 1] + "…"


def bibtex_name(family: str, given: str = "", suffix: str = "") -> str:
    """A name as the BibTeX reader (``names.read_name``) splits it: ``Family, Suffix, Given``;
    a part holding "and" or a comma braced, so that it stays one part of one name."""

    def protect(part: str) -> str:
        return "{" + part + "}" if "," in part or _AND_WORD.search(part) else part

    parts = [protect(family.strip())]
    if suffix.strip():
        parts.append(protect(suffix.strip()))
    if given.strip():
        parts.append(protect(given.strip()))
    return ", ".join(parts)


def rename_not_kept(entry: PlannedEntry, sources: dict[str, str]) -> None:
    """The fields ``read_fields`` named as not kept, under the name the file gave them (a RIS
    tag, a CSL-JSON variable) instead of the BibTeX field they were read as."""
    if not sources:
        return
    entry.not_kept = [
        type(item)(sources.get(item.field, item.field), item.reason, item.kind)
        for item in entry.not_kept
    ]


# --- The lines ------------------------------------------------------------------------------


@dataclass
class _Record:
    line: int
    type: str
    tags: list[tuple[str, str, int]] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    closed: bool = False
    #: The line of the next TY when this record had no ER before it.
    cut_at: int | None = None


class _Parser(RisParser):
    """rispy's line reading, keeping every tag with its line (see the module docstring)."""

    def parse(self, text: str) -> list[_Record]:
        self.records: list[_Record] = []
        self.stray: list[tuple[int, str]] = []
        self.current: _Record | None = None
        self.line, self.raw_line = 0, ""

        def numbered():
            for self.line, self.raw_line in enumerate(text.split("\n"), start=1):
                yield self.raw_line

        self.parse_lines(numbered())
        return self.records

    def _open(self, kind: str) -> None:
        self.current = _Record(line=self.line, type=kind.strip())
        self.current.raw.append(self.raw_line)
        self.records.append(self.current)

    def _iter_till_start(self, lines) -> dict:
        # rispy calls this first, and after each ER line: the record before has ended.
        if self.current is not None:
            self.current.closed = True
            self.current.raw.append(self.raw_line)
            self.current = None
        while True:
            line = next(lines)
            tag, content = self.parse_line(line)
            if tag == self.START_TAG:
                self._open(content)
                return {}
            # Text before the first record is a header (ScienceDirect writes "Provider: …"
            # lines), unless it is tag lines: a record that lost its TY line, as is any text
            # between or after records.
            if line.strip() and (self.records or tag is not None):
                self.stray.append((self.line, line.strip()))

    def _add_tag(self, record, tag, content, extend_multiline=False) -> None:
        current = self.current
        if extend_multiline:
            current.raw.append(self.raw_line)
            if content and current.tags:
                last_tag, value, line = current.tags[-1]
                current.tags[-1] = (last_tag, f"{value} {content}".strip(), line)
            elif content:
                current.type = f"{current.type} {content}"
            return
        if tag == self.START_TAG:
            # A TY inside a record: the record before lacks its ER line.
            current.cut_at = self.line
            self._open(content)
            return
        current.tags.append((tag, content.strip(), self.line))
        current.raw.append(self.raw_line)


# --- The records ----------------------------------------------------------------------------


def read_ris(text: str) -> BibtexFile:
    """Every record of ``text``, read or failed, in the order of the file (see the module
    docstring)."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    parser = _Parser()
    records = parser.parse(text)
    found = BibtexFile()
    items: list[tuple[int, PlannedEntry]] = []
    keys: dict[str, int] = {}
    for record in records:
        entry = _record_entry(record, keys)
        items.append((record.line, entry))
    for line, entry in _stray_entries(parser.stray):
        items.append((line, entry))
    found.entries = [entry for _line, entry in sorted(items, key=lambda item: item[0])]
    return found


def _stray_entries(stray: list[tuple[int, str]]):
    """Text outside any record, one error per run of lines."""
    runs: list[list[tuple[int, str]]] = []
    for line, text in stray:
        if runs and runs[-1][-1][0] == line - 1:
            runs[-1].append((line, text))
        else:
            runs.append([(line, text)])
    for run in runs:
        first_line, first_text = run[0]
        entry = PlannedEntry(key="", line=first_line, raw="\n".join(text for _, text in run))
        entry.error(
            f"line {first_line} (“{first_text[:_SHORTENED]}”) is outside a record: a record "
            "starts with a “TY  - ” line and ends with an “ER  - ” line"
        )
        yield first_line, entry


def _record_entry(record: _Record, keys: dict[str, int]) -> PlannedEntry:
    ids = [value for tag, value, _line in record.tags if tag == "ID" and value]
    key = ids[0] if ids else f"at line {record.line}"
    kind = record.type.upper()
    entry = PlannedEntry(
        key=key,
        line=record.line,
        entry_type=RIS_TYPES.get(kind, kind.lower()),
        raw="\n".join(record.raw),
    )
    if ids and ids[0].casefold() in keys:
        entry.error(
            f"the ID is used by the record at line {keys[ids[0].casefold()]}; IDs must be unique"
        )
    elif ids:
        keys[ids[0].casefold()] = record.line
    if record.cut_at is not None:
        entry.error(
            f"the record has no “ER  - ” line before the next record starts (line {record.cut_at})"
        )
    elif not record.closed:
        entry.error("the record has no “ER  - ” line at its end (the end of the file came first)")
    if kind not in RIS_TYPES:
        label = TYPE_OF_REFERENCE_MAPPING.get(kind)
        what = f"TY {kind} ({label})" if label else f"TY “{record.type}”"
        entry.error(
            f"{what} is not a paper; papers are JOUR, EJOUR, CONF, CPAPER, CHAP, RPRT, GEN, "
            "ELEC, UNPB or INPR"
        )
        return entry
    fields, sources = _fields(record, entry, kind)
    read_fields(entry, fields)
    rename_not_kept(entry, sources)
    return entry


class _Tags:
    """A record's values by tag (empty ones left out: IEEE writes ``IS  - `` for none)."""

    def __init__(self, record: _Record):
        self.by_tag: dict[str, list[str]] = defaultdict(list)
        self.order: list[tuple[str, str]] = []
        for tag, value, _line in record.tags:
            if value:
                self.by_tag[tag].append(value)
                self.order.append((tag, value))
        self.used: set[str] = {"TY", "ER", "ID"}

    def values(self, *tags: str) -> list[tuple[str, str]]:
        self.used.update(tags)
        return [(tag, value) for tag in tags for value in self.by_tag.get(tag, [])]


def _fields(record: _Record, entry: PlannedEntry, kind: str) -> tuple[dict, dict]:
    """The record as the BibTeX fields ``read_fields`` reads, and for each field the tag it
    came from (to name what is not kept by the file's own tag)."""
    tags = _Tags(record)
    fields: dict[str, str] = {}
    sources: dict[str, str] = {}

    def put(name: str, tag: str, value: str) -> None:
        fields[name], sources[name] = value, tag

    def first(name: str, *names: str, what: str) -> None:
        found = tags.values(*names)
        if not found:
            return
        kept_tag, kept = found[0]
        put(name, kept_tag, kept)
        for tag, other in found[1:]:
            if other != kept:
                entry.not_imported(
                    tag, f"{shortened(other)}; the {what} is read from {kept_tag}", "value"
                )

    first("title", "TI", "T1", "CT", what="title")
    authors = [value for tag, value in tags.order if tag in ("AU", "A1")]
    tags.used.update(("AU", "A1"))
    if authors:
        fields["author"] = " and ".join(_ris_name(name) for name in authors)
    _venue(tags, entry, kind, put)
    _dates(tags, entry, kind, put)
    first("volume", "VL", "VO", what="volume")
    first("number", "IS", what="issue")
    first("article-number", "C7", what="article number")
    _pages(tags, entry, put)
    _identifiers(tags, put)
    if sources.get("howpublished") != "PB":
        first("publisher", "PB", what="publisher")
    tags.used.add("PB")
    first("address", "CY", what="place")
    if kind in _CONFERENCE_TYPES:
        first("venue", "C1", what="event's place")
        if "venue" in sources:
            sources["location"] = sources["venue"]
    first("series", "T3", what="series")
    first("doi", "DO", what="DOI")
    _links(tags, entry, put)
    first("pdf", "L1", what="PDF")
    keywords = [value for _tag, value in tags.values("KW")]
    if keywords:
        put("keywords", "KW", "; ".join(keywords))
    first("abstract", "AB", "N2", what="abstract")
    _notes(tags, entry, put)
    if kind == "INPR" and "note" not in fields:
        put("pubstate", "TY", "inpress")
    for tag, _value in tags.order:
        if tag in tags.used:
            continue
        tags.used.add(tag)
        if tag in IGNORED_TAGS:
            entry.not_imported(tag, IGNORED_TAGS[tag], "ignored")
        else:
            entry.not_imported(tag, "a tag the import does not know", "unknown")
    return fields, sources


def _ris_name(name: str) -> str:
    """``Family, Given[, Suffix]`` (RIS) -> ``Family, Suffix, Given`` (BibTeX); a name
    without a comma ("Q. Hu", IEEE) is split as BibTeX splits it."""
    parts = [part.strip() for part in name.split(",")]
    if len(parts) == 1:
        return "{" + name + "}" if _AND_WORD.search(name) else name
    family, given = parts[0], parts[1]
    suffix = ", ".join(parts[2:])
    return bibtex_name(family, given, suffix)


def _venue(tags: _Tags, entry: PlannedEntry, kind: str, put) -> None:
    """The venue's name: T2 (Zotero, EndNote), JF, JO (IEEE, Web of Science), BT, C3
    (Zotero's proceedings title); a short name from J2/JA, or from another name that is one."""
    target = RIS_TYPES[kind]
    name = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle"}.get(
        target, "howpublished"
    )
    names = tags.values("T2", "JF", "JO", "BT", "C3")
    shorts = tags.values("J2", "JA")
    venue_tag, venue = names[0] if names else ("", "")
    publishers = tags.by_tag.get("PB", [])
    if not venue and name == "howpublished" and publishers and _ARXIV_WORD.search(publishers[0]):
        # Zotero writes a preprint's server as its publisher (PB  - arXiv): the venue.
        venue_tag, venue = "PB", publishers[0]
    if venue:
        put(name, venue_tag, venue)
    short = ""
    for tag, value in [*shorts, *names[1:]]:
        abbreviation = tag in ("J2", "JA")
        if value == short or (value.casefold() == venue.casefold() and not abbreviation):
            continue
        if not short and is_short_name(value):
            # Also when it is the venue's whole name: "INFOCOM" is the venue's short name too.
            short = value
            put("abbr", tag, value)
        elif value.casefold() == venue.casefold():
            continue
        elif abbreviation:
            entry.not_imported(tag, ABBREVIATION_REASON, "ignored")
        else:
            entry.not_imported(
                tag, f"{shortened(value)}; the venue is read from {venue_tag}", "value"
            )


def _dates(tags: _Tags, entry: PlannedEntry, kind: str, put) -> None:
    """Year and month from PY, Y1 or DA (``2024``, ``2024/04/15/``, Web of Science's ``APR``);
    IEEE's Y1 of a conference paper (``24-28 June 2019``) is the event's dates."""
    dated = tags.values("PY", "Y1", "DA")
    year = month = ""
    for tag, value in dated:
        found = _RIS_DATE.match(value)
        if found and not year:
            year = found["year"]
            put("year", tag, year)
        if not found and tag == "Y1" and kind in _CONFERENCE_TYPES and year:
            put("eventdate", tag, value)
            continue
        number = found["month"] if found and found["month"] else ""
        word = None if found else _MONTH_WORD.search(value)
        if not month and (number.lstrip("0") or word):
            month = number or word[1][:3]
            put("month", tag, month)
        elif not found and not word and year:
            entry.not_imported(tag, f"{shortened(value)}: not a date (2024/04/15/)", "value")
        day = _DAY.match(value)
        if day and day["day"].lstrip("0"):
            entry.not_imported(tag, "the day; a paper keeps its year and month", "ignored")
    if not year and dated:
        tag, value = dated[0]
        put("year", tag, value)  # read_fields says why it is not a year


def _pages(tags: _Tags, entry: PlannedEntry, put) -> None:
    start = [value for _tag, value in tags.values("SP")]
    end = [value for _tag, value in tags.values("EP")]
    if start and end and start[0] != end[0]:
        put("pages", "SP", f"{start[0]}--{end[0]}")
    elif start:
        put("pages", "SP", start[0])
    elif end:
        put("pages", "EP", end[0])


def _identifiers(tags: _Tags, put) -> None:
    """SN holds ISBNs and ISSNs alike: each told by its shape."""
    isbns, issns = [], []
    for _tag, value in tags.values("SN"):
        for part in re.split(r"[,;]", value):
            part = part.strip()
            pieces = part.split()
            if len(pieces) > 1 and all(_ISSN.match(piece) for piece in pieces):
                issns += pieces
            elif _ISSN.match(part):
                issns.append(part)
            elif part:
                isbns.append(part)
    if isbns:
        put("isbn", "SN", ", ".join(isbns))
    if issns:
        put("issn", "SN", ", ".join(issns))


def _links(tags: _Tags, entry: PlannedEntry, put) -> None:
    """UR: the first link is the paper's; an arXiv link gives the arXiv id (it is not the
    paper's page); the others are named."""
    url = arxiv = ""
    for _tag, value in tags.values("UR"):
        for link in (part.strip() for part in value.split(";")):
            if not link:
                continue
            if _DATABASE_RECORD.match(link):
                entry.not_imported("UR", _DATABASE_REASON, "ignored")
            elif is_arxiv_link(link) and not arxiv:
                arxiv = link
                put("arxiv", "UR", link)
            elif not url and not is_arxiv_link(link):
                url = link
                put("url", "UR", link)
            elif link not in (url, arxiv):
                entry.not_imported("UR", f"{shortened(link)}; the paper's link is {url}", "value")


def _notes(tags: _Tags, entry: PlannedEntry, put) -> None:
    kept = False
    for tag, value in tags.values("N1"):
        first_part = value.split(";")[0].strip().rstrip(".").casefold()
        if not kept and first_part in STATUS_NOTES:
            put("note", tag, value)
            kept = True
        else:
            entry.not_imported(tag, _STATUS_REASON, "ignored")
