"""Papers from a CSL-JSON file, as Zotero and Crossref write it, each item read into the
``PlannedEntry`` a BibTeX entry would become.

The file is a list of items (Zotero's "CSL JSON" export, Better BibTeX, pandoc, the lab's own
CSL-JSON download), or one item (Crossref's content negotiation for a DOI), or Crossref's REST
answer (``{"status": "ok", "message": {…}}`` for one work, ``"message": {"items": […]}`` for a
list). JSON that does not parse is refused as a whole, naming the line and column; an item is
decoded on its own (``json.JSONDecoder.raw_decode``) so that each entry knows the line it starts
on.

``read_csl_json`` maps each item's variables onto the BibTeX fields ``fields.read_fields`` reads
(``_fields``), so an item is checked, decoded, matched and imported exactly as an entry of a .bib
is: ``type`` the entry type (CSL's and Crossref's names), ``title`` (a string, or Crossref's
list, with its ``subtitle``), ``author`` in order (``family``/``given``/``suffix``/particles, or
``literal``), ``issued`` (``date-parts``, ``raw`` or ``literal``), ``container-title`` (a string
or a list) the venue and ``container-title-short``/``short-container-title``/
``journalAbbreviation`` its short name when they are one, ``event``/``event-title`` (Crossref's
object too), ``event-place``, ``event-date``, ``volume``, ``issue``, ``page``, ``number`` (an
article number, or ``arXiv:<id>``), ``publisher``, ``collection-title`` (series), ``ISBN``/
``ISSN`` (string or list), ``DOI``, ``URL`` (an arXiv link gives the arXiv id), ``keyword``,
``abstract`` (JATS as Crossref writes it), ``status``; ``citation-key`` or ``id`` the key. Every
other variable is named in the preview: Crossref's bookkeeping and the rest left out on purpose
with why (``IGNORED_VARIABLES``), unknown ones as unknown.
"""

import json
import re

from publications.bibtex_import.entries import PlannedEntry
from publications.bibtex_import.fields import read_fields
from publications.bibtex_import.parse import BibtexError, BibtexFile
from publications.bibtex_import.ris import (
    ABBREVIATION_REASON,
    bibtex_name,
    is_arxiv_link,
    is_short_name,
    rename_not_kept,
    shortened,
)

#: CSL 1.0.2 and Crossref item types that are papers, as the BibTeX entry type they are read as.
CSL_TYPES = {
    "article-journal": "article",
    "journal-article": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "paper-conference": "inproceedings",
    "proceedings-article": "inproceedings",
    "chapter": "incollection",
    "book-chapter": "incollection",
    "report": "techreport",
    "article": "misc",
    "posted-content": "misc",
    "manuscript": "unpublished",
    "document": "misc",
    "webpage": "misc",
    "post": "misc",
    "post-weblog": "misc",
    "speech": "misc",
}
#: CSL's status -> biblatex's pubstate, which read_fields reads.
CSL_STATUS = {
    "forthcoming": "forthcoming",
    "in press": "inpress",
    "accepted": "accepted",
    "under review": "submitted",
    "submitted": "submitted",
    "preprint": "preprint",
}
_CROSSREF = "Crossref's bookkeeping of its record"
#: Variables the import leaves out on purpose, with why (docs/imports.md, "RIS and CSL-JSON").
IGNORED_VARIABLES = {
    "editor": "the editors, who are not the paper's authors",
    "container-author": "the authors of the container, not of the paper",
    "collection-editor": "the series' editors, who are not the paper's authors",
    "translator": "the translators, who are not the paper's authors",
    "accessed": "the day the record was accessed",
    "language": "the language of the text",
    "source": "the database the record came from",
    "archive": "an archive holding the work",
    "archive_location": "a place in an archive",
    "call-number": "a library call number",
    "shortTitle": "a short form of the title",
    "short-title": "a short form of the title",
    "title-short": "a short form of the title",
    "original-title": "the title in the original language",
    "note": (
        "a note of the reference manager (Zotero's Extra); only an arXiv id in it is read, notes "
        "are not put on a public page"
    ),
    "publisher-place": "the publisher's place",
    "publisher-location": "the publisher's place",
    "number-of-pages": "the number of pages (the pages themselves are kept)",
    "collection-number": "the number in the series",
    "edition": "the edition of a book",
    "subject": "Crossref's subject categories of the journal, not the paper's keywords",
    "license": "the licence of the work",
    "funder": "the work's funders",
    "link": "Crossref's links to the full text",
    "reference": "the works it cites",
    "relation": "Crossref's relations to other works",
    "published": "another date of the work; the issued date is kept",
    "published-print": "another date of the work; the issued date is kept",
    "published-online": "another date of the work; the issued date is kept",
    "journal-issue": "the issue's own dates (the issue number is kept)",
    "issn-type": "the ISSNs by kind (the ISSNs are kept)",
    "isbn-type": "the ISBNs by kind (the ISBNs are kept)",
    "alternative-id": "the publisher's own ids of the work",
    "page-first": "the first page (the pages are kept)",
    "version": "the version of the work",
    **dict.fromkeys(
        (
            "indexed",
            "deposited",
            "created",
            "content-domain",
            "member",
            "prefix",
            "score",
            "resource",
            "reference-count",
            "references-count",
            "is-referenced-by-count",
            "update-policy",
            "assertion",
            "update-to",
            "updated-by",
            "content-created",
            "content-updated",
            "institution",
            "group-title",
            "accepted",
            "approved",
            "posted",
        ),
        _CROSSREF,
    ),
}
#: Read here, not named.
_READ = frozenset(
    {
        *("id", "citation-key", "type", "title", "subtitle", "author", "issued"),
        *("container-title", "container-title-short", "short-container-title"),
        *("journalAbbreviation", "event", "event-title", "event-place", "event-date"),
        *("volume", "issue", "page", "number", "article-number", "publisher"),
        *("collection-title", "ISBN", "ISSN", "DOI", "URL", "keyword", "abstract", "status"),
    }
)
_ARXIV_NUMBER = re.compile(r"^arxiv:\s*(\S+)$", re.I)
_ARXIV_IN_NOTE = re.compile(r"\barxiv:\s*([0-9]{4}\.[0-9]{4,5}(?:v[0-9]+)?)", re.I)
_WHITESPACE = " \t\n\r"


def read_csl_json(text: str) -> BibtexFile:
    """Every item of ``text``, read or failed, in the order of the file (see the module
    docstring). Raises BibtexError when the file is not JSON, or not items."""
    found = BibtexFile()
    keys: dict[str, int] = {}
    for number, (line, item) in enumerate(_items(text.lstrip("\ufeff")), start=1):
        found.entries.append(_item_entry(item, number, line, keys))
    return found


# --- The file -------------------------------------------------------------------------------


def _json_error(error: json.JSONDecodeError) -> BibtexError:
    return BibtexError(
        f"The file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}. "
        'A CSL-JSON file is a list of items: [{"type": …, "title": …}, …].'
    )


def _items(text: str) -> list[tuple[int, object]]:
    """(line, item) of each item: a top-level list decoded item by item, for the lines."""
    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    if position < len(text) and text[position] == "[":
        items, position = [], _skip(text, position + 1)
        if position < len(text) and text[position] == "]":
            return _end(text, position + 1, [])
        while True:
            try:
                item, end = decoder.raw_decode(text, position)
            except json.JSONDecodeError as error:
                raise _json_error(error) from None
            items.append((text.count("\n", 0, position) + 1, item))
            position = _skip(text, end)
            if position < len(text) and text[position] == ",":
                position = _skip(text, position + 1)
                continue
            if position < len(text) and text[position] == "]":
                return _end(text, position + 1, items)
            # What the standard decoder says about this place.
            try:
                json.loads(text)
            except json.JSONDecodeError as error:
                raise _json_error(error) from None
            raise BibtexError("The file is not valid JSON.")  # pragma: no cover
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as error:
        raise _json_error(error) from None
    return [(1, item) for item in _unwrap(whole)]


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def _end(text: str, position: int, items: list) -> list:
    if _skip(text, position) < len(text):
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            raise _json_error(error) from None
    return items


def _unwrap(whole) -> list:
    """One item (Crossref's content negotiation), or Crossref's REST answer for one work or a
    list of works."""
    if isinstance(whole, dict) and isinstance(whole.get("message"), dict):
        message = whole["message"]
        if isinstance(message.get("items"), list):
            return message["items"]
        return [message]
    if isinstance(whole, dict) and isinstance(whole.get("items"), list) and "type" not in whole:
        return whole["items"]
    if isinstance(whole, dict):
        return [whole]
    raise BibtexError(
        f"The file holds {_json_kind(whole)}, not CSL-JSON items: a CSL-JSON file is a list of "
        'items ([{"type": …, "title": …}, …]) or one item ({…}).'
    )


def _json_kind(value) -> str:
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return f"the value {json.dumps(value)}"
    return "a number"


# --- The items ------------------------------------------------------------------------------


def _item_entry(item, number: int, line: int, keys: dict[str, int]) -> PlannedEntry:
    if not isinstance(item, dict):
        entry = PlannedEntry(key="", line=line, raw=shortened(json.dumps(item)))
        entry.error(f"item {number} is {_json_kind(item)} or a list, not an object ({{…}})")
        return entry
    key = _string(item.get("citation-key")) or _string(item.get("id")) or f"item {number}"
    kind = _string(item.get("type")) or "article"
    entry = PlannedEntry(
        key=key,
        line=line,
        entry_type=CSL_TYPES.get(kind, kind),
        raw=json.dumps(item, ensure_ascii=False, indent=2),
    )
    if key.casefold() in keys:
        entry.error(
            f"the id is used by the item at line {keys[key.casefold()]}; ids must be unique"
        )
    else:
        keys[key.casefold()] = line
    if kind not in CSL_TYPES:
        entry.error(
            f"type “{kind}” is not a paper; papers are article-journal, paper-conference, "
            "chapter, report, article (a preprint), manuscript or webpage"
        )
        return entry
    fields, sources = _fields(item, entry, kind)
    read_fields(entry, fields)
    rename_not_kept(entry, sources)
    return entry


def _string(value) -> str:
    """A text variable: a string, a number, or Crossref's list of strings (its first)."""
    if isinstance(value, list):
        value = next((part for part in value if isinstance(part, str | int) and str(part)), "")
    if isinstance(value, bool) or value is None or isinstance(value, dict):
        return ""
    return str(value).strip()


def _strings(value) -> list[str]:
    if isinstance(value, list):
        return [str(part).strip() for part in value if isinstance(part, str | int) and str(part)]
    text = _string(value)
    return [text] if text else []


def _fields(item: dict, entry: PlannedEntry, kind: str) -> tuple[dict, dict]:
    """The item as the BibTeX fields ``read_fields`` reads, and for each field the variable it
    came from (to name what is not kept by the file's own name)."""
    out = _Fields()
    put = out.put
    fields = out.fields
    title, subtitle = _string(item.get("title")), _string(item.get("subtitle"))
    put("title", "title", f"{title}: {subtitle}" if title and subtitle else title)
    _authors(item, entry, put)
    _issued(item, entry, put)
    _venue(item, entry, kind, out)
    _event(item, put)
    put("volume", "volume", _string(item.get("volume")))
    put("issue", "issue", _string(item.get("issue")))
    put("pages", "page", _string(item.get("page")))
    put("article-number", "article-number", _string(item.get("article-number")))
    number = _string(item.get("number"))
    arxiv = _ARXIV_NUMBER.match(number)
    if arxiv:
        put("eprint", "number", arxiv[1])
        put("archiveprefix", "number", "arXiv")
    elif number and "article-number" not in fields:
        put("article-number", "number", number)
    put("series", "collection-title", _string(item.get("collection-title")))
    put("isbn", "ISBN", ", ".join(_strings(item.get("ISBN"))))
    put("issn", "ISSN", ", ".join(_strings(item.get("ISSN"))))
    put("doi", "DOI", _string(item.get("DOI")))
    url = _string(item.get("URL"))
    if is_arxiv_link(url):
        put("arxiv", "URL", url)
    else:
        put("url", "URL", url)
    note = _string(item.get("note"))
    in_note = _ARXIV_IN_NOTE.search(note)
    if in_note and "eprint" not in fields and "arxiv" not in fields:
        put("eprint", "note", in_note[1])
        put("archiveprefix", "note", "arXiv")
    keywords = item.get("keyword")
    put(
        "keywords",
        "keyword",
        "; ".join(_strings(keywords)) if isinstance(keywords, list) else _string(keywords),
    )
    put("abstract", "abstract", _string(item.get("abstract")))
    status = _string(item.get("status")).casefold()
    if status:
        put("pubstate", "status", CSL_STATUS.get(status, status))
    for name, value in item.items():
        if name in _READ or value in (None, "", [], {}):
            continue
        if name == "note" and in_note and note.strip() == in_note[0]:
            continue
        if name in IGNORED_VARIABLES:
            entry.not_imported(name, IGNORED_VARIABLES[name], "ignored")
        else:
            entry.not_imported(name, "a variable the import does not know", "unknown")
    return out.fields, out.sources


class _Fields:
    """The BibTeX fields an item fills, each from the variable named in ``sources``; the first
    value given for a field is kept."""

    def __init__(self):
        self.fields: dict[str, str] = {}
        self.sources: dict[str, str] = {}

    def put(self, name: str, variable: str, value: str) -> None:
        if value and name not in self.fields:
            self.fields[name], self.sources[name] = value, variable


def _authors(item: dict, entry: PlannedEntry, put) -> None:
    authors = item.get("author")
    if not isinstance(authors, list):
        return
    names, extras = [], set()
    for number, author in enumerate(authors, start=1):
        if not isinstance(author, dict):
            entry.error(f'author {number} is not an object ({{"family": …, "given": …}})')
            continue
        literal = _string(author.get("literal"))
        family = _joined(author, "non-dropping-particle", "family")
        given = _joined(author, "given", "dropping-particle")
        if family:
            names.append(bibtex_name(family, given, _string(author.get("suffix"))))
        elif literal or given:
            names.append("{" + (literal or given) + "}")
        else:
            entry.error(f"author {number} has no name (family, given or literal)")
        for detail in ("ORCID", "affiliation"):
            if author.get(detail):
                extras.add(detail)
    put("author", "author", " and ".join(names))
    if "ORCID" in extras:
        entry.not_imported("author", "the authors' ORCIDs; people are matched by name", "ignored")
    if "affiliation" in extras:
        entry.not_imported(
            "author", "the authors' affiliations; affiliations are not imported", "ignored"
        )


def _joined(author: dict, *names: str) -> str:
    return " ".join(part for part in (_string(author.get(name)) for name in names) if part)


def _date_parts(value) -> tuple[str, str, str]:
    """(year, month, text) of a CSL date: ``date-parts`` (numbers or strings), else ``raw`` or
    ``literal`` as text for read_fields' date reading."""
    if not isinstance(value, dict):
        return "", "", _string(value)
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        first = parts[0]
        year = _string(first[0]) if first[0] is not None else ""
        month = _string(first[1]) if len(first) > 1 and first[1] is not None else ""
        return year, month, ""
    return "", "", _string(value.get("raw") or value.get("literal"))


def _issued(item: dict, entry: PlannedEntry, put) -> None:
    year, month, text = _date_parts(item.get("issued"))
    if year:
        put("year", "issued", year)
        put("month", "issued", month)
    elif text:
        put("date", "issued", text)


def _venue(item: dict, entry: PlannedEntry, kind: str, out: "_Fields") -> None:
    """container-title (a string, or Crossref's list: its first); a preprint's server
    (``publisher`` of an item without one, as the lab's own export writes arXiv) its venue; the
    short names Zotero and Crossref give, when they are one."""
    target = CSL_TYPES[kind]
    name = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle"}.get(
        target, "howpublished"
    )
    put = out.put
    titles = _strings(item.get("container-title"))
    publisher = _string(item.get("publisher"))
    preprint = _string(item.get("status")).casefold() == "preprint" or re.search(
        r"\barxiv\b", publisher, re.I
    )
    if titles:
        put(name, "container-title", titles[0])
        for other in titles[1:]:
            if other != titles[0]:
                entry.not_imported(
                    "container-title",
                    f"{shortened(other)}; the venue is read from its first name",
                    "value",
                )
        put("publisher", "publisher", publisher)
    elif publisher and preprint and target in ("misc", "unpublished"):
        put("howpublished", "publisher", publisher)
    else:
        put("publisher", "publisher", publisher)
    for variable in ("container-title-short", "short-container-title", "journalAbbreviation"):
        for short in _strings(item.get(variable)):
            if "abbr" not in out.fields and is_short_name(short):
                put("abbr", variable, short)
            elif short not in titles:
                entry.not_imported(variable, ABBREVIATION_REASON, "ignored")


def _event(item: dict, put) -> None:
    """CSL's event (1.0.1: ``event``; 1.0.2: ``event-title``), ``event-place`` and
    ``event-date``; Crossref's REST event object (name, location, start, end, acronym)."""
    event = item.get("event")
    place = _string(item.get("event-place"))
    dates = _event_dates(item.get("event-date"))
    title = _string(item.get("event-title"))
    if isinstance(event, dict):
        title = title or _string(event.get("name"))
        place = place or _string(event.get("location"))
        start, end = _event_dates(event.get("start")), _event_dates(event.get("end"))
        dates = dates or (f"{start}/{end}" if start and end and end != start else start)
        acronym = _string(event.get("acronym"))
        if acronym and is_short_name(acronym):
            put("abbr", "event", acronym)
    else:
        title = title or _string(event)
    put("eventtitle", "event-title" if item.get("event-title") else "event", title)
    put("venue", "event-place", place)
    put("eventdate", "event-date", dates)


def _event_dates(value) -> str:
    """``2024-04-15/2024-04-17`` from date-parts, a literal as written."""
    if not isinstance(value, dict):
        return _string(value)
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts:
        days = []
        for part in parts[:2]:
            if isinstance(part, list) and part and part[0] is not None:
                numbers = [_string(number) for number in part[:3] if number is not None]
                days.append("-".join(n.zfill(2) if i else n for i, n in enumerate(numbers)))
        return "/".join(days)
    return _string(value.get("literal") or value.get("raw"))
