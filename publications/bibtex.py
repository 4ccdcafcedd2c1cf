"""Papers as BibTeX, built with bibtexparser 2's Library/Entry/Field and its writer.

Entry types: a conference or workshop paper is ``@inproceedings`` (booktitle = the venue's full
name), a journal paper ``@article`` (journal), and everything else ``@misc``: preprints (with
``eprint``/``archivePrefix = {arXiv}`` when there is an arXiv id, as arXiv's own export does),
work under review, venue-less records (with ``howpublished`` = the venue's name, except for work
under review, which is not in that venue yet). Work that is accepted but not out yet keeps its
type and gets ``note = {To appear}``.

Authors are written ``Family, Given and Family, Given`` in byline order, from the name printed
on that paper when it differs from the person's name (a citation copies the paper), else the
person's given and family names, else their displayed name split by people.names.split_name. A
name that does not split is kept whole in braces (``{Lab Consortium}``). An incomplete byline
ends in ``and others`` (BibTeX's "et al.").

The citation details follow the venue: ``series``, ``volume``, ``number``, ``pages`` (the
stored en dash written ``--``), ``articleno`` (ACM's field for an article number), then
``publisher`` (the paper's own, when it differs from the venue's), ``address`` (the event's
place, for a proceedings paper), ``isbn``, ``issn``; ``keywords`` joins the keyword names with
", " (names never hold a comma). The paper's links beside ``url`` are written under the names
al-folio reads, ``pdf``, ``code``, ``slides``, ``poster``, ``video``, ``website`` (a relative
PDF file name as it is, as al-folio writes it): styles ignore fields they do not know, and the
lab's importers read them back. Left out: the event's dates (no field takes them as written)
and the Google Scholar id (for the al-folio export only).

Text is Unicode, kept as is (UTF-8 file): biber/biblatex and modern BibTeX read it, and
bibtexparser parses it back unchanged. The characters LaTeX treats as commands are escaped
(``& % $ # _ { } ~ ^ \\``); ``--`` is written ``-{}-`` so it does not become a dash. In titles,
words with a capital after their first letter (GPU, FuseLink, LLMs) are braced so styles that
lower-case titles keep them. URLs, DOIs and arXiv ids are verbatim fields and stay unescaped.

Citation keys are first author's family name + year + first significant title word, ASCII,
lower-case: ``hu2024characterization``. Within one file, keys that collide all get a letter
(``...a``, ``...b``) in slug order, so the same set of papers always gets the same keys.
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

import bibtexparser
from bibtexparser import BibtexFormat, Library
from bibtexparser.middlewares import default_unparse_stack
from bibtexparser.model import Entry, Field
from django.db.models import Prefetch, prefetch_related_objects

from people.names import split_name
from publications.enums import PaperStatus, VenueKind
from publications.models import Authorship, Keyword, Paper
from publications.validators import PAGE_DASH

#: The paper's links as the fields al-folio's bibliography reads (``pdf = {paper.pdf}`` for a
#: file in its assets/pdf folder); BibTeX and biblatex styles ignore fields they do not know.
LINK_FIELDS = (
    ("pdf", "pdf_url"),
    ("code", "code_url"),
    ("slides", "slides_url"),
    ("poster", "poster_url"),
    ("video", "video_url"),
    ("website", "website_url"),
)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
KEY_STOPWORDS = frozenset(
    {"a", "an", "the", "on", "of", "in", "for", "to", "towards", "toward", "with", "and", "or"}
    | {"via", "at", "by", "from", "is", "are", "do", "does", "when", "what", "how", "why", "can"}
)
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL))
_AND_WORD = re.compile(r"\band\b", re.IGNORECASE)


def latex_escape(text: str) -> str:
    """``R&D at 50%`` -> ``R\\&D at 50\\%``; Unicode letters are kept."""
    escaped = _LATEX_SPECIAL_RE.sub(lambda m: _LATEX_SPECIAL[m.group()], text)
    return escaped.replace("--", "-{}-")


def protect_title(title: str) -> str:
    """Escape, and brace the words whose capitals must survive a lower-casing style."""
    words = []
    for word in title.split(" "):
        escaped = latex_escape(word)
        # A capital after the first character: an acronym or a name (GPU, FuseLink, 3D-GNN).
        if any(ch.isupper() for ch in word[1:]):
            escaped = "{" + escaped + "}"
        words.append(escaped)
    return " ".join(words)


def _verbatim(value: str) -> str:
    """A URL-like value: not LaTeX-escaped (url/doi fields are read verbatim), but braces,
    which would end the field, percent-encoded."""
    return value.replace("{", "%7B").replace("}", "%7D")


def _ascii_word(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", decomposed.encode("ascii", "ignore").decode().lower())


def paper_authorships(paper: Paper) -> list[Authorship]:
    """The byline rows in order, from Paper.objects.for_list()'s prefetch, or fetched (once)
    into the same cache when the paper came without it."""
    if "authorships" not in getattr(paper, "_prefetched_objects_cache", {}):
        prefetch_related_objects(
            [paper], Prefetch("authorships", queryset=Authorship.objects.in_order())
        )
    return list(paper.authorships.all())


def paper_keywords(paper: Paper) -> list[Keyword]:
    """The paper's keywords, from Paper.objects.for_list()'s prefetch, or fetched (once) into
    the same cache when the paper came without it."""
    if "keywords" not in getattr(paper, "_prefetched_objects_cache", {}):
        prefetch_related_objects([paper], "keywords")
    return list(paper.keywords.all())


def author_name_parts(authorship: Authorship) -> tuple[str, str]:
    """(given, family) for the citation; ("", whole name) when the name does not split."""
    person = authorship.person
    if authorship.printed_name and authorship.printed_name != person.name:
        given, family = split_name(authorship.printed_name)
    elif person.family_name:
        given, family = person.given_name, person.family_name
    else:
        given, family = split_name(person.name)
    if not given or not family:
        return "", authorship.display_name
    return given, family


def _bibtex_name(given: str, family: str) -> str:
    if not given:
        return "{" + latex_escape(family) + "}"
    parts = [latex_escape(family), latex_escape(given)]
    # A bare "and" inside a name would split it into two authors.
    parts = ["{" + p + "}" if _AND_WORD.search(p) else p for p in parts]
    return ", ".join(parts)


def bibtex_authors(paper: Paper) -> str:
    names = [_bibtex_name(*author_name_parts(a)) for a in paper_authorships(paper)]
    if names and not paper.authors_complete:
        names.append("others")
    return " and ".join(names)


def citation_key(paper: Paper) -> str:
    """``hu2024characterization``: first author's family name, year, first real title word."""
    authorships = paper_authorships(paper)
    family = author_name_parts(authorships[0])[1] if authorships else ""
    words = [_ascii_word(w) for w in re.split(r"[\s\-:/]+", paper.title)]
    significant = [w for w in words if w and w not in KEY_STOPWORDS]
    first_word = significant[0] if significant else ""
    key = f"{_ascii_word(family)}{paper.year or ''}{first_word}"
    return key or paper.slug


def entry_type(paper: Paper) -> str:
    if paper.status in (PaperStatus.UNDER_REVIEW, PaperStatus.PREPRINT) or paper.venue is None:
        return "misc"
    if paper.venue.kind in (VenueKind.CONFERENCE, VenueKind.WORKSHOP):
        return "inproceedings"
    if paper.venue.kind == VenueKind.JOURNAL:
        return "article"
    return "misc"


def _status_note(paper: Paper) -> str:
    if paper.status == PaperStatus.ACCEPTED:
        return "To appear"
    if paper.status == PaperStatus.UNDER_REVIEW:
        return "Under review"
    if paper.status == PaperStatus.PREPRINT and not paper.arxiv_id:
        return "Preprint"
    return ""


def paper_entry(paper: Paper, key: str) -> Entry:
    kind = entry_type(paper)
    fields = [Field("title", protect_title(paper.title))]
    authors = bibtex_authors(paper)
    if authors:
        fields.append(Field("author", authors))
    if kind == "inproceedings":
        fields.append(Field("booktitle", latex_escape(paper.venue.name)))
    elif kind == "article":
        fields.append(Field("journal", latex_escape(paper.venue.name)))
    elif paper.venue is not None and paper.status != PaperStatus.UNDER_REVIEW:
        # A preprint server or another kind of venue: where the work can be found.
        fields.append(Field("howpublished", latex_escape(paper.venue.name)))
    fields += _citation_fields(paper)
    if paper.year:
        fields.append(Field("year", str(paper.year)))
    if paper.month:
        # The standard month macros (jan, feb, ...) so styles print the month in their language.
        fields.append(Field("month", MONTHS[paper.month - 1], enclosing="no-enclosing"))
    fields += _publication_fields(paper, kind)
    if paper.doi:
        fields.append(Field("doi", _verbatim(paper.doi)))
    if paper.url:
        fields.append(Field("url", _verbatim(paper.url)))
    if paper.arxiv_id:
        fields.append(Field("eprint", _verbatim(paper.arxiv_id)))
        fields.append(Field("archiveprefix", "arXiv"))
    keywords = [latex_escape(keyword.name) for keyword in paper_keywords(paper)]
    if keywords:
        fields.append(Field("keywords", ", ".join(keywords)))
    fields += [
        Field(name, _verbatim(getattr(paper, attribute)))
        for name, attribute in LINK_FIELDS
        if getattr(paper, attribute)
    ]
    # Only the status goes into the note: the public note ("Invited Submission to ;login:") is
    # for the paper's page, and the curators' note (Paper.curator_note) is on no page or file.
    note = _status_note(paper)
    if note:
        fields.append(Field("note", latex_escape(note)))
    return Entry(kind, key, fields)


def _citation_fields(paper: Paper) -> list[Field]:
    """Where in the venue: series, volume, number, pages (``123--135``), articleno."""
    fields = []
    if paper.series:
        fields.append(Field("series", latex_escape(paper.series)))
    for name in ("volume", "number"):
        if getattr(paper, name):
            fields.append(Field(name, latex_escape(getattr(paper, name))))
    if paper.pages:
        # The en dash stored between first and last page is BibTeX's "--".
        fields.append(Field("pages", latex_escape(paper.pages).replace(PAGE_DASH, "--")))
    if paper.article_number:
        fields.append(Field("articleno", latex_escape(paper.article_number)))
    return fields


def _publication_fields(paper: Paper, kind: str) -> list[Field]:
    """The paper's own publisher, the event's place (``address`` of a proceedings paper, as
    BibTeX styles print it), ISBN and ISSN. The event's dates have no BibTeX field that takes
    them as written ("April 15–16, 2024"; biblatex's ``eventdate`` wants ISO dates): left out."""
    fields = []
    if paper.publisher:
        fields.append(Field("publisher", latex_escape(paper.publisher)))
    if paper.event_place and kind == "inproceedings":
        fields.append(Field("address", latex_escape(paper.event_place)))
    for name in ("isbn", "issn"):
        if getattr(paper, name):
            fields.append(Field(name, _verbatim(getattr(paper, name))))
    return fields


def citation_keys(papers: Iterable[Paper]) -> dict[int, str]:
    """Unique keys for ``papers`` by paper pk; colliding keys get a, b, ... in slug order."""
    groups: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        groups[citation_key(paper)].append(paper)
    keys = {}
    for key, group in groups.items():
        if len(group) == 1:
            keys[group[0].pk] = key
            continue
        for index, paper in enumerate(sorted(group, key=lambda p: p.slug)):
            keys[paper.pk] = key + _letter_suffix(index)
    return keys


def _letter_suffix(index: int) -> str:
    """a, b, ..., z, aa, ab, ..."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


def _bibtex_format() -> BibtexFormat:
    bibtex_format = BibtexFormat()
    bibtex_format.indent = "  "
    bibtex_format.value_column = "auto"
    return bibtex_format


def papers_to_bibtex(papers: Iterable[Paper]) -> str:
    """A .bib file of ``papers``, in the order given. Load them with Paper.objects.for_list()
    to keep the queries constant."""
    papers = list(papers)
    keys = citation_keys(papers)
    library = Library([paper_entry(paper, keys[paper.pk]) for paper in papers])
    return bibtexparser.write_string(
        library,
        # The library is thrown away after writing: no need for the default stack's deep copy.
        unparse_stack=default_unparse_stack(allow_inplace_modification=True),
        bibtex_format=_bibtex_format(),
    )


def paper_to_bibtex(paper: Paper) -> str:
    """One paper's entry, e.g. for the copyable box on its page."""
    return papers_to_bibtex([paper])
