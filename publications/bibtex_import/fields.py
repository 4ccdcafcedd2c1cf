"""The fields of one entry, read into the paper it becomes; every other field named.

``read_fields(entry, fields)`` fills a ``PlannedEntry`` from the entry's fields (names in lower
case, values with their braces, quotes and ``@string`` macros resolved, a ``crossref``'s
fields inherited). What each field becomes:

- title, abstract, note (with al-folio's ``additional_info``), names and venues: LaTeX and
  publisher markup made readable (``text.clean_text``);
- year and month, or biblatex's ``date`` (``2024``, ``2024-04``, ``2024-04-15``, or a range:
  its start); status from ``note`` ("to appear"), ``pubstate`` and arXiv;
- DOI (also given as a link, in ``doi`` or as the ``url``), arXiv id (``eprint`` when it is
  one, al-folio's ``arxiv``, an arXiv link, ``journal = {arXiv preprint arXiv:…}``, DBLP's
  ``volume = {abs/…}``), the links (``url``; al-folio's ``html``, ``pdf``, ``code``,
  ``slides``, ``poster``, ``video``, ``website``);
- where in the venue (volume, number or issue, pages with an en dash, ``articleno``/``eid``),
  publisher, series, ISBN and ISSN, the event's place and dates; keywords; al-folio's
  ``selected``, ``award``/``award_name``, ``abbr`` and ``google_scholar_id``.

A field the lab keeps no place for is named in ``entry.not_kept`` with the reason
(``IGNORED_FIELDS``), a field nobody reads is named as unknown, and a value that cannot be kept
(a slides file name where only a URL fits, an ISBN whose check digit is wrong) is named with
what is wrong: nothing in the file is dropped without the preview saying so. Errors (a title
missing, a year that is not one) stop the entry, as before.
"""

import functools
import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from lab.core.models import MAX_YEAR, MIN_YEAR
from publications.bibtex_import.entries import PlannedEntry
from publications.bibtex_import.names import read_name, split_names
from publications.bibtex_import.text import clean_text
from publications.bibtex_import.venues import (
    VenueParts,
    conference_parts,
    is_journal_name,
    journal_parts,
)
from publications.enums import PaperStatus
from publications.models import ARXIV_PATTERN, DOI_PATTERN, Keyword, Paper, PaperAward, Venue
from publications.validators import (
    normalize_isbn,
    normalize_issn,
    normalize_pages,
    validate_isbn,
    validate_issn,
    validate_pdf_location,
)

# Entry types that are papers. Anything else (@book, @proceedings, @manual...) is an error
# rather than skipped, so nothing in the file goes unmentioned; a @proceedings or @book that
# entries name in their ``crossref`` lends them its fields and is not an entry itself.
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
# biblatex's pubstate.
PUBSTATES = {
    "inpress": PaperStatus.ACCEPTED,
    "forthcoming": PaperStatus.ACCEPTED,
    "accepted": PaperStatus.ACCEPTED,
    "submitted": PaperStatus.UNDER_REVIEW,
    "prepublished": PaperStatus.PREPRINT,
    "preprint": PaperStatus.PREPRINT,
}
UNDATED_STATUSES = (PaperStatus.PREPRINT, PaperStatus.UNDER_REVIEW)
ET_AL = frozenset({"others", "et al", "et al."})

#: Fields the import leaves out on purpose, with why (docs/imports.md, "BibTeX sources").
IGNORED_FIELDS = {
    # al-folio
    "bibtex_show": "al-folio's switch for its Bib button; the lab's site decides that",
    "preview": "al-folio's thumbnail picture; pictures are not imported",
    "altmetric": "al-folio's Altmetric badge",
    "dimensions": "al-folio's Dimensions badge",
    "inspirehep_id": "al-folio's INSPIRE-HEP badge",
    "annotation": "al-folio's note on the author marks; the site's legend explains the marks",
    "blog": "a blog post link; a paper has no place for it",
    "supp": "a supplementary material link; a paper has no place for it",
    # DBLP
    "timestamp": "DBLP's date of its record",
    "biburl": "DBLP's address of this entry",
    "bibsource": "DBLP's credit line",
    # Zotero (Better BibTeX), biblatex, Mendeley
    "urldate": "the day the link was visited",
    "file": "a file on the exporting computer",
    "langid": "the language of the text",
    "language": "the language of the text",
    "shorttitle": "a short form of the title",
    "shortjournal": "the journal's abbreviation; the venue is matched by its name",
    "eprintclass": "the arXiv category",
    "primaryclass": "the arXiv category",
    "annote": "a reader's note",
    "copyright": "the rights statement",
    "mendeley-groups": "Mendeley's folders",
    "mendeley-tags": "Mendeley's tags",
    # ACM DL, IEEE Xplore, ADS, MDPI
    "numpages": "the number of pages (the pages themselves are kept)",
    "issue_date": "the issue's date (the paper's own year and month are kept)",
    "adsurl": "ADS's address of its record",
    "adsnote": "ADS's credit line",
    "pubmedid": "a PubMed id; a paper has no place for it",
    "pmid": "a PubMed id; a paper has no place for it",
    # Everyone
    "editor": "the editors of the proceedings or book, who are not its authors",
    "key": "a sorting key for BibTeX styles",
    "type": "the kind of thesis or report",
    "edition": "the edition of a book",
    "chapter": "a chapter number",
    "day": "the day; a paper keeps its year and month",
}

#: Fields read into the paper (some of them only in some entries: then the rest are named).
READ_FIELDS = frozenset(
    {
        *("title", "author", "year", "month", "date", "note", "pubstate", "abstract"),
        *("doi", "url", "eprint", "archiveprefix", "eprinttype", "arxiv", "html"),
        *("booktitle", "journal", "journaltitle", "howpublished", "eventtitle", "institution"),
        *("volume", "number", "issue", "pages", "articleno", "eid", "article-number"),
        *("publisher", "organization", "series", "isbn", "issn"),
        *("venue", "location", "address", "eventdate"),
        *("pdf", "code", "slides", "poster", "video", "website", "google_scholar_id"),
        *("keywords", "selected", "award", "award_name", "abbr", "additional_info", "crossref"),
    }
)

_DOI_PREFIX = re.compile(
    r"^(?:https?://(?:dx\.)?doi\.org/|https?://doi\.acm\.org/|https?://dl\.acm\.org/doi/"
    r"(?:abs/|pdf/|full/)?|doi:\s*)",
    re.IGNORECASE,
)
_DOI_LINK = re.compile(r"^https?://(?:dx\.)?doi\.org/(10\.\S+)$", re.IGNORECASE)
_ARXIV_WORD = re.compile(r"\b(?:arxiv|corr)\b", re.IGNORECASE)
_ARXIV_NUMBER = r"(?:[0-9]{4}\.[0-9]{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/[0-9]{7})(?:v[0-9]+)?"
_ARXIV_ID_IN_TEXT = re.compile(
    rf"(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s*|10\.48550/arxiv\.|^abs/)({_ARXIV_NUMBER})",
    re.IGNORECASE,
)
_ARXIV_LINK = re.compile(rf"^https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/({_ARXIV_NUMBER})")
_DATE = re.compile(
    r"^(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{1,2}))?(?:-[0-9]{1,2})?[~?%]*"
    r"(?:\s*/\s*(?:\.\.|[0-9]{4}(?:-[0-9]{1,2}){0,2}[~?%]*)?)?$"
)
_URL_IN_TEXT = re.compile(r"^\\url\{(.*)\}$")
_KEYWORD_SEPARATORS = re.compile(r"[,;]")
_LIST_SEPARATORS = re.compile(r"[,;\s]+")
# ACM's series = {CIKM '20}: the conference's short name with its year, not a book series.
_SHORT_WITH_YEAR = re.compile(
    r"^[A-Za-z][\w/&+-]*(?:\s+[A-Za-z][\w/&+-]*)?\s*(?:['’][0-9]{2}|(?:19|20)[0-9]{2})$"
)
# Two or more ISSNs in one field, separated by spaces only (print and online).
_SPACED_ISSNS = re.compile(r"[0-9]{4}-[0-9]{3}[0-9Xx](?:\s+[0-9]{4}-[0-9]{3}[0-9Xx])+")
_ACRONYM = re.compile(r"^[A-Za-z]*[A-Z][A-Za-z0-9/&+-]*[A-Z0-9][A-Za-z0-9/&+-]*$")
_TRUE = frozenset({"true", "yes", "1", "y"})
# A @misc or @online whose eprinttype is one of these is a preprint (Zotero's "Preprint").
_PREPRINT_SERVERS = frozenset(
    {"arxiv", "biorxiv", "medrxiv", "chemrxiv", "ssrn", "psyarxiv", "osf", "preprints.org"}
)

_url_validator = URLValidator(schemes=["http", "https"])
_MAX = {f.name: f.max_length for f in Paper._meta.concrete_fields if f.max_length}
_MAX_KEYWORD = Keyword._meta.get_field("name").max_length
_MAX_AWARD = PaperAward._meta.get_field("title").max_length
_MAX_SHORT = Venue._meta.get_field("short_name").max_length


def normalize_doi(doi: str) -> str:
    return _DOI_PREFIX.sub("", doi.strip()).strip()


def read_fields(entry: PlannedEntry, fields: dict[str, str]) -> None:
    """Fill ``entry`` from ``fields`` (see the module docstring)."""
    entry.title = clean_text(fields.get("title", ""))
    if not entry.title:
        entry.error("no title")
    elif len(entry.title) > _MAX["title"]:
        entry.error(f"the title is longer than {_MAX['title']} characters")
    _read_status_and_note(entry, fields)
    _read_date(entry, fields)
    _read_identifiers(entry, fields)
    _read_links(entry, fields)
    entry.abstract = clean_text(fields.get("abstract", ""))
    _read_authors(entry, fields)
    _read_venue(entry, fields)
    _read_citation(entry, fields)
    _read_extras(entry, fields)
    for name, value in fields.items():
        if name in READ_FIELDS or not value.strip():
            continue
        if name in IGNORED_FIELDS:
            entry.not_imported(name, IGNORED_FIELDS[name], "ignored")
        else:
            entry.not_imported(name, "a field the import does not know", "unknown")


def _text(fields: dict[str, str], name: str) -> str:
    value = fields.get(name, "")
    return clean_text(value) if value else ""


def _fits(entry: PlannedEntry, name: str, value: str, source: str) -> str:
    """``value`` when the Paper field ``name`` holds it; else "" and the preview says why."""
    if len(value) > _MAX[name]:
        entry.not_imported(source, f"longer than the {_MAX[name]} characters it may have")
        return ""
    return value


# --- Status, dates ----------------------------------------------------------------------------


def _read_status_and_note(entry: PlannedEntry, fields: dict[str, str]) -> None:
    notes = [part.strip() for part in _text(fields, "note").split(";")]
    status = STATUS_NOTES.get(notes[0].rstrip(".").casefold()) if notes else None
    if status:
        notes = notes[1:]
    extra = _text(fields, "additional_info").lstrip(" .,;:")
    entry.note = "; ".join(part for part in [*notes, extra] if part)
    pubstate = fields.get("pubstate", "").strip().casefold()
    if status is None and pubstate:
        status = PUBSTATES.get(pubstate)
        if status is None:
            entry.not_imported("pubstate", f"“{pubstate}” is not a state the import knows")
    if status is None and (
        _is_arxiv(entry, fields)
        or entry.entry_type == "unpublished"
        or (entry.entry_type in OTHER_TYPES and _eprint_prefix(fields) in _PREPRINT_SERVERS)
    ):
        status = PaperStatus.PREPRINT
    entry.status = status or PaperStatus.PUBLISHED


def _eprint_prefix(fields: dict[str, str]) -> str:
    return (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().casefold()


def _is_arxiv(entry: PlannedEntry, fields: dict[str, str]) -> bool:
    """An arXiv preprint: its venue is arXiv (or CoRR), or a @misc-like entry with an arXiv
    eprint."""
    where = " ".join(
        fields.get(name, "") for name in ("journal", "journaltitle", "booktitle", "howpublished")
    )
    if _ARXIV_WORD.search(where) and not _URL_IN_TEXT.match(where.strip()):
        return True
    if where.strip() and not _URL_IN_TEXT.match(where.strip()):
        return False
    eprint = fields.get("eprint", "").strip()
    arxiv_eprint = bool(eprint) and (_eprint_prefix(fields) in ("", "arxiv"))
    if eprint.startswith(("http://", "https://")):
        arxiv_eprint = bool(_ARXIV_LINK.match(eprint))
    return (arxiv_eprint or bool(fields.get("arxiv"))) and entry.entry_type in OTHER_TYPES


def _read_date(entry: PlannedEntry, fields: dict[str, str]) -> None:
    year = fields.get("year", "").strip().strip("{}")
    date = fields.get("date", "").strip()
    parsed = _DATE.match(date) if date else None
    if year:
        if not year.isdigit() or not MIN_YEAR <= int(year) <= MAX_YEAR:
            entry.error(f"year “{year}” is not a year between {MIN_YEAR} and {MAX_YEAR}")
        else:
            entry.year = int(year)
    elif parsed:
        entry.year = int(parsed["year"])
        if not MIN_YEAR <= entry.year <= MAX_YEAR:
            entry.error(f"date “{date}” is not in a year between {MIN_YEAR} and {MAX_YEAR}")
            entry.year = None
    elif date:
        entry.error(
            f"date “{date}” is not a date (2024, 2024-04, 2024-04-15, or a range such as "
            "2024-04-15/2024-04-17)"
        )
    elif entry.status not in UNDATED_STATUSES:
        entry.error("no year")
    month = fields.get("month", "").strip().strip("{}").rstrip(".").strip()
    if month:
        entry.month = _month_number(re.split(r"\s*(?:--?|–|/)\s*", month)[0])
        if entry.month is None:
            entry.error(f"month “{month}” is not a month (jan … dec, or 1 … 12)")
    elif parsed and parsed["month"]:
        entry.month = int(parsed["month"])
        if not 1 <= entry.month <= 12:
            entry.error(f"date “{date}” has no month {entry.month}")
            entry.month = None


def _month_number(text: str) -> int | None:
    """jan, Jan., January, sept or 1-12 -> the month number."""
    text = text.rstrip(".")
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    word = text.casefold()
    if word in MONTHS:
        return MONTHS.index(word) + 1
    if word in MONTH_NAMES:
        return MONTH_NAMES.index(word) + 1
    return 9 if word == "sept" else None


# --- Identifiers and links --------------------------------------------------------------------


#: Where the host of a URL ends: its path, query or fragment.
_AFTER_HOST = re.compile(r"[/?#]")


def _web_address(value: str) -> bool:
    """Whether Django's URLValidator (http and https) takes ``value``. Its expensive part is
    the scheme and host, which repeat from entry to entry: a URL whose path (query, fragment)
    has no space and whose scheme and host alone pass is one it takes (its pattern puts
    nothing but non-spaces after the host); anything else is judged whole."""
    start = value.find("://")
    after = _AFTER_HOST.search(value, start + 3) if start >= 0 else None
    if (
        after is not None
        and len(value) <= _url_validator.max_length
        and not any(ch.isspace() for ch in value[after.start() :])
        and _valid_url(value[: after.start()])
    ):
        return True
    return _valid_url(value)


@functools.lru_cache(maxsize=4096)
def _valid_url(value: str) -> bool:
    try:
        _url_validator(value)
    except ValidationError:
        return False
    return True


def _url_of(value: str) -> str:
    """A field that holds a link: ``\\url{…}`` unwrapped."""
    value = value.strip()
    found = _URL_IN_TEXT.match(value)
    return found[1].strip() if found else value


def _read_identifiers(entry: PlannedEntry, fields: dict[str, str]) -> None:
    doi = normalize_doi(fields.get("doi", ""))
    if not doi:
        for name in ("url", "html"):
            found = _DOI_LINK.match(_url_of(fields.get(name, "")))
            if found:
                doi = found[1]
                break
    if doi:
        if not re.match(DOI_PATTERN, doi) or len(doi) > _MAX["doi"]:
            entry.error(f"doi “{doi}” is not a DOI (e.g. 10.1145/3600006.3613152)")
        else:
            entry.doi = doi

    arxiv_id = _arxiv_id(entry, fields)
    if arxiv_id:
        if not re.match(ARXIV_PATTERN, arxiv_id):
            entry.error(f"eprint “{arxiv_id}” is not an arXiv id (e.g. 2403.07648)")
        else:
            entry.arxiv_id = arxiv_id


def _arxiv_id(entry: PlannedEntry, fields: dict[str, str]) -> str:
    """The arXiv id the entry gives, if any: eprint when it is one (a link in eprint is a link,
    an eprint of another archive is named as not kept), al-folio's arxiv, else one written in
    the venue, volume, links, DOI or note."""
    eprint = _url_of(fields.get("eprint", ""))
    prefix = _eprint_prefix(fields)
    if eprint.startswith(("http://", "https://")):
        found = _ARXIV_LINK.match(eprint)
        if found:
            return found[1]
        if not fields.get("url"):
            fields["url"] = eprint  # the link is the entry's address
        else:
            entry.not_imported("eprint", f"a link ({eprint}); the entry's url is kept")
    elif eprint and prefix in ("", "arxiv"):
        return re.sub(r"^arxiv:\s*", "", eprint, flags=re.IGNORECASE)
    elif eprint:
        entry.not_imported("eprint", f"an id at {prefix} ({eprint}); a paper keeps arXiv ids only")
    arxiv = _url_of(fields.get("arxiv", ""))
    if arxiv:
        found = _ARXIV_LINK.match(arxiv)
        return found[1] if found else re.sub(r"^arxiv:\s*", "", arxiv, flags=re.IGNORECASE)
    for name in ("journal", "journaltitle", "url", "howpublished", "doi", "note"):
        found = _ARXIV_ID_IN_TEXT.search(fields.get(name, ""))
        if found:
            return found[1]
    if _ARXIV_WORD.search(fields.get("journal", "")):
        found = _ARXIV_ID_IN_TEXT.search(fields.get("volume", "").strip())  # DBLP: abs/2403…
        if found:
            return found[1]
    return ""


#: al-folio's links, by the Paper field that keeps each.
_LINKS = (
    ("code", "code_url"),
    ("slides", "slides_url"),
    ("poster", "poster_url"),
    ("video", "video_url"),
    ("website", "website_url"),
)


def _read_links(entry: PlannedEntry, fields: dict[str, str]) -> None:
    url = _url_of(fields.get("url", ""))
    html = _url_of(fields.get("html", ""))
    if not url:
        how = _url_of(fields.get("howpublished", ""))
        url = how if how.startswith(("http://", "https://")) else ""
    if url and not _web_address(url):
        entry.error(f"url “{url}” is not a web address (http:// or https://)")
        url = ""
    elif len(url) > _MAX["url"]:
        entry.error(f"url is longer than {_MAX['url']} characters")
        url = ""
    # al-folio's html is the paper's page: it is the paper's URL.
    if html and _link(entry, "html", html):
        if url and url != html:
            entry.not_imported("url", f"{url}; al-folio's html ({html}) is kept as the URL")
        url = html
    if (
        url
        and entry.doi
        and _DOI_LINK.match(url)
        and normalize_doi(url).casefold() == entry.doi.casefold()
    ):
        # DBLP and the ACM DL give the DOI's own link as the url: the DOI is kept (pages and
        # exports link it), the link would only repeat it.
        url = ""
    entry.url = url
    for name, attribute in _LINKS:
        value = _url_of(fields.get(name, ""))
        if value and _link(entry, name, value):
            setattr(entry, attribute, value)
    pdf = _url_of(fields.get("pdf", ""))
    if pdf:
        try:
            validate_pdf_location(pdf)
        except ValidationError as error:
            entry.not_imported("pdf", " ".join(error.messages))
        else:
            entry.pdf_url = _fits(entry, "pdf_url", pdf, "pdf")


def _link(entry: PlannedEntry, name: str, value: str) -> bool:
    """Whether ``value`` is a web address a link field keeps; else the preview says why."""
    if not _web_address(value):
        if "://" in value or ":" in value.split("/")[0]:
            reason = f"“{value}” is not a web address (http:// or https://)"
        else:
            reason = (
                f"“{value}” is a file of the lab's al-folio site, not a web address; only pdf "
                "keeps a file name: give the full address"
            )
        entry.not_imported(name, reason)
        return False
    if len(value) > 200:
        entry.not_imported(name, "longer than the 200 characters a link may have")
        return False
    return True


# --- Authors and venue ------------------------------------------------------------------------


def _read_authors(entry: PlannedEntry, fields: dict[str, str]) -> None:
    names = []
    raw = fields.get("author", "").strip()
    for number, raw_name in enumerate(split_names(raw), start=1):
        if raw_name.strip().casefold() in ET_AL:
            entry.authors_complete = False
            continue
        read = read_name(raw_name)
        if read.error:
            entry.error(f"author {number} “{raw_name}” {read.error}")
        elif not read.name:
            entry.error(f"author {number} has no name")
        elif ";" in read.name or "," in read.name:
            sign = ";" if ";" in read.name else ","
            entry.error(f"author {number} “{read.name}” contains “{sign}”")
        else:
            entry.author_parts[_without_slug(read.name)] = (read.given, read.family)
            names.append(read.byline)
    if not names:
        entry.error("no author")
    entry.author_names = names


def _without_slug(name: str) -> str:
    """The name as the byline parser reads it: a <slug> taken off."""
    return " ".join(re.sub(r"<[^<>]*>", " ", name).split()) if "<" in name else name


def _read_venue(entry: PlannedEntry, fields: dict[str, str]) -> None:
    if _is_arxiv(entry, fields):
        entry.venue_text = "arXiv"
        entry.venue_parts = VenueParts(name="arXiv", short="arXiv")
        return
    names = ("booktitle", "eventtitle", "journal", "journaltitle", "howpublished")
    if entry.entry_type in JOURNAL_TYPES:
        names = ("journal", "journaltitle", "booktitle", "howpublished")
    elif entry.entry_type in ("techreport", "report"):
        names = (*names, "institution")
    for name in names:
        raw = fields.get(name, "").strip()
        if not raw or _URL_IN_TEXT.match(raw) or raw.startswith(("http://", "https://")):
            continue
        journal = name in ("journal", "journaltitle") and not _conference_in_journal(raw)
        entry.venue_parts = journal_parts(raw) if journal else conference_parts(raw)
        entry.venue_text = clean_text(raw)
        break
    # A short name beside the venue's name: al-folio's abbr ("CIKM 2020"), ACM's series
    # ("CIKM '20"), biblatex's eventtitle when it is one ("NSDI '24").
    for name in ("abbr", "series", "eventtitle"):
        hint = _text(fields, name)
        if not hint:
            continue
        if (
            name == "abbr"
            or _SHORT_WITH_YEAR.match(hint)
            or (name == "eventtitle" and _ACRONYM.match(hint))
        ):
            entry.venue_short = _strip_year(hint)[:_MAX_SHORT]
            break


# al-folio files often put a conference in an @article's journal ("Proceedings of the IEEE/CVF
# Conference on ...", "2024 IEEE 40th International Conference on Data Engineering (ICDE)").
_CONFERENCE_WORD = re.compile(r"\b(?:conference|symposium|workshop)\b", re.IGNORECASE)
_JOURNAL_WORD = re.compile(r"\b(?:journal|transactions|letters|magazine)\b", re.IGNORECASE)


def _conference_in_journal(raw: str) -> bool:
    """Whether a journal field names a conference, symposium or workshop (and not a journal,
    transactions or letters). "Proceedings of" alone says nothing: "Proc. ACM Manag. Data",
    "Proc. VLDB Endow." and "Proceedings of the IEEE" are journals."""
    if is_journal_name(raw) or _JOURNAL_WORD.search(raw):
        return False
    return bool(_CONFERENCE_WORD.search(raw))


def _strip_year(text: str) -> str:
    return re.sub(r"\s*(?:['’][0-9]{2}|(?:19|20)[0-9]{2})\s*$", "", text)


# --- Where in the venue, publisher, series, ISBN, ISSN, the event -----------------------------


def _read_citation(entry: PlannedEntry, fields: dict[str, str]) -> None:
    volume = _text(fields, "volume")
    if volume and entry.venue_text == "arXiv" and volume.startswith("abs/"):
        volume = ""  # DBLP writes a CoRR paper's arXiv id as its volume
    if not volume and entry.venue_parts is not None:
        volume = entry.venue_parts.volume  # "Proceedings of ..., Volume 2"
    entry.volume = _fits(entry, "volume", volume, "volume")
    number, issue = _text(fields, "number"), _text(fields, "issue")
    if number and issue and number != issue:
        entry.not_imported("issue", f"{issue}; the number ({number}) is kept")
    entry.number = _fits(entry, "number", number or issue, "number" if number else "issue")
    entry.pages = _fits(entry, "pages", normalize_pages(_text(fields, "pages")), "pages")
    for name in ("articleno", "eid", "article-number"):
        value = _text(fields, name)
        if value and not entry.article_number:
            if value == entry.pages:
                entry.pages = ""  # ADS writes the eid as the pages too
            entry.article_number = _fits(entry, "article_number", value, name)
    _read_publisher(entry, fields)
    series = _text(fields, "series")
    if series and not _SHORT_WITH_YEAR.match(series):
        entry.series = _fits(entry, "series", series, "series")
    entry.isbn = _identifier(entry, fields, "isbn", normalize_isbn, validate_isbn)
    entry.issn = _identifier(entry, fields, "issn", normalize_issn, validate_issn)
    _read_event(entry, fields)


def _read_publisher(entry: PlannedEntry, fields: dict[str, str]) -> None:
    publisher, organization = _text(fields, "publisher"), _text(fields, "organization")
    if publisher and organization and organization != publisher:
        entry.not_imported("organization", f"{organization}; the publisher ({publisher}) is kept")
    entry.publisher = _fits(
        entry, "publisher", publisher or organization, "publisher" if publisher else "organization"
    )


def _identifier(entry: PlannedEntry, fields: dict[str, str], name: str, normalize, validate) -> str:
    """The first valid ISBN or ISSN of the field (Zotero gives print and online ones); the
    others, and invalid ones, are named."""
    value = fields.get(name, "").strip()
    if not value:
        return ""
    kept = ""
    for candidate in _split_identifiers(value):
        normalized = normalize(candidate)
        try:
            validate(normalized)
        except ValidationError as error:
            entry.not_imported(name, f"{candidate}: {' '.join(error.messages)}")
            continue
        if kept:
            entry.not_imported(name, f"{normalized}; the first one ({kept}) is kept")
        else:
            kept = normalized
    return kept


def _split_identifiers(value: str) -> list[str]:
    # "978-1-4503-1234-5, 978-1-4503-1234-6" or "0360-0300 1557-7341"; an ISBN may have spaces.
    parts = [part.strip() for part in re.split(r"[,;]", value) if part.strip()]
    if len(parts) == 1 and _SPACED_ISSNS.fullmatch(parts[0]):
        parts = parts[0].split()
    return parts


def _read_event(entry: PlannedEntry, fields: dict[str, str]) -> None:
    """The event's place: biblatex's venue; the location ACM writes (for papers at an event);
    a conference paper's address when the entry names no publisher (then it is where the
    conference was); else the place a DBLP booktitle gives. Its dates: eventdate, else the
    booktitle's."""
    parts = entry.venue_parts
    at_event = entry.entry_type in CONFERENCE_TYPES
    place = _text(fields, "venue")
    location, address = _text(fields, "location"), _text(fields, "address")
    publisher_named = bool(fields.get("publisher") or fields.get("organization"))
    for name, value, usable in (
        ("location", location, at_event),
        ("address", address, at_event and not publisher_named),
    ):
        if not value:
            continue
        if usable and not place:
            place = value
        else:
            where = "the publisher's address" if name == "address" or not at_event else "a place"
            given = place or "not given"
            entry.not_imported(name, f"{value} ({where}; the event's place is {given})")
    if not place and parts is not None:
        place = parts.place
    entry.event_place = _fits(entry, "event_place", place, "location")
    dates = _text(fields, "eventdate") or (parts.dates if parts is not None else "")
    entry.event_dates = _fits(entry, "event_dates", dates, "eventdate")


# --- Keywords and al-folio's own fields -------------------------------------------------------


def _read_extras(entry: PlannedEntry, fields: dict[str, str]) -> None:
    keywords, seen = [], set()
    for part in _KEYWORD_SEPARATORS.split(fields.get("keywords", "")):
        keyword = clean_text(part) if part.strip() else ""
        if not keyword or keyword.casefold() in seen:
            continue
        if len(keyword) > _MAX_KEYWORD:
            entry.not_imported(
                "keywords", f"“{keyword[:40]}…” is longer than {_MAX_KEYWORD} characters"
            )
            continue
        seen.add(keyword.casefold())
        keywords.append(keyword)
    entry.keywords = keywords
    entry.selected = fields.get("selected", "").strip().casefold() in _TRUE
    award, award_name = _text(fields, "award"), _text(fields, "award_name")
    title = award or award_name
    if award and award_name and award_name != award:
        entry.not_imported("award_name", f"{award_name}; the award's text ({award}) is its title")
    if title:
        if len(title) > _MAX_AWARD:
            entry.not_imported(
                "award", f"longer than the {_MAX_AWARD} characters an award may have"
            )
        else:
            entry.awards = [title]
    entry.google_scholar_id = _fits(
        entry, "google_scholar_id", fields.get("google_scholar_id", "").strip(), "google_scholar_id"
    )
