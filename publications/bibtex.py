"""Papers as BibTeX, written from plain rows in constant memory.

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
and the Google Scholar id (for the al-folio export only, publications.alfolio).

Text is Unicode, kept as is (UTF-8 file): biber/biblatex and modern BibTeX read it, and
bibtexparser parses it back unchanged. The characters LaTeX treats as commands are escaped
(``& % $ # _ { } ~ ^ \\``); hyphens in a row are cut apart (``--`` is written ``-{}-``,
``---`` ``-{}-{}-``) so they do not become a dash. In titles,
words with a capital after their first letter (GPU, FuseLink, LLMs) are braced so styles that
lower-case titles keep them. URLs, DOIs and arXiv ids are verbatim fields and stay unescaped.

Citation keys are first author's family name + year + first significant title word, ASCII,
lower-case: ``hu2024characterization``. Within one file, keys that collide all get a letter
(``...a``, ``...b``) in slug order, so the same set of papers always gets the same keys.

How it is written. The file is what bibtexparser 2's writer gives for these entries (two-space
indent, values in braces, month macros bare, values aligned one column past the longest field
name of the whole file, two blank lines between entries), but it is written here, entry by
entry, from plain values: ``bibtex_export(papers)`` reads a queryset in a constant number of
queries and memory, whatever its length (``cited_export``):

- a short list (at most ``SHORT_LIST`` papers) is read whole: its papers in their order (with
  their venue's name, short name and kind), then their byline rows (with the names of the
  people) and keywords by paper, grouped here; the keys come from the records;
- a longer one is streamed: the key pass (one query of small tuples per paper: pk, slug, year,
  title, the first author's names, and whether the paper has the fields that set the
  alignment: an arXiv id, a venue of each kind, keywords...) gives every paper's citation key
  and the file's value column; then the papers, their byline rows and their keywords are read
  as ``values_list`` tuples by three streamed queries that follow the same paper order and are
  merged here (as publications.rows does for spreadsheets) into one ``CitedPaper`` at a time.

No model instance is built for a paper or an author; a person's name is split once per export
(``name_parts``, cached by person and printed name). ``papers_to_bibtex`` and
``paper_to_bibtex`` take model instances too (the paper's page has them), turned into the
same ``CitedPaper`` records, so both paths write the same bytes.
"""

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from django.db.models import (
    CharField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Concat

from lab.core.bulk import filter_in
from people.names import split_name
from publications.byline import MARK_FIELDS, MARK_SIGNS, MARKS_MASK, MASK_SIGNS
from publications.enums import PaperStatus, VenueKind
from publications.models import Authorship, Keyword, Paper, PaperAward
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
#: Rows fetched from the database at a time by the streamed queries.
CHUNK_SIZE = 2000
#: A file of at most this many papers is read whole before it is written (``cited_export``).
SHORT_LIST = CHUNK_SIZE
#: Text handed to the response at a time: a few entries per write, not one write per entry.
TEXT_CHUNK = 64 * 1024
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
_HYPHEN_PAIR = re.compile(r"-(?=-)")
_NEEDS_ESCAPE = re.compile(r"[\\&%$#_{}~^]|--")
_KEY_SPLIT = re.compile(r"[\s\-:/]+")


def latex_escape(text: str) -> str:
    """``R&D at 50%`` -> ``R\\&D at 50\\%``; Unicode letters are kept."""
    if not _NEEDS_ESCAPE.search(text):
        return text
    escaped = _LATEX_SPECIAL_RE.sub(lambda m: _LATEX_SPECIAL[m.group()], text)
    # Every hyphen followed by another is cut off from it: "--" is "-{}-", "---" "-{}-{}-"
    # (replacing "--" once per pair left "---" as "-{}--", an en dash after a hyphen).
    return _HYPHEN_PAIR.sub("-{}", escaped)


def protect_title(title: str) -> str:
    """Escape, and brace the words whose capitals must survive a lower-casing style."""
    words = []
    for word in title.split(" "):
        escaped = latex_escape(word)
        # A capital after the first character: an acronym or a name (GPU, FuseLink, 3D-GNN).
        rest = word[1:]
        if not rest.islower() and any(ch.isupper() for ch in rest):
            escaped = "{" + escaped + "}"
        words.append(escaped)
    return " ".join(words)


def verbatim(value: str) -> str:
    """A URL-like value: not LaTeX-escaped (url/doi fields are read verbatim), but braces,
    which would end the field, percent-encoded."""
    return value.replace("{", "%7B").replace("}", "%7D")


def text_field(name: str, value: str) -> list[tuple[str, str]]:
    """The field ``name = {value}`` with its text LaTeX-escaped, as a list to add to an
    entry's fields; none when the value is empty."""
    return [(name, "{" + latex_escape(value) + "}")] if value else []


def verbatim_field(name: str, value: str) -> list[tuple[str, str]]:
    """The field ``name = {value}`` for a URL-like value (``verbatim``); none when empty."""
    return [(name, "{" + verbatim(value) + "}")] if value else []


_NOT_KEY_CHARACTER = re.compile(r"[^a-z0-9]")


@functools.lru_cache(maxsize=16384)
def _ascii_word(text: str) -> str:
    """``text`` as a citation key spells it: accents dropped, lower case, letters and digits.
    Kept per process for the words most seen (family names and titles' first words repeat
    across a lab's papers; an export of 20,000 papers asks for about 40,000)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return _NOT_KEY_CHARACTER.sub("", decomposed.encode("ascii", "ignore").decode().lower())


# --- The records: one paper with what a citation of it needs ----------------------------------


class Author(NamedTuple):
    given: str  # "" when the name does not split: then ``family`` is the whole name
    family: str
    marks: str  # the signs of MARK_TABLE, in its order: "*†"


class CitedPaper(NamedTuple):
    """What the citation exports read of a paper, as plain values (``PAPER_COLUMNS``), its
    venue's name, short name and kind (None without a venue), its byline, keyword names and
    award titles."""

    pk: int
    slug: str
    title: str
    year: int | None
    month: int | None
    status: str
    doi: str
    arxiv_id: str
    url: str
    volume: str
    number: str
    pages: str
    article_number: str
    publisher: str
    series: str
    isbn: str
    issn: str
    event_place: str
    event_dates: str
    pdf_url: str
    code_url: str
    slides_url: str
    poster_url: str
    video_url: str
    website_url: str
    google_scholar_id: str
    note: str
    selected: bool
    authors_complete: bool
    abstract: str
    venue_name: str | None
    venue_short_name: str | None
    venue_kind: str | None
    authors: list[Author]
    keywords: list[str]
    awards: list[str]


#: The Paper fields a CitedPaper holds, in its order (the abstract last: only CSL-JSON reads it).
PAPER_COLUMNS = CitedPaper._fields[: CitedPaper._fields.index("abstract")]
VENUE_COLUMNS = ("venue__name", "venue__short_name", "venue__kind")


def name_parts(printed_name: str, name: str, given_name: str, family_name: str) -> tuple[str, str]:
    """(given, family) for the citation; ("", whole name) when the name does not split."""
    if printed_name and printed_name != name:
        given, family = split_name(printed_name)
    elif family_name:
        given, family = given_name, family_name
    else:
        given, family = split_name(name)
    if not given or not family:
        return "", printed_name or name
    return given, family


def author_name_parts(authorship: Authorship) -> tuple[str, str]:
    """(given, family) of a byline row for the citation (see ``name_parts``)."""
    person = authorship.person
    return name_parts(authorship.printed_name, person.name, person.given_name, person.family_name)


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


def cited_paper(paper: Paper, *, awards: bool = False) -> CitedPaper:
    """The record of a model instance (its prefetched byline and keywords, or fetched once);
    ``awards``: read its awards too (a query unless prefetched)."""
    venue = paper.venue
    authors = [
        Author(*author_name_parts(a), MARK_SIGNS[tuple(getattr(a, f) for f in MARK_FIELDS)])
        for a in paper_authorships(paper)
    ]
    return CitedPaper(
        *(getattr(paper, name) for name in PAPER_COLUMNS),
        paper.abstract,
        *((venue.name, venue.short_name, venue.kind) if venue else (None, None, None)),
        authors,
        [keyword.name for keyword in paper_keywords(paper)],
        [award.title for award in paper.awards.all()] if awards else [],
    )


# --- Reading querysets as streamed tuples -----------------------------------------------------


def _prefixed(expression, prefix: str):
    """``expression`` (an ordering) as seen from a model with a foreign key ``prefix`` to the
    papers: F("year") -> F("paper__year"), inside any function (Coalesce, NullIf...)."""
    if isinstance(expression, str):
        descending, name = expression.startswith("-"), expression.lstrip("-")
        if name == "?" or "." in name:
            raise ValueError(f"Cannot stream papers ordered by {expression!r}.")
        return ("-" if descending else "") + f"{prefix}__{name}"
    if isinstance(expression, F):
        return F(f"{prefix}__{expression.name}")
    copy = expression.copy()
    copy.set_source_expressions(
        [_prefixed(source, prefix) for source in expression.get_source_expressions()]
    )
    return copy


def _orderings(papers: QuerySet, prefix: str) -> tuple[list, list]:
    """(ordering of ``papers`` made total with pk, the same ordering seen from a model with a
    foreign key ``prefix`` to the papers), so that two queries give rows in one paper order."""
    query = papers.query
    ordering = list(query.order_by) or (
        list(Paper._meta.ordering) if query.default_ordering else []
    )
    related = []
    for item in ordering:
        if isinstance(item, str) and item.lstrip("-") in query.annotations:
            raise ValueError(f"Cannot stream papers ordered by the annotation {item!r}.")
        related.append(_prefixed(item, prefix))
    return [*ordering, "pk"], [*related, f"{prefix}_id"]


def _plain(papers: QuerySet) -> QuerySet:
    """``papers`` without prefetches; a sliced queryset as the papers the slice picks."""
    if papers.query.is_sliced:
        ordering = papers.query.order_by
        papers = Paper.objects.filter(pk__in=papers.values("pk"))
        if ordering:
            papers = papers.order_by(*ordering)
    return papers.prefetch_related(None)


def _merged(papers: Iterator[tuple], *related: Iterator[tuple]) -> Iterator[tuple]:
    """(paper values, [its rows of each related stream]) per paper, from streams whose rows
    start with the paper's pk and follow the paper stream's order."""
    streams = [groupby(rows, itemgetter(0)) for rows in related]
    heads = [next(stream, (None, ())) for stream in streams]
    for values in papers:
        pk = values[0]
        groups = []
        for number, stream in enumerate(streams):
            head_pk, rows = heads[number]
            if head_pk == pk:
                groups.append(list(rows))
                heads[number] = next(stream, (None, ()))
            else:
                groups.append([])
        yield values, groups


def _by_paper(rows: Iterable[tuple]) -> dict[int, list[tuple]]:
    """Rows that start with a paper's pk, grouped by it (in their order)."""
    return {pk: list(group) for pk, group in groupby(rows, itemgetter(0))}


def _paper_columns(abstracts: bool) -> tuple:
    """What a CitedPaper reads of a paper and its venue; ``abstracts``: read them (else "")."""
    return (*PAPER_COLUMNS, "abstract" if abstracts else Value(""), *VENUE_COLUMNS)


def _related_queries(pks: list[int], awards: bool) -> list[tuple[QuerySet, list]]:
    """The related rows of the papers ``pks`` a CitedPaper reads (byline rows with their
    people, keywords; awards), each with the order of its rows within a paper. Each looks the
    pks up (``filter_in``: one parameter, an index look-up per paper) instead of repeating the
    list's filter, which for a person's works on 20,000 papers is a ``works()`` exclusion and
    a byline join that PostgreSQL computed again for each query (45 to 120 ms each); the file
    is also the papers of one moment: one added since the pks were read is left out."""
    queries = [
        (
            filter_in(Authorship.objects.all(), "paper", pks).values_list(
                "paper_id",
                "person_id",
                "printed_name",
                "person__name",
                "person__given_name",
                "person__family_name",
                MARKS_MASK,
            ),
            ["position"],
        ),
        (
            filter_in(Paper.keywords.through.objects.all(), "paper", pks).values_list(
                "paper_id", "keyword__name"
            ),
            _keyword_ordering(),
        ),
    ]
    if awards:
        queries.append(
            (
                filter_in(PaperAward.objects.all(), "paper", pks).values_list("paper_id", "title"),
                ["title"],
            )
        )
    return queries


def _records(merged: Iterable[tuple[tuple, list[list[tuple]]]]) -> Iterator[CitedPaper]:
    """CitedPaper records from (paper values, [its byline rows, keyword rows, award rows])."""
    names: dict[tuple[int, str], tuple[str, str]] = {}
    for values, (byline, tags, *prizes) in merged:
        authors = []
        for row in byline:
            parts = names.get(row[1:3])
            if parts is None:
                parts = names[row[1:3]] = name_parts(*row[2:6])
            authors.append(Author(parts[0], parts[1], MASK_SIGNS[row[6]]))
        titles = [title for _, title in prizes[0]] if prizes else []
        yield CitedPaper(*values, authors, [name for _, name in tags], titles)


def cited_papers(
    papers: QuerySet,
    passed: "KeyPass",
    *,
    abstracts: bool = False,
    awards: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[CitedPaper]:
    """``papers`` as CitedPaper records, in their order, from three streamed queries (papers
    with their venue, byline rows with their people, keywords; a fourth for ``awards``), each
    fetched ``chunk_size`` rows at a time, in the papers' order. ``passed`` is the key pass of
    ``papers``, which has read their pks: the queries look those up (``_related_queries``).
    ``abstracts``: read them (else "")."""
    own, related = _orderings(_plain(papers), "paper")
    pks = list(passed.keys)
    paper_rows = (
        filter_in(Paper.objects.all(), Paper._meta.pk.name, pks)
        .order_by(*own)
        .values_list(*_paper_columns(abstracts))
        .iterator(chunk_size=chunk_size)
    )
    streams = [
        query.order_by(*related, *within).iterator(chunk_size=chunk_size)
        for query, within in _related_queries(pks, awards)
    ]
    yield from _records(_merged(paper_rows, *streams))


def cited_export(
    papers: QuerySet, *, abstracts: bool = False, awards: bool = False
) -> tuple["KeyPass", Iterator[CitedPaper]]:
    """The key pass of ``papers`` and their CitedPaper records in their order, for a file.

    A list of at most ``SHORT_LIST`` papers (a person's papers, a venue's, a small lab's) is
    read now and whole: its papers in their order, then their related rows by paper
    (``_related_queries``: by pk and position, grouped here, never sorted into the papers'
    order by the database), three queries or four with awards; its keys are made from the
    records (``records_key_pass``). A longer list is keyed by ``key_pass`` and streamed by
    ``cited_papers`` in constant memory: five queries or six, the first of them the list's
    first ``SHORT_LIST`` + 1 papers, read to find it long and dropped."""
    own, _ = _orderings(_plain(papers), "paper")
    head = list(
        _plain(papers).order_by(*own).values_list(*_paper_columns(abstracts))[: SHORT_LIST + 1]
    )
    if len(head) > SHORT_LIST:
        passed = key_pass(papers)
        return passed, cited_papers(papers, passed, abstracts=abstracts, awards=awards)
    pks = [values[0] for values in head]
    groups = [
        _by_paper(query.order_by("paper_id", *within))
        for query, within in _related_queries(pks, awards)
    ]
    records = list(_records((values, [g.get(values[0], []) for g in groups]) for values in head))
    return records_key_pass(records), iter(records)


def _keyword_ordering() -> list:
    """Keyword.Meta.ordering seen from the paper-keyword links (the order a prefetch gives)."""
    return [_prefixed(item, "keyword") for item in Keyword._meta.ordering]


# --- Citation keys and the value column: the key pass ---------------------------------------


def base_key(family: str, year: int | None, title: str, slug: str) -> str:
    """``hu2024characterization``: first author's family name, year, first real title word."""
    words = (_ascii_word(w) for w in _KEY_SPLIT.split(title))  # read up to the first real one
    first_word = next((w for w in words if w and w not in KEY_STOPWORDS), "")
    key = f"{_ascii_word(family)}{year or ''}{first_word}"
    return key or slug


def citation_key(paper: Paper) -> str:
    """The key of one paper before collisions are resolved (see ``unique_keys``)."""
    authorships = paper_authorships(paper)
    family = author_name_parts(authorships[0])[1] if authorships else ""
    return base_key(family, paper.year, paper.title, paper.slug)


def unique_keys(rows: Iterable[tuple[int, str, str]]) -> dict[int, str]:
    """Keys by paper pk from (pk, key, slug) rows; colliding keys get a, b, ... in slug order."""
    groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for pk, key, slug in rows:
        groups[key].append((slug, pk))
    keys, taken = {}, set(groups)
    for key, group in groups.items():
        if len(group) == 1:
            keys[group[0][1]] = key
            continue
        index = 0
        for _, pk in sorted(group, key=itemgetter(0)):
            # Never a key another paper has ("hu2024a" of a title starting with "A"): the next
            # letter instead.
            while key + _letter_suffix(index) in taken:
                index += 1
            keys[pk] = key + _letter_suffix(index)
            taken.add(keys[pk])
            index += 1
    return keys


def citation_keys(papers: Iterable[Paper]) -> dict[int, str]:
    """Unique keys for ``papers`` (model instances) by paper pk."""
    return unique_keys((p.pk, citation_key(p), p.slug) for p in papers)


def _letter_suffix(index: int) -> str:
    """a, b, ..., z, aa, ab, ..."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


#: What the key pass reads of a paper besides its first author: the key's parts and what
#: decides ``widest_field``.
KEY_COLUMNS = (
    "pk",
    "slug",
    "year",
    "title",
    "status",
    "arxiv_id",
    "article_number",
    "publisher",
    "website_url",
    "event_place",
    "series",
    "volume",
    "number",
    "slides_url",
    "poster_url",
    "venue__kind",
)


class KeyRow(NamedTuple):
    pk: int
    slug: str
    year: int | None
    title: str
    status: str
    arxiv_id: str
    article_number: str
    publisher: str
    website_url: str
    event_place: str
    series: str
    volume: str
    number: str
    slides_url: str
    poster_url: str
    venue_kind: str | None


def widest_field(p: KeyRow | CitedPaper, *, has_authors: bool, has_keywords: bool) -> int:
    """The length of the longest field name ``bibtex_fields`` writes for ``p``, from the few
    values that decide it (the file's values are aligned one column past the longest)."""
    kind = record_type(p)
    if p.arxiv_id:
        return len("archiveprefix")
    if kind == "misc" and p.venue_kind is not None and p.status != PaperStatus.UNDER_REVIEW:
        return len("howpublished")
    if kind == "inproceedings" or p.article_number or p.publisher:
        return len("booktitle")  # also articleno, publisher
    if has_keywords:
        return len("keywords")
    if kind == "article" or p.website_url:
        return len("journal")  # also website (address is for @inproceedings only)
    if has_authors or p.series or p.volume or p.number or p.slides_url or p.poster_url:
        return len("author")  # also series, volume, number, slides, poster
    return len("title")  # also pages, month, video; year, code, note, isbn, issn; doi, url, pdf


#: Between the first author's names in the key pass's subquery (no name holds it).
_SEPARATOR = "\x1f"
_FIRST_AUTHOR = Concat(
    "printed_name",
    Value(_SEPARATOR),
    "person__name",
    Value(_SEPARATOR),
    "person__given_name",
    Value(_SEPARATOR),
    "person__family_name",
    output_field=CharField(),
)


class KeyPass(NamedTuple):
    keys: dict[int, str]  # citation key by paper pk
    widest: int  # the longest field name of the file's entries


def key_pass(papers: QuerySet, *, chunk_size: int = CHUNK_SIZE) -> KeyPass:
    """Every paper's citation key and the file's widest field name, from one streamed query of
    small tuples (the first author's names joined in one subquery, split here)."""
    first = Authorship.objects.filter(paper=OuterRef("pk")).order_by("position")
    rows = (
        _plain(papers)
        .order_by()
        .values_list(
            *KEY_COLUMNS,
            Subquery(first.annotate(names=_FIRST_AUTHOR).values("names")[:1]),
            Exists(Paper.keywords.through.objects.filter(paper=OuterRef("pk"))),
        )
        .iterator(chunk_size=chunk_size)
    )
    widest, families, keyed = 0, {}, []
    columns = len(KEY_COLUMNS)
    for row in rows:
        paper, names, has_keywords = KeyRow(*row[:columns]), row[columns], row[-1]
        if names is None:  # no byline
            family = ""
        else:
            family = families.get(names)
            if family is None:
                family = families[names] = name_parts(*names.split(_SEPARATOR))[1]
        keyed.append((paper.pk, base_key(family, paper.year, paper.title, paper.slug), paper.slug))
        if widest < len("archiveprefix"):
            has_authors = names is not None
            found = widest_field(paper, has_authors=has_authors, has_keywords=has_keywords)
            widest = max(widest, found)
    return KeyPass(unique_keys(keyed), widest)


def records_key_pass(records: list[CitedPaper]) -> KeyPass:
    """The key pass of records already in memory."""
    keys = unique_keys(
        (p.pk, base_key(p.authors[0].family if p.authors else "", p.year, p.title, p.slug), p.slug)
        for p in records
    )
    widest = max(
        (
            widest_field(p, has_authors=bool(p.authors), has_keywords=bool(p.keywords))
            for p in records
        ),
        default=0,
    )
    return KeyPass(keys, widest)


def record_key(p: CitedPaper, keys: dict[int, str]) -> str:
    """The key the pass gave ``p``; for a paper added since the pass, its own key."""
    key = keys.get(p.pk)
    if key is None:
        key = base_key(p.authors[0].family if p.authors else "", p.year, p.title, p.slug)
    return key


# --- Entries ----------------------------------------------------------------------------------


def _entry_kind(status: str, venue_kind: str | None) -> str:
    if status in (PaperStatus.UNDER_REVIEW, PaperStatus.PREPRINT) or venue_kind is None:
        return "misc"
    if venue_kind in (VenueKind.CONFERENCE, VenueKind.WORKSHOP):
        return "inproceedings"
    if venue_kind == VenueKind.JOURNAL:
        return "article"
    return "misc"


def record_type(p: KeyRow | CitedPaper) -> str:
    """The entry type of a record: inproceedings, article or misc."""
    return _entry_kind(p.status, p.venue_kind)


def entry_type(paper: Paper) -> str:
    """The entry type of a model instance (the RIS export's types follow it)."""
    return _entry_kind(paper.status, paper.venue.kind if paper.venue else None)


def status_note(p: CitedPaper | Paper) -> str:
    """What a file says of a paper's status: "To appear", "Under review", "Preprint" (one
    without an arXiv id), else "" (the BibTeX note, RIS's N1, the Hugo Blox page)."""
    if p.status == PaperStatus.ACCEPTED:
        return "To appear"
    if p.status == PaperStatus.UNDER_REVIEW:
        return "Under review"
    if p.status == PaperStatus.PREPRINT and not p.arxiv_id:
        return "Preprint"
    return ""


def bibtex_name(author: Author, *, marks: bool = False) -> str:
    """``Hu, Qinghao``; ``{Plato}``; with ``marks``, the author's marks after the family name
    (``Hu*, Qinghao``), as al-folio writes and renders them."""
    sign = author.marks if marks else ""
    if not author.given:
        return "{" + latex_escape(author.family) + "}" + sign
    family, given = _name_part(author.family), _name_part(author.given)
    return family + sign + ", " + given


def _name_part(name: str) -> str:
    """A family or given name escaped as ``author`` holds it: braced whole when it holds a bare
    "and" (it would split the name in two); else each word that starts with an escaped
    character (``\\&``, ``\\_``) braced, which bibtexparser's author splitter (2.1) drops when
    the word begins a name or comes just before an "and"."""
    escaped = latex_escape(name)
    if _AND_WORD.search(escaped):
        return "{" + escaped + "}"
    if "\\" not in escaped:
        return escaped
    return " ".join("{" + w + "}" if w.startswith("\\") else w for w in escaped.split(" "))


def bibtex_fields(p: CitedPaper, kind: str, names: list[str]) -> list[tuple[str, str]]:
    """(name, value as written: braced, or a bare month macro) of the entry's fields, in
    order; ``names``: the authors as written (``bibtex_name``)."""
    fields = [("title", "{" + protect_title(p.title) + "}")]
    if names:
        if not p.authors_complete:
            names = [*names, "others"]
        fields.append(("author", "{" + " and ".join(names) + "}"))
    if kind == "inproceedings":
        fields.append(("booktitle", "{" + latex_escape(p.venue_name) + "}"))
    elif kind == "article":
        fields.append(("journal", "{" + latex_escape(p.venue_name) + "}"))
    elif p.venue_name is not None and p.status != PaperStatus.UNDER_REVIEW:
        # A preprint server or another kind of venue: where the work can be found.
        fields.append(("howpublished", "{" + latex_escape(p.venue_name) + "}"))
    # Where in the venue: series, volume, number, pages (``123--135``), articleno.
    fields += text_field("series", p.series)
    fields += text_field("volume", p.volume)
    fields += text_field("number", p.number)
    if p.pages:
        # The en dash stored between first and last page is BibTeX's "--".
        fields.append(("pages", "{" + latex_escape(p.pages).replace(PAGE_DASH, "--") + "}"))
    fields += text_field("articleno", p.article_number)
    if p.year:
        fields.append(("year", "{" + str(p.year) + "}"))
    if p.month:
        # The standard month macros (jan, feb, ...) so styles print the month in their language.
        fields.append(("month", MONTHS[p.month - 1]))
    # The paper's own publisher, the event's place (``address`` of a proceedings paper, as
    # BibTeX styles print it), ISBN and ISSN. The event's dates have no BibTeX field that takes
    # them as written ("April 15–16, 2024"; biblatex's ``eventdate`` wants ISO dates).
    fields += text_field("publisher", p.publisher)
    if p.event_place and kind == "inproceedings":
        fields.append(("address", "{" + latex_escape(p.event_place) + "}"))
    fields += verbatim_field("isbn", p.isbn)
    fields += verbatim_field("issn", p.issn)
    fields += verbatim_field("doi", p.doi)
    fields += verbatim_field("url", p.url)
    if p.arxiv_id:
        fields.append(("eprint", "{" + verbatim(p.arxiv_id) + "}"))
        fields.append(("archiveprefix", "{arXiv}"))
    if p.keywords:
        fields.append(("keywords", "{" + ", ".join(map(latex_escape, p.keywords)) + "}"))
    for name, attribute in LINK_FIELDS:
        value = getattr(p, attribute)
        if value:
            fields.append((name, "{" + verbatim(value) + "}"))
    # Only the status goes into the note: the public note ("Invited Submission to ;login:") is
    # for the paper's page, and the curators' note (Paper.curator_note) is on no page or file.
    note = status_note(p)
    if note:
        fields.append(("note", "{" + latex_escape(note) + "}"))
    return fields


def entry_text(kind: str, key: str, fields: list[tuple[str, str]], widest: int) -> str:
    """One entry as bibtexparser 2's writer writes it (two-space indent, each value one column
    past a field name ``widest`` long, no trailing comma)."""
    last = len(fields) - 1
    lines = [f"@{kind}{{{key},\n"]
    for number, (name, value) in enumerate(fields):
        pad = " " * (widest - len(name))
        lines.append(f"  {name}{pad} = {value}{',' if number < last else ''}\n")
    lines.append("}\n")
    return "".join(lines)


def batched(texts: Iterable[str], separator: str = "", size: int = TEXT_CHUNK) -> Iterator[str]:
    """``separator.join(texts)`` handed out in pieces of about ``size`` characters."""
    parts, length, first = [], 0, True
    for text in texts:
        if not first:
            parts.append(separator)
        first = False
        parts.append(text)
        length += len(text)
        if length >= size:
            yield "".join(parts)
            parts, length = [], 0
    if parts:
        yield "".join(parts)


class Export(NamedTuple):
    """A file being written: the number of papers in it (known after the key pass) and its
    text, in pieces, read from the database as they are consumed."""

    count: int
    chunks: Iterator[str]


def bibtex_entries(records: Iterable[CitedPaper], passed: KeyPass) -> Iterator[str]:
    names: dict[Author, str] = {}
    for p in records:
        written = []
        for author in p.authors:
            name = names.get(author)
            if name is None:
                name = names[author] = bibtex_name(author)
            written.append(name)
        kind = record_type(p)
        fields = bibtex_fields(p, kind, written)
        yield entry_text(kind, record_key(p, passed.keys), fields, passed.widest)


def bibtex_export(papers: QuerySet) -> Export:
    """The .bib file of ``papers`` in their order (``cited_export``: a short list read now,
    a long one keyed now and its entries written as ``chunks`` is consumed, in constant
    memory)."""
    passed, records = cited_export(papers)
    entries = bibtex_entries(records, passed)
    return Export(len(passed.keys), batched(entries, "\n\n"))


def papers_to_bibtex(papers: QuerySet | Iterable[Paper]) -> str:
    """A .bib file of ``papers``, in the order given: a queryset is read as plain rows
    (``bibtex_export``); model instances (best loaded with Paper.objects.for_list()) are
    written the same way."""
    if isinstance(papers, QuerySet):
        return "".join(bibtex_export(papers).chunks)
    records = [cited_paper(paper) for paper in papers]
    return "".join(batched(bibtex_entries(records, records_key_pass(records)), "\n\n"))


def paper_to_bibtex(paper: Paper) -> str:
    """One paper's entry, e.g. for the copyable box on its page."""
    return papers_to_bibtex([paper])
