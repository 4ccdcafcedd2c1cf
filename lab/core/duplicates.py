"""What every duplicate detector shares (``people.duplicates``, ``publications.duplicates``).

A detector loads the few columns it compares in a fixed number of queries, groups the records
by *blocking keys* (a family name with an initial, a title's first words, a short name), and
scores only the pairs that share a key: comparing every pair of 3,000 people is 4.5 million
comparisons, comparing within blocks a few thousand. A score is never a verdict: each
suggestion says in words why the two may be one record (``evidence``), and a lab admin
decides: merges them, links them, or marks them as kept apart, which no detector suggests
again.

Text is compared as rapidfuzz compares it after ``rapidfuzz.utils.default_process`` (lower
case, anything but letters and digits a space), with accents folded first: ``processed``.
Each string is processed once and the scorers are called on the processed strings, which is
what ``processor=default_process`` would do on every call.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass

from django.db import models
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

KINDS = ("person", "institution", "venue", "paper", "version")


@dataclass(frozen=True)
class Suggestion:
    """Two records that may be one (or, for "version", two versions of one work)."""

    kind: str  # one of KINDS
    first: object  # the record to keep by default (the more complete, then the older one)
    second: object  # for import previews (people.duplicates.existing_matches): a name
    score: float  # 0-100, higher = more likely the same
    evidence: tuple[str, ...]  # in words: "3 shared co-authors", "both at CIKM"

    def involves(self, record) -> bool:
        return record in (self.first, self.second)

    def other(self, record):
        """The record of the pair that is not ``record``."""
        return self.second if self.first == record else self.first


@dataclass
class ScanStats:
    """What one scan did, for the benchmark: records read, pairs scored after blocking (of
    ``naive_pairs`` without it), suggestions made."""

    records: int = 0
    candidate_pairs: int = 0
    suggestions: int = 0

    @property
    def naive_pairs(self) -> int:
        return self.records * (self.records - 1) // 2

    def note(self, records: int, pairs: int, suggestions: int) -> None:
        self.records, self.candidate_pairs, self.suggestions = records, pairs, suggestions


def word_set(text: str) -> frozenset[str]:
    """The words of ``text``: word lists kept readable in code."""
    return frozenset(text.split())


def fold(text: str) -> str:
    """``text`` without accents, case folded: "Université" -> "universite"."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def processed(text: str) -> str:
    """``text`` as the scorers compare it: accents folded, then rapidfuzz's default_process,
    runs of spaces collapsed."""
    return " ".join(default_process(fold(text)).split())


def close_matches(
    query: str, choices: Sequence[str], *, scorer: Callable = fuzz.ratio, cutoff: float
) -> list[tuple[int, float]]:
    """(index into ``choices``, score) of every choice scoring at least ``cutoff`` against
    ``query``, in one call to rapidfuzz; all strings already ``processed``."""
    found = process.extract(query, choices, scorer=scorer, score_cutoff=cutoff, limit=None)
    return [(index, score) for _choice, score, index in found]


def numbers(text: str) -> tuple[str, ...]:
    """The numbers among the words of a ``processed`` text: "Paris 8", "Part 2" and "GPT 4"
    name other things than "Paris 1", "Part 1" and "GPT 3", however alike the rest."""
    return tuple(word for word in text.split() if word.isdigit())


def acronym(words: Iterable[str]) -> str:
    """ "hong kong university science technology" -> "hkust"."""
    return "".join(word[0] for word in words if word)


class Blocks:
    """Items grouped by blocking key; only items that share a key are compared.

    ``max_size`` drops keys shared by more items than that (a word like "conference"): such a
    key tells nothing, and the items meet through their other keys.
    """

    def __init__(self) -> None:
        self._members: dict[Hashable, list[int]] = defaultdict(list)

    def add(self, key: Hashable, item: int) -> None:
        members = self._members[key]
        if not members or members[-1] != item:
            members.append(item)

    def members(self, key: Hashable) -> list[int]:
        return self._members.get(key, [])

    def groups(self, *, max_size: int | None = None) -> Iterable[list[int]]:
        for members in self._members.values():
            if len(members) > 1 and (max_size is None or len(members) <= max_size):
                yield members

    def pairs(self, *, max_size: int | None = None) -> set[tuple[int, int]]:
        """Every pair (a, b) with a < b of items in one block."""
        found: set[tuple[int, int]] = set()
        for members in self.groups(max_size=max_size):
            ordered = sorted(set(members))
            for position, first in enumerate(ordered):
                found.update((first, second) for second in ordered[position + 1 :])
        return found


class Bylines:
    """Who wrote which paper, where and when, from byline rows (person, paper, venue, year):
    the evidence that two people are one."""

    def __init__(self, rows: Iterable[tuple[int, int, int | None, int | None]]):
        self.papers: dict[int, set[int]] = defaultdict(set)
        self.authors: dict[int, list[int]] = defaultdict(list)
        self.venues: dict[int, set[int]] = defaultdict(set)
        self.years: dict[int, tuple[int, int]] = {}
        self._coauthors: dict[int, set[int]] = {}
        for person, paper, venue, year in rows:
            self.papers[person].add(paper)
            self.authors[paper].append(person)
            if venue is not None:
                self.venues[person].add(venue)
            if year is not None:
                low, high = self.years.get(person, (year, year))
                self.years[person] = (min(low, year), max(high, year))

    def coauthors(self, person: int) -> set[int]:
        if person not in self._coauthors:
            papers = self.papers.get(person, ())
            found = {other for paper in papers for other in self.authors[paper]}
            found.discard(person)
            self._coauthors[person] = found
        return self._coauthors[person]

    def together(self, first: int, second: int) -> bool:
        """Both are authors of one paper."""
        return not self.papers.get(first, set()).isdisjoint(self.papers.get(second, set()))


def kept_apart_pairs(model: type[models.Model], record=None) -> set[frozenset[int]]:
    """The pairs of ids a lab admin marked as not the same (``MergeableModel.kept_apart``), in
    one query; only those of ``record`` when given."""
    through = model._meta.get_field("kept_apart").remote_field.through
    name = model._meta.model_name
    source, target = f"from_{name}_id", f"to_{name}_id"
    rows = through.objects.all()
    if record is not None:
        rows = rows.filter(**{source: record.pk})
    return {frozenset(pair) for pair in rows.values_list(source, target)}


def suggest_pairs(
    pairs: Iterable[tuple[int, int]],
    kept_apart: set[frozenset[int]],
    suggest: Callable[[int, int], "Suggestion | None"],
) -> list[Suggestion]:
    """The suggestions ``suggest`` makes of the pairs, less the pairs kept apart."""
    found = []
    for first, second in pairs:
        if frozenset((first, second)) not in kept_apart:
            suggestion = suggest(first, second)
            if suggestion is not None:
                found.append(suggestion)
    return found


def keep_first(first, second, completeness: Callable[[object], tuple]) -> tuple[object, object]:
    """The pair ordered as a merge would keep them: the more complete record first (by the
    detector's ``completeness`` tuple, compared highest first), then the older one."""

    def rank(record):
        return (*(-value for value in completeness(record)), record.created, record.pk)

    return (first, second) if rank(first) <= rank(second) else (second, first)


def filled(record, fields: Iterable[str]) -> int:
    """How many of ``fields`` the record has a value in."""
    return sum(1 for name in fields if getattr(record, name) not in ("", None))


def ranked(suggestions: Iterable[Suggestion], limit: int | None = None) -> list[Suggestion]:
    """Highest score first; ties in the order of the names, so a list never reshuffles."""

    def key(suggestion: Suggestion):
        return (
            -suggestion.score,
            str(suggestion.first).casefold(),
            str(suggestion.second).casefold(),
            getattr(suggestion.first, "pk", 0),
            getattr(suggestion.second, "pk", 0),
        )

    result = sorted(suggestions, key=key)
    return result if limit is None else result[:limit]


def count_words(count: int, one: str, many: str | None = None) -> str:
    """ "1 shared co-author", "3 shared co-authors"."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def listing(names: Sequence[str], *, most: int = 3) -> str:
    """ "CIKM", "CIKM and SIGMOD", "CIKM, KDD and 2 more"."""
    names = list(names)
    if len(names) > most:
        shown, rest = names[: most - 1], len(names) - (most - 1)
        return f"{', '.join(shown)} and {rest} more"
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def year_span(low: int, high: int) -> str:
    """ "2019", "2015–2020"."""
    return str(low) if low == high else f"{low}–{high}"


def bounded(score: float) -> float:
    """A score kept within 0-100, to one decimal."""
    return round(min(100.0, max(0.0, score)), 1)
