"""Suggested duplicates among venues and papers, and preprints that are versions of published
papers (``lab.core.duplicates`` says how detectors work).

Venues are compared by what is left of their names once the wrapping of proceedings is set
aside ("Proceedings of the 28th ... (CIKM '19)": "Proceedings of", ordinals, years, an
abbreviation in parentheses, "International", "&" for "and"), and by short names, which may be
the initials of the other's name ("CIKM"). Two venues with different short names are most
likely different venues.

Papers are compared by title, folded as rapidfuzz's default_process folds it (titles are
blocked by their first and by their last four words, and compared with those at least 90%
alike), within one year of each other, and then by their bylines: the same title by other
people is another paper, and so is a title with other numbers ("Part 2"); two DOIs count
against. A preprint and a published (or accepted) paper with the same title and mostly the
same authors are two versions of one work (kind "version"): the curator links them (the
preprint's ``published_version``) rather than merging them; a preprint already linked is not
suggested again.

Each function runs a fixed number of queries whatever the number of records.
"""

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from lab.core.duplicates import (
    Blocks,
    ScanStats,
    Suggestion,
    acronym,
    bounded,
    close_matches,
    count_words,
    filled,
    fold,
    keep_first,
    kept_apart_pairs,
    numbers,
    processed,
    ranked,
    suggest_pairs,
    word_set,
)
from people import duplicates as people_duplicates
from people.models import Institution, Person
from publications.enums import PaperStatus
from publications.models import Authorship, Paper, Venue

# --- venues ------------------------------------------------------------------------------

_VENUE_FILLER = word_set(
    "proceedings proc of the on and for in at to a an international intl annual"
)
_KIND_WORDS = word_set(
    "conference symposium workshop journal transactions letters magazine forum"
)
_PUBLISHER_WORDS = word_set("acm ieee usenix ifip siam springer elsevier")
_ORDINAL_WORDS = word_set(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth "
    "twenty thirtieth thirty fortieth forty fiftieth fifty"
)
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_SHORT_YEAR = re.compile(r"['’‘]\d{2}\b")
_PARENTHESES = re.compile(r"\(([^)]*)\)")
# Words too common to block on: venues that share only these meet through other words.
_VENUE_BLOCK_LIMIT = 50
_ALIKE = 60  # names less alike than this are not worth a line of evidence
# "Workshop on Hot Topics in Networks" / "... in Operating Systems" (HotOS): 71.
VENUE_THRESHOLD = 75.0


@dataclass(frozen=True)
class VenueName:
    """What a venue's name and short name say once the wrapping is set aside."""

    core: str  # the name's words that tell venues apart, e.g. "conference information ..."
    explicit: str  # the short name given (the field, or else an abbreviation in parentheses)
    shorts: frozenset[str]  # every short form: the explicit one, a name of one word
    initials: frozenset[str]  # the name's initials, with and without words like "conference"


def _short(text: str) -> str:
    words = processed(_SHORT_YEAR.sub(" ", fold(text))).split()
    return "".join(word for word in words if not _YEAR.match(word) and not word.isdigit())


def venue_name(name: str, short_name: str = "") -> VenueName:
    text = _SHORT_YEAR.sub(" ", fold(name).replace("&", " and "))
    in_parentheses = [
        short for short in map(_short, _PARENTHESES.findall(text)) if 2 <= len(short) <= 12
    ]
    words = [
        word
        for word in processed(_PARENTHESES.sub(" ", text)).split()
        if word not in _VENUE_FILLER
        and word not in _ORDINAL_WORDS
        and not _ORDINAL.match(word)
        and not _YEAR.match(word)
    ]
    explicit = _short(short_name) or next(iter(in_parentheses), "")
    shorts = {explicit, *in_parentheses} - {""}
    if len(words) == 1:
        shorts.add(words[0])
    plain = [word for word in words if word not in _KIND_WORDS]
    initials = {
        acronym(words),
        acronym(plain),
        acronym(word for word in words if word not in _PUBLISHER_WORDS),
        acronym(word for word in plain if word not in _PUBLISHER_WORDS),
    }
    return VenueName(
        " ".join(words),
        explicit,
        frozenset(shorts),
        frozenset(initial for initial in initials if len(initial) >= 3),
    )


def _venue_pairs(names: dict[int, VenueName]) -> set[tuple[int, int]]:
    shorts, words = Blocks(), Blocks()
    for pk, name in names.items():
        for short in name.shorts | name.initials:
            shorts.add(short, pk)
        for word in set(name.core.split()) - _KIND_WORDS - _PUBLISHER_WORDS:
            if len(word) >= 3:
                words.add(word, pk)
    return shorts.pairs() | words.pairs(max_size=_VENUE_BLOCK_LIMIT)


def _venue_name_points(first: Venue, second: Venue, a: VenueName, b: VenueName):
    """The name's points (0-100) and words."""
    similarity = fuzz.token_sort_ratio(a.core, b.core)
    points, evidence = similarity, []
    if fold(first.name) == fold(second.name):
        evidence.append("same name")
    elif similarity >= _ALIKE:
        alike = "same name" if similarity == 100 else f"names {similarity:.0f}% alike"
        evidence.append(f"{alike}: {first.name} / {second.name}")
    if a.shorts & b.shorts:
        points = max(points, 90.0)
        evidence.append(f"same short name: {sorted(a.shorts & b.shorts)[0].upper()}")
    elif a.explicit and b.explicit:
        points -= 25
        evidence.append(f"different short names: {a.explicit.upper()} / {b.explicit.upper()}")
    elif a.shorts & b.initials or b.shorts & a.initials:
        initials, named = sorted(a.shorts & b.initials), second
        if not initials:
            initials, named = sorted(b.shorts & a.initials), first
        points = max(points, 85.0)
        evidence.append(f"{initials[0].upper()}: the initials of {named.name}")
    if numbers(a.core) != numbers(b.core):
        points -= 30
        evidence.append(f"different numbers: {first.name} / {second.name}")
    return points, evidence


def _venue_suggestion(
    first: Venue, second: Venue, names: dict[int, VenueName], publishers: dict[int, str]
) -> Suggestion | None:
    first, second = keep_first(
        first, second, lambda v: (filled(v, ("short_name", "publisher_id", "url", "dblp")),)
    )
    points, evidence = _venue_name_points(first, second, names[first.pk], names[second.pk])
    if first.kind != second.kind:
        points -= 15
        kinds = (first.get_kind_display().lower(), second.get_kind_display().lower())
        evidence.append(f"a {kinds[0]} and a {kinds[1]}")
    if first.publisher_id and second.publisher_id:
        if first.publisher_id == second.publisher_id:
            points += 5
            evidence.append(f"both published by {publishers[first.publisher_id]}")
        else:
            points -= 10
            evidence.append(
                f"published by {publishers[first.publisher_id]} / "
                f"{publishers[second.publisher_id]}"
            )
    score = bounded(points)
    if score < VENUE_THRESHOLD:
        return None
    return Suggestion("venue", first, second, score, tuple(evidence))


def _scan_venues(pairs, by_pk, names, kept_apart) -> list[Suggestion]:
    rows = Institution.objects.filter(pk__in=Venue.objects.values("publisher_id"))
    rows = rows.values_list("pk", "short_name", "name")
    publishers = {pk: short or name for pk, short, name in rows}
    return suggest_pairs(
        pairs,
        kept_apart,
        lambda a, b: _venue_suggestion(by_pk[a], by_pk[b], names, publishers),
    )


def _venues() -> tuple[dict[int, Venue], dict[int, VenueName]]:
    venues = Venue.objects.only(
        "name", "short_name", "kind", "publisher", "url", "dblp", "created"
    ).order_by("pk")
    by_pk = {venue.pk: venue for venue in venues}
    return by_pk, {pk: venue_name(v.name, v.short_name) for pk, v in by_pk.items()}


def suggest_venues(*, limit: int | None = None, stats: ScanStats | None = None) -> list[Suggestion]:
    """Venues that may be one venue, most likely first: three queries."""
    by_pk, names = _venues()
    pairs = _venue_pairs(names)
    found = _scan_venues(pairs, by_pk, names, kept_apart_pairs(Venue))
    if stats is not None:
        stats.note(len(by_pk), len(pairs), len(found))
    return ranked(found, limit)


def venue_suggestions(venue: Venue) -> list[Suggestion]:
    """The suggestions involving ``venue``: three queries."""
    by_pk, names = _venues()
    pairs = {pair for pair in _venue_pairs(names) if venue.pk in pair}
    return ranked(_scan_venues(pairs, by_pk, names, kept_apart_pairs(Venue, venue)))


# --- papers ------------------------------------------------------------------------------

_EARLIER = frozenset({PaperStatus.PREPRINT})
_LATER = frozenset({PaperStatus.PUBLISHED, PaperStatus.ACCEPTED})
_PAPER_YEARS = 1  # a paper and its duplicate: at most a year apart
_VERSION_YEARS = 2  # a preprint: at most two years before the paper, or a year after
_TITLE_CUTOFF = 90.0  # fuzz.ratio of the folded titles
_TITLE_WORDS = 4  # titles are blocked by their first and by their last words
PAPER_THRESHOLD = 60.0
VERSION_THRESHOLD = 70.0
_PAPER_FIELDS = (
    "title",
    "year",
    "status",
    "venue",
    "doi",
    "arxiv_id",
    "url",
    "published_version",
    "authors_complete",
    "created",
)


@dataclass
class _Papers:
    """The papers compared, their folded titles and who wrote them."""

    rows: list[Paper]
    titles: list[str]
    authors: dict[int, set[int]]
    venues: dict[int, str]

    @classmethod
    def load(cls, papers: list[Paper], bylines) -> "_Papers":
        authors: dict[int, set[int]] = defaultdict(set)
        for paper, person in bylines.values_list("paper_id", "person_id"):
            authors[paper].add(person)
        venues = {
            pk: short or name
            for pk, short, name in Venue.objects.order_by().values_list("pk", "short_name", "name")
        }
        return cls(papers, [processed(paper.title) for paper in papers], authors, venues)


def _title_keys(title: str) -> set[tuple[str, tuple[str, ...]]]:
    """A folded title's first and last words: a typo or a changed word leaves one of them."""
    words = tuple(title.split())
    return {("head", words[:_TITLE_WORDS]), ("tail", words[-_TITLE_WORDS:])}


def _near_years(first: int | None, second: int | None, window: int) -> bool:
    return first is None or second is None or abs(first - second) <= window


def _title_matches(
    titles: list[str], years: list[int | None], window: int
) -> tuple[dict[tuple[int, int], float], int]:
    """Pairs of indexes of titles at least _TITLE_CUTOFF alike, with their score, and the
    number of comparisons made. Titles are compared within a block (a key of _title_keys)
    only with those at most ``window`` years later (an undated paper with every year), by
    rapidfuzz over the block's titles at once."""
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for index, title in enumerate(titles):
        for key in _title_keys(title):
            blocks[key].append(index)
    found: dict[tuple[int, int], float] = {}
    compared = 0
    for members in blocks.values():
        if len(members) < 2:
            continue
        dated = sorted((i for i in members if years[i] is not None), key=years.__getitem__)
        undated = [i for i in members if years[i] is None]
        dated_years = [years[i] for i in dated]
        for position, index in enumerate(dated):
            end = bisect_right(dated_years, years[index] + window, lo=position + 1)
            compared += _match(index, dated[position + 1 : end], titles, found)
        for position, index in enumerate(undated):
            compared += _match(index, undated[position + 1 :] + dated, titles, found)
    return found, compared


def _match(index: int, others: list[int], titles: list[str], found: dict) -> int:
    if others:
        choices = [titles[other] for other in others]
        for position, score in close_matches(titles[index], choices, cutoff=_TITLE_CUTOFF):
            other = others[position]
            found[(min(index, other), max(index, other))] = score
    return len(others)


def _title_evidence(first: Paper, second: Paper, similarity: float) -> tuple[float, str]:
    """Points (0-70) and words: 70 for the same folded title, falling steeply below it (a
    title 90% alike is often another paper of the same group)."""
    if first.title == second.title:
        return 70.0, "same title"
    if similarity == 100:
        return 70.0, "same title but for case, accents and punctuation"
    return 70.0 * (similarity - 80) / 20, f"titles {similarity:.0f}% alike"


def _author_evidence(first: set[int], second: set[int]) -> tuple[float, str | None, float]:
    """Points (-30 to 25), words and the share of the longer byline both have."""
    if not first or not second:
        return 0.0, None, 0.0
    shared = len(first & second)
    bylines = f"(bylines of {len(first)} and {len(second)})"
    if first == second:
        words = "same authors"
    elif shared:
        words = f"{count_words(shared, 'shared author')} {bylines}"
    else:
        words = f"no author in common {bylines}"
    points = -30 + 55 * shared / min(len(first), len(second))
    return points, words, shared / max(len(first), len(second))


def _details_evidence(first: Paper, second: Paper, venues: dict[int, str]):
    """Points and words from the years, venues and identifiers."""
    points, evidence = 0.0, []
    if first.status != second.status:
        evidence.append(f"{first.get_status_display()} / {second.get_status_display()}".lower())
    if first.year is not None and second.year is not None:
        if first.year == second.year:
            points += 5
            evidence.append(f"both {first.year}")
        else:
            evidence.append(f"years {first.year} / {second.year}")
    if first.venue_id and second.venue_id:
        if first.venue_id == second.venue_id:
            points += 5
            evidence.append(f"both at {venues[first.venue_id]}")
        else:
            points -= 5
            evidence.append(f"at {venues[first.venue_id]} / {venues[second.venue_id]}")
    if first.doi and second.doi and first.doi.casefold() != second.doi.casefold():
        points -= 25
        evidence.append(f"different DOIs: {first.doi} / {second.doi}")
    if first.arxiv_id and second.arxiv_id and first.arxiv_id != second.arxiv_id:
        points -= 15
        evidence.append(f"different arXiv ids: {first.arxiv_id} / {second.arxiv_id}")
    return points, evidence


def _is_version_pair(first: Paper, second: Paper) -> bool:
    statuses = {first.status, second.status}
    return bool(statuses & _EARLIER) and bool(statuses & _LATER) and len(statuses) == 2


def _linked(first: Paper, second: Paper) -> bool:
    return first.published_version_id == second.pk or second.published_version_id == first.pk


def _paper_completeness(papers: _Papers):
    def completeness(paper: Paper) -> tuple:
        return (
            paper.status in _LATER,
            filled(paper, ("doi", "arxiv_id", "venue_id", "year", "url")),
            len(papers.authors.get(paper.pk, ())),
        )

    return completeness


def _paper_suggestion(first: Paper, second: Paper, similarity: float, papers: _Papers):
    if _is_version_pair(first, second) or _linked(first, second):
        return None
    if not _near_years(first.year, second.year, _PAPER_YEARS):
        return None
    first, second = keep_first(first, second, _paper_completeness(papers))
    if numbers(processed(first.title)) != numbers(processed(second.title)):
        return None  # "Part 1" / "Part 2"
    points, title = _title_evidence(first, second, similarity)
    authors, author_words, _share = _author_evidence(
        papers.authors.get(first.pk, set()), papers.authors.get(second.pk, set())
    )
    details, evidence = _details_evidence(first, second, papers.venues)
    score = bounded(points + authors + details)
    if score < PAPER_THRESHOLD:
        return None
    words = (title, *filter(None, [author_words]), *evidence)
    return Suggestion("paper", first, second, score, words)


def _version_suggestion(first: Paper, second: Paper, similarity: float, papers: _Papers):
    if not _is_version_pair(first, second):
        return None
    preprint, paper = (first, second) if first.status in _EARLIER else (second, first)
    if preprint.published_version_id is not None:
        return None  # already placed as a version of a work (of this one or another)
    if preprint.year and paper.year and not -_VERSION_YEARS <= preprint.year - paper.year <= 1:
        return None
    if numbers(processed(first.title)) != numbers(processed(second.title)):
        return None  # "Part 1" / "Part 2"
    points, title = _title_evidence(first, second, similarity)
    _points, author_words, share = _author_evidence(
        papers.authors.get(preprint.pk, set()), papers.authors.get(paper.pk, set())
    )
    if share < 0.5:
        return None  # not mostly the same authors
    points += 25 * share
    evidence = [title, author_words]
    if preprint.year and paper.year:
        points += 5
        status = paper.get_status_display().lower()
        evidence.append(f"preprint {preprint.year}, {status} {paper.year}")
    if paper.venue_id:
        evidence.append(f"published at {papers.venues[paper.venue_id]}")
    score = bounded(points)
    if score < VERSION_THRESHOLD:
        return None
    return Suggestion("version", paper, preprint, score, tuple(evidence))


def _scan_papers(papers: _Papers, matches, kept_apart, suggest) -> list[Suggestion]:
    """Suggestions of the pairs of ``matches`` (indexes into ``papers.rows``: score)."""
    rows = papers.rows
    index = {row.pk: position for position, row in enumerate(rows)}
    apart = {
        frozenset(index[pk] for pk in pair) for pair in kept_apart if pair <= index.keys()
    }
    return suggest_pairs(
        matches, apart, lambda a, b: suggest(rows[a], rows[b], matches[a, b], papers)
    )


def _all_papers() -> _Papers:
    rows = list(Paper.objects.only(*_PAPER_FIELDS).order_by("pk"))
    return _Papers.load(rows, Authorship.objects.order_by())


def _scan_all(suggest, window, limit, stats) -> list[Suggestion]:
    papers = _all_papers()
    matches, compared = _title_matches(papers.titles, [row.year for row in papers.rows], window)
    found = _scan_papers(papers, matches, kept_apart_pairs(Paper), suggest)
    if stats is not None:
        stats.note(len(papers.rows), compared, len(found))
    return ranked(found, limit)


def suggest_papers(*, limit: int | None = None, stats: ScanStats | None = None) -> list[Suggestion]:
    """Papers that may be one paper (kind "paper"), most likely first: four queries."""
    return _scan_all(_paper_suggestion, _PAPER_YEARS, limit, stats)


def suggest_versions(
    *, limit: int | None = None, stats: ScanStats | None = None
) -> list[Suggestion]:
    """Preprints that may be versions of published papers (kind "version"; ``first`` the
    published paper, ``second`` the preprint), most likely first: four queries."""
    return _scan_all(_version_suggestion, _VERSION_YEARS, limit, stats)


def paper_suggestions(paper: Paper) -> list[Suggestion]:
    """The suggestions of both kinds involving ``paper``: five queries."""
    rows = Paper.objects.order_by("pk").values_list("pk", "title", "year")
    keys, year = _title_keys(processed(paper.title)), paper.year
    ids = {
        pk
        for pk, title, other_year in rows
        if _near_years(year, other_year, _VERSION_YEARS) and keys & _title_keys(processed(title))
    } | {paper.pk}
    candidates = list(Paper.objects.filter(pk__in=ids).only(*_PAPER_FIELDS).order_by("pk"))
    papers = _Papers.load(candidates, Authorship.objects.filter(paper_id__in=ids).order_by())
    kept_apart = kept_apart_pairs(Paper, paper)
    mine = next((i for i, row in enumerate(candidates) if row.pk == paper.pk), None)
    if mine is None:
        return []
    matches = {}
    for other, title in enumerate(papers.titles):
        similarity = fuzz.ratio(papers.titles[mine], title)
        if other != mine and similarity >= _TITLE_CUTOFF:
            matches[min(mine, other), max(mine, other)] = similarity
    found = _scan_papers(papers, matches, kept_apart, _paper_suggestion)
    found += _scan_papers(papers, matches, kept_apart, _version_suggestion)
    return ranked(found)


def suggestions_for(record) -> list[Suggestion]:
    """The suggestions involving one record of any kind, for its admin change page."""
    if isinstance(record, Paper):
        return paper_suggestions(record)
    if isinstance(record, Venue):
        return venue_suggestions(record)
    if isinstance(record, (Person, Institution)):
        return people_duplicates.suggestions_for(record)
    raise TypeError(f"No duplicates are suggested for {type(record).__name__}.")

