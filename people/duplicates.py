"""Suggested duplicates among people and institutions, and the people a new name may be.

People are compared by name first, as a curator reads a byline: accents, case and dots do not
count; an initial agrees with any given name it begins ("A. C." = "Anna Cinzia"); a middle name
on one side only does not disagree ("Jason O. Hallstrom" / "Jason Hallstrom"); given and family
names may be swapped ("Wang Hao" / "Hao Wang"); aliases count as names. Two full given names
that differ ("Hao" / "Haoyu") are namesakes unless the papers say otherwise: such a pair is
scored low, and suggested only with evidence. The papers give the evidence: co-authors both
share (counted from the byline table, beyond those chance would give two prolific people),
venues both published at, the years of their papers.
Two authors of one paper are never one person (a byline lists a person once), so such pairs
are never suggested; nor are pairs a lab admin kept apart.

The byline table belongs to ``publications``, which this app never imports: it is read through
Person's reverse relation (``Person.authorships``), as ``people.models`` does.

Each function runs a fixed number of queries whatever the number of records (3,000 people and
20,000 papers: about a second for the whole scan).
"""

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from lab.core.duplicates import (
    Blocks,
    Bylines,
    ScanStats,
    Suggestion,
    acronym,
    bounded,
    count_words,
    filled,
    keep_first,
    kept_apart_pairs,
    listing,
    numbers,
    processed,
    ranked,
    suggest_pairs,
    word_set,
    year_span,
)
from people.models import Institution, Person
from people.names import normalize_name

# --- names -------------------------------------------------------------------------------

# "A.", "A.J.", "A", "AJ": initials; an all-capital word of three letters or more is a name.
_INITIALS = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]?$|^[^\W\d_]$|^[A-Z]{2}$")

# Points of the name part (out of 65) per relation, times the rapidfuzz token-sort score of
# the names with given names cut to the initials the other has (_abbreviated).
_NAME_FACTORS = {
    "same": 0.65, "swapped": 0.60, "agree": 0.60, "initials": 0.50, "family": 0.45,
    "lookalike": 0.30,
}  # fmt: skip
# The papers' part (out of 35): shared co-authors beyond those chance would give (points for
# 0, 1, 2, 3 or more, in between for fractions), venues, years.
_CO_AUTHOR_POINTS = (0, 12, 20, 25)
_VENUE_POINTS = 5
_YEAR_POINTS = 5
_YEARS_NEAR = 2  # papers at most this many years apart count as the same years
_SLUG_ONLY_PENALTY = 10
PERSON_THRESHOLD = 50.0


@dataclass(frozen=True)
class WrittenName:
    """One way a person's name is written, split for comparing."""

    text: str  # as written, e.g. "Anna C. Squicciarini"
    written: tuple[str, ...]  # folded words in the written order
    given: tuple[str, ...]  # folded given names; an initial is one letter
    family: tuple[str, ...]  # folded family name words
    owner: str = ""  # for an alias: the person's name

    @property
    def label(self) -> str:
        return f"{self.text} (alias of {self.owner})" if self.owner else self.text


@functools.lru_cache(maxsize=2**16)  # names share their words: scans fold each once
def _word(raw: str) -> str:
    return normalize_name(raw).replace(" ", "")


def clear_cache() -> None:
    """Forget the folded words, so that a benchmark measures a cold scan."""
    _word.cache_clear()


def _given_words(raw_words: Sequence[str]) -> tuple[str, ...]:
    """Folded given names, initials one letter each ("A.J." -> "a", "j")."""
    return tuple(
        part
        for raw in raw_words
        for part in (_word(raw) if _INITIALS.match(raw) else [_word(raw)])
        if part
    )


def parse_name(text: str, *, family: str = "", owner: str = "") -> WrittenName:
    """Split a written name. ``family`` (the person's family name field) says where the split
    is when the name holds it, at the end or first ("Wang Hao"); else a comma does ("Wang,
    Hao"); else the last word is the family name."""
    text = " ".join(text.split())
    if "," in text and not family:
        family = text.split(",", 1)[0]
    raw = text.replace(",", " ").split()
    words = [_word(part) for part in raw]
    family_words = tuple(filter(None, map(_word, family.split())))
    size, family_first = len(family_words), False
    if family_words and size < len(words) and tuple(words[-size:]) == family_words:
        given_raw = raw[:-size]
    elif family_words and size < len(words) and tuple(words[:size]) == family_words:
        given_raw, family_first = raw[size:], True
    else:
        family_words, given_raw = tuple(filter(None, words[-1:])), raw[:-1]
    given = _given_words(given_raw)
    # "Wang, Hao" says which name is which: it is written Hao Wang.
    swapped = family_first and "," not in text
    written = (*family_words, *given) if swapped else (*given, *family_words)
    return WrittenName(text, written, given, family_words, owner)


def _person_names(person: Person) -> list[WrittenName]:
    """The person's name (split where its family name field says), then its aliases."""
    primary = parse_name(person.name, family=person.family_name)
    aliases = [
        parse_name(alias, family=person.family_name or " ".join(primary.family), owner=person.name)
        for alias in person.alias_list
    ]
    return [name for name in (primary, *aliases) if name.written]


def _block_keys(name: WrittenName) -> set[tuple[str, str]]:
    """(a family name or a word that may be one, an initial): the family with the given
    initial, the first word with the last word's initial (swapped order, or a typo in the
    family name) and with the second word's, each part of a family name of several words."""
    keys = set()
    initial = name.given[0][0] if name.given else ""
    if name.family:
        keys.add(("".join(name.family), initial))
        keys.update((part, initial) for part in name.family if len(name.family) > 1)
    if len(name.written) > 1:
        keys.add((name.written[0], name.written[-1][0]))
        keys.add((name.written[0], name.written[1][0]))  # "Ixeia Sánchez [Pérez]"
    return keys


def _word_relation(first: str, second: str) -> str:
    """How two given names relate: "same", "initial" (A. / Anna), "lookalike" (Hao / Haoyu,
    Andy / Andrew) or "conflict"."""
    if first == second:
        return "initial" if len(first) == 1 else "same"
    if len(first) == 1 or len(second) == 1:
        return "initial" if first[0] == second[0] else "conflict"
    common = 0
    for x, y in zip(first, second, strict=False):
        if x != y:
            break
        common += 1
    if common >= min(3, len(first), len(second)) or fuzz.ratio(first, second) >= 80:
        return "lookalike"
    return "conflict"


def _given_relation(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, str]:
    """(relation, words): "agree" when the first given names are the same and the others do
    not disagree, "initials" when an initial stands for the first given name, "lookalike" or
    "conflict" when they differ; with the evidence's words."""
    if not first or not second:
        return "initials", "same family name, no given name on one"
    if "".join(first) == "".join(second):
        return "agree", "given names agree"
    lead = _word_relation(first[0], second[0])
    if lead in ("lookalike", "conflict"):
        return lead, "given names alike, not the same" if lead == "lookalike" else ""
    relations = [_word_relation(x, y) for x, y in zip(first[1:], second[1:], strict=False)]
    if any(relation in ("lookalike", "conflict") for relation in relations):
        return "conflict", ""
    if lead == "initial" or "initial" in relations:
        return ("agree" if lead == "same" else "initials"), "initials agree"
    extra = first[len(second) :] or second[len(first) :]
    if all(len(word) == 1 for word in extra):
        return "agree", "middle initial on one only"
    return "agree", "middle name on one only"


def _family_relation(first: tuple[str, ...], second: tuple[str, ...]) -> str:
    """"same", "near" (one more part, or a letter off) or ""."""
    if "".join(first) == "".join(second):
        return "same"
    if first and second and (set(first) <= set(second) or set(second) <= set(first)):
        return "near"
    # A letter off in a long name ("Squicciarini" / "Squiciarini"); short family names a
    # letter apart are different names (Chen / Cheng / Chan).
    shorter = min(len("".join(first)), len("".join(second)))
    allowed = 0 if shorter < 6 else 1 if shorter < 10 else 2
    if allowed and Levenshtein.distance("".join(first), "".join(second)) <= allowed:
        return "near"
    return ""


@dataclass(frozen=True)
class NameMatch:
    relation: str  # a key of _NAME_FACTORS, or "conflict" (never suggested)
    points: float
    evidence: str


def compare_names(first: WrittenName, second: WrittenName) -> NameMatch | None:
    """How two written names relate, None when they are not of one family."""
    pair = f"{first.label} / {second.label}"
    if first.written == second.written:
        words = "same name" if first.label == second.label else f"same name: {pair}"
        return NameMatch("same", 100 * _NAME_FACTORS["same"], words)
    rotations = {first.written[i:] + first.written[:i] for i in range(len(first.written))}
    same_parts = (first.given, first.family) == (second.given, second.family)
    if len(first.written) > 1 and (second.written in rotations or same_parts):
        return NameMatch(
            "swapped", 100 * _NAME_FACTORS["swapped"], f"given and family names swapped: {pair}"
        )
    family = _family_relation(first.family, second.family)
    if not family and _extends(first.written, second.written):
        family = "longer"  # "Ixeia Sánchez" / "Ixeia Sánchez Pérez", the family field unset
    if not family:
        return _swapped_match(first, second, pair)
    given, words = _given_relation(first.given, second.given)
    if given == "conflict" or (family != "same" and given == "lookalike"):
        return NameMatch("conflict", 0.0, f"different given names: {pair}")
    relation = given if family == "same" else "family"
    if family == "near":
        words = "family names nearly the same"
    elif family == "longer":
        words = "one name has more words"
    score = fuzz.token_sort_ratio(*_abbreviated(first, second))
    return NameMatch(relation, score * _NAME_FACTORS[relation], f"{words}: {pair}")


def _family_first(name: WrittenName) -> WrittenName:
    """The name read with its first word as the family name ("Silva Kenji")."""
    return WrittenName(name.text, name.written, name.written[1:], name.written[:1], name.owner)


def _swapped_match(first: WrittenName, second: WrittenName, pair: str) -> NameMatch | None:
    """ "Kenji P. Silva" / "Silva Kenji": swapped, and a middle initial on one only."""
    if len(first.written) < 2 or len(second.written) < 2:
        return None
    for a, b in ((first, _family_first(second)), (_family_first(first), second)):
        if "".join(a.family) == "".join(b.family):
            given, words = _given_relation(a.given, b.given)
            if given in ("agree", "initials"):
                score = fuzz.token_sort_ratio(*_abbreviated(a, b)) * _NAME_FACTORS["swapped"]
                words = f"given and family names swapped, {words}: {pair}"
                return NameMatch("swapped", score, words)
    return None


def _extends(first: tuple[str, ...], second: tuple[str, ...]) -> bool:
    shorter, longer = sorted((first, second), key=len)
    return 2 <= len(shorter) < len(longer) and longer[: len(shorter)] == shorter


def _abbreviated(first: WrittenName, second: WrittenName) -> tuple[str, str]:
    """The two names with a given name cut to its initial where the other has only the
    initial, and a middle name the other lacks to its initial, so that the score counts what
    is left to disagree: "anna c squicciarini" twice for Anna C. / Anna Cinzia Squicciarini
    (100), "anna c squicciarini" / "anna squicciarini" for Anna Cinzia / Anna (94)."""
    left, right = list(first.given), list(second.given)
    for index, (x, y) in enumerate(zip(left, right, strict=False)):
        if len(x) == 1 < len(y):
            right[index] = y[0]
        elif len(y) == 1 < len(x):
            left[index] = x[0]
    # A middle name the other lacks costs what a middle initial does.
    shorter = min(len(left), len(right))
    left[shorter:] = [word[0] for word in left[shorter:]]
    right[shorter:] = [word[0] for word in right[shorter:]]
    return " ".join((*left, *first.family)), " ".join((*right, *second.family))


def match_names(left: Sequence[WrittenName], right: Sequence[WrittenName]) -> NameMatch | None:
    """The best relation between two people's names (the first of each is the name, the rest
    aliases). When the names themselves have different given names, an alias overrides that
    only by being the very same name (or swapped): "K. Chen", an alias of Kai Chen, does not
    make him Kenji Chen."""
    if not left or not right:
        return None
    primary = compare_names(left[0], right[0])
    best = primary
    given_conflict = primary is not None and primary.relation in ("conflict", "lookalike")
    for first in left:
        for second in right:
            if first is left[0] and second is right[0]:
                continue
            match = compare_names(first, second)
            if match is None or (given_conflict and match.relation not in ("same", "swapped")):
                continue
            if best is None or match.points > best.points:
                best = match
    if best is None or best.relation == "conflict":
        return None
    return best


# --- the papers: co-authors, venues, years -------------------------------------------------


def _byline_model():
    """publications.Authorship, through Person's reverse relation."""
    return Person._meta.get_field("authorships").related_model


def _load_bylines(people: Iterable[int] | None = None) -> Bylines:
    """Every byline row, or those of the papers of ``people``: one query."""
    byline = _byline_model()
    rows = byline.objects.order_by()
    if people is not None:
        papers = byline.objects.filter(person_id__in=list(people)).values("paper_id")
        rows = rows.filter(paper_id__in=papers)
    return Bylines(rows.values_list("person_id", "paper_id", "paper__venue_id", "paper__year"))


def _venue_names() -> dict[int, str]:
    venue = _byline_model()._meta.get_field("paper").related_model._meta.get_field("venue")
    rows = venue.related_model.objects.order_by().values_list("pk", "short_name", "name")
    return {pk: short or name for pk, short, name in rows}


def _co_author_points(beyond_chance: float) -> float:
    points = _CO_AUTHOR_POINTS
    if beyond_chance >= len(points) - 1:
        return points[-1]
    if beyond_chance <= 0:
        return 0.0
    whole = int(beyond_chance)
    return points[whole] + (points[whole + 1] - points[whole]) * (beyond_chance - whole)


def _paper_evidence(
    first: int, second: int, bylines: Bylines, venues: dict[int, str], population: int
) -> tuple[float, list[str]]:
    """Points (0-35) and words from the two people's papers. Two prolific people of one field
    share co-authors by chance (about |A| x |B| / people of them): only those beyond that
    count."""
    points, evidence = 0.0, []
    mine, theirs = bylines.coauthors(first), bylines.coauthors(second)
    shared = len(mine & theirs)
    both_wrote = bool(bylines.papers.get(first)) and bool(bylines.papers.get(second))
    if shared:
        chance = len(mine) * len(theirs) / max(1, population - 2)
        points += _co_author_points(shared - chance)
        words = count_words(shared, "shared co-author")
        evidence.append(f"{words} ({chance:.1f} by chance)" if chance >= 0.5 else words)
    elif both_wrote:
        evidence.append("no co-author in common")
    common = sorted(
        venues.get(venue, "?")
        for venue in bylines.venues.get(first, set()) & bylines.venues.get(second, set())
    )
    if common:
        points += _VENUE_POINTS
        evidence.append(f"both at {listing(common)}")
    if first in bylines.years and second in bylines.years:
        (a_low, a_high), (b_low, b_high) = bylines.years[first], bylines.years[second]
        spans = f"{year_span(a_low, a_high)} / {year_span(b_low, b_high)}"
        if max(a_low, b_low) - min(a_high, b_high) <= _YEARS_NEAR:
            points += _YEAR_POINTS
            evidence.append(f"papers in the same years: {spans}")
        else:
            evidence.append(f"papers years apart: {spans}")
    return points, evidence


# --- people ------------------------------------------------------------------------------

_PERSON_FIELDS = (
    "name", "given_name", "family_name", "aliases", "slug", "match_by_name", "orcid", "email",
    "homepage", "created",
)  # fmt: skip
_COMPLETE_FIELDS = ("given_name", "family_name", "aliases", "orcid", "email", "homepage")


def _people() -> list[Person]:
    return list(Person.objects.only(*_PERSON_FIELDS).order_by("pk"))


def _person_blocks(names: dict[int, list[WrittenName]]) -> Blocks:
    blocks = Blocks()
    for pk, person_names in names.items():
        for name in person_names:
            for key in _block_keys(name):
                blocks.add(key, pk)
    return blocks


def _person_suggestion(first: Person, second: Person, names, bylines: Bylines, venues):
    if bylines.together(first.pk, second.pk):
        return None  # one byline lists a person once

    def completeness(person):
        return (len(bylines.papers.get(person.pk, ())), filled(person, _COMPLETE_FIELDS))

    first, second = keep_first(first, second, completeness)
    match = match_names(names[first.pk], names[second.pk])
    if match is None:
        return None
    points, evidence = _paper_evidence(first.pk, second.pk, bylines, venues, len(names))
    points += match.points
    evidence.insert(0, match.evidence)
    for person in (first, second):
        if not person.match_by_name:
            points -= _SLUG_ONLY_PENALTY
            evidence.append(f"{person.name} ({person.slug}) is matched by slug only")
    score = bounded(points)
    if score < PERSON_THRESHOLD:
        return None
    return Suggestion("person", first, second, score, tuple(evidence))


def _scan_people(people, pairs, names, bylines, kept_apart) -> list[Suggestion]:
    by_pk = {person.pk: person for person in people}
    venues = _venue_names()
    return suggest_pairs(
        pairs,
        kept_apart,
        lambda a, b: _person_suggestion(by_pk[a], by_pk[b], names, bylines, venues),
    )


def suggest_people(*, limit: int | None = None, stats: ScanStats | None = None) -> list[Suggestion]:
    """People who may be one person, most likely first: four queries."""
    people = _people()
    names = {person.pk: _person_names(person) for person in people}
    pairs = _person_blocks(names).pairs()
    found = _scan_people(people, pairs, names, _load_bylines(), kept_apart_pairs(Person))
    if stats is not None:
        stats.note(len(people), len(pairs), len(found))
    return ranked(found, limit)


def person_suggestions(person: Person) -> list[Suggestion]:
    """The suggestions involving ``person`` (its admin change page): four queries."""
    people = _people()
    names = {row.pk: _person_names(row) for row in people}
    if person.pk not in names:
        return []
    blocks = _person_blocks(names)
    others = {
        other
        for name in names[person.pk]
        for key in _block_keys(name)
        for other in blocks.members(key)
        if other != person.pk
    }
    pairs = [tuple(sorted((person.pk, other))) for other in others]
    bylines = _load_bylines([person.pk, *others])
    return ranked(_scan_people(people, pairs, names, bylines, kept_apart_pairs(Person, person)))


def existing_matches(names_with_coauthors: dict[str, set[str]]) -> dict[str, list[Suggestion]]:
    """For each name an import would create a person for, the existing people it may be,
    most likely first (``first`` the Person, ``second`` the name), from the name and the
    co-authors listed with it (the existing people they name, by name or alias, who wrote a
    paper with the candidate). Two queries, none for no names: the people, and the papers of
    the candidates and co-authors. A 1,000-entry preview on the synthetic lab (3,000 people):
    about half a second."""
    if not names_with_coauthors:
        return {}
    people = _people()
    by_pk = {person.pk: person for person in people}
    names = {person.pk: _person_names(person) for person in people}
    blocks = _person_blocks(names)
    key = functools.cache(normalize_name)
    known: dict[str, set[int]] = defaultdict(set)
    for pk, person_names in names.items():
        for name in person_names:
            known[key(name.text)].add(pk)
    new = {text: parse_name(text) for text in names_with_coauthors}
    candidates = {
        text: {pk for block in _block_keys(name) for pk in blocks.members(block)}
        for text, name in new.items()
    }
    listed = {
        text: set().union(*(known.get(key(name), ()) for name in coauthors))
        for text, coauthors in names_with_coauthors.items()
    }
    papers = _papers_of(set().union(*candidates.values(), *listed.values()), len(people))
    result = {}
    for text, name in new.items():
        found = []
        for pk in candidates[text] - listed[text]:  # one listed with the name is someone else
            mine = papers.get(pk, set())
            shared = sum(1 for other in listed[text] if not mine.isdisjoint(papers[other]))
            suggestion = _existing_match(by_pk[pk], names[pk], name, shared)
            if suggestion is not None:
                found.append(suggestion)
        result[text] = ranked(found)
    return result


def _papers_of(people: set[int], everyone: int) -> dict[int, set[int]]:
    """Each person's papers (one query); all byline rows when that is most of them, which is
    faster than a long IN list."""
    rows = _byline_model().objects.order_by()
    if len(people) < everyone // 2:
        rows = rows.filter(person_id__in=people)
    papers: dict[int, set[int]] = defaultdict(set)
    for person, paper in rows.values_list("person_id", "paper_id"):
        papers[person].add(paper)
    return papers


def _existing_match(person: Person, names: list[WrittenName], new: WrittenName, shared: int):
    match = match_names(names, [new])
    if match is None:
        return None
    points, evidence = match.points, [match.evidence]
    if shared:
        points += _co_author_points(shared)
        evidence.append(count_words(shared, "shared co-author"))
    if not person.match_by_name:
        points -= _SLUG_ONLY_PENALTY
        evidence.append(f"{person.name} ({person.slug}) is matched by slug only")
    score = bounded(points)
    if score < PERSON_THRESHOLD:
        return None
    return Suggestion("person", person, new.text, score, tuple(evidence))


# --- institutions ------------------------------------------------------------------------

_INSTITUTION_ABBREVIATIONS = {
    "univ": "university", "uni": "university", "inst": "institute", "tech": "technology",
    "technol": "technology", "dept": "department", "natl": "national", "intl": "international",
    "sci": "science", "sciences": "science", "coll": "college", "ctr": "center",
    "centre": "center", "lab": "laboratory", "labs": "laboratories", "corp": "corporation",
}  # fmt: skip
_INSTITUTION_FILLER = word_set("the of and for in at de a an inc ltd")
# Words most institutions share: blocking on them would compare nearly every pair.
_INSTITUTION_GENERIC = word_set(
    "university institute college department school laboratory laboratories technology "
    "science research center national international faculty academy corporation"
)
_INSTITUTION_BLOCK_LIMIT = 50
_ALIKE = 60  # names less alike than this are not worth a line of evidence
INSTITUTION_THRESHOLD = 70.0


@dataclass(frozen=True)
class InstitutionName:
    core: str  # the name's words, abbreviations spelt out, "The" and "of" left out
    shorts: frozenset[str]  # the short name, or the name itself when it is one word
    initials: frozenset[str]  # the initials of the name, with and without "of", "and"


def institution_name(name: str, short_name: str = "") -> InstitutionName:
    words = [
        _INSTITUTION_ABBREVIATIONS.get(word, word)
        for word in processed(name.replace("&", " and ")).split()
    ]
    core = [word for word in words if word not in _INSTITUTION_FILLER]
    shorts = {"".join(processed(short_name).split())} - {""}
    if len(core) == 1:
        shorts.add(core[0])
    initials = {acronym(core), acronym(words)} - {""}
    return InstitutionName(" ".join(core), frozenset(shorts), frozenset(initials) - shorts)


def _institution_pairs(names: dict[int, InstitutionName]) -> set[tuple[int, int]]:
    shorts, words = Blocks(), Blocks()
    for pk, name in names.items():
        for short in name.shorts | name.initials:
            if len(short) >= 2:
                shorts.add(short, pk)
        for word in set(name.core.split()) - _INSTITUTION_GENERIC:
            if len(word) >= 3:
                words.add(word, pk)
    return shorts.pairs() | words.pairs(max_size=_INSTITUTION_BLOCK_LIMIT)


def _institution_name_points(first, second, a: InstitutionName, b: InstitutionName):
    similarity = fuzz.token_sort_ratio(a.core, b.core)
    points, evidence = similarity * 0.85, []
    if processed(first.name) == processed(second.name):
        evidence.append("same name")
    elif similarity >= _ALIKE:
        alike = "same name" if similarity == 100 else f"names {similarity:.0f}% alike"
        evidence.append(f"{alike}: {first.name} / {second.name}")
    if a.shorts & b.shorts:
        points = max(points, 85.0)
        evidence.append(f"same short name: {first.short_name or second.short_name}")
    elif first.short_name and second.short_name:
        points -= 25
        evidence.append(f"different short names: {first.short_name} / {second.short_name}")
    elif a.shorts & b.initials or b.shorts & a.initials:
        short, named = (first, second) if a.shorts & b.initials else (second, first)
        points = max(points, 80.0)
        evidence.append(f"{short.short_name or short.name}: the initials of {named.name}")
    if numbers(a.core) != numbers(b.core):
        points -= 30
        evidence.append(f"different numbers: {first.name} / {second.name}")
    return points, evidence


def _institution_place_points(first: Institution, second: Institution, by_pk) -> tuple:
    points, evidence = 0.0, []
    if first.parent_id and second.parent_id:
        if first.parent_id == second.parent_id:
            points += 5
            evidence.append(f"both units of {by_pk[first.parent_id].name}")
        else:
            points -= 40
            evidence.append(
                f"units of {by_pk[first.parent_id].name} / {by_pk[second.parent_id].name}"
            )
    if first.country and second.country:
        if first.country == second.country:
            points += 5
            evidence.append(f"both in {first.country.name}")
        else:
            points -= 30
            evidence.append(f"in {first.country.name} / {second.country.name}")
    if first.city and second.city and processed(first.city) == processed(second.city):
        points += 5
        evidence.append(f"both in {first.city}")
    if first.kind != second.kind:
        points -= 10
        kinds = (first.get_kind_display().lower(), second.get_kind_display().lower())
        evidence.append(f"kinds {kinds[0]} / {kinds[1]}")
    return points, evidence


def _institution_suggestion(first, second, names, by_pk) -> Suggestion | None:
    if first.parent_id == second.pk or second.parent_id == first.pk:
        return None  # a unit and the institution it is part of
    first, second = keep_first(
        first, second, lambda i: (filled(i, ("short_name", "country", "city", "url")),)
    )
    points, evidence = _institution_name_points(first, second, names[first.pk], names[second.pk])
    place_points, place = _institution_place_points(first, second, by_pk)
    score = bounded(points + place_points)
    if score < INSTITUTION_THRESHOLD:
        return None
    return Suggestion("institution", first, second, score, (*evidence, *place))


def _institutions() -> tuple[dict[int, Institution], dict[int, InstitutionName]]:
    rows = Institution.objects.only(
        "name", "short_name", "kind", "parent", "country", "city", "url", "created"
    ).order_by("pk")
    by_pk = {row.pk: row for row in rows}
    return by_pk, {pk: institution_name(i.name, i.short_name) for pk, i in by_pk.items()}


def _scan_institutions(pairs, by_pk, names, kept_apart) -> list[Suggestion]:
    return suggest_pairs(
        pairs,
        kept_apart,
        lambda a, b: _institution_suggestion(by_pk[a], by_pk[b], names, by_pk),
    )


def suggest_institutions(
    *, limit: int | None = None, stats: ScanStats | None = None
) -> list[Suggestion]:
    """Institutions that may be one, most likely first: two queries."""
    by_pk, names = _institutions()
    pairs = _institution_pairs(names)
    found = _scan_institutions(pairs, by_pk, names, kept_apart_pairs(Institution))
    if stats is not None:
        stats.note(len(by_pk), len(pairs), len(found))
    return ranked(found, limit)


def institution_suggestions(institution: Institution) -> list[Suggestion]:
    """The suggestions involving ``institution``: two queries."""
    by_pk, names = _institutions()
    pairs = {pair for pair in _institution_pairs(names) if institution.pk in pair}
    kept_apart = kept_apart_pairs(Institution, institution)
    return ranked(_scan_institutions(pairs, by_pk, names, kept_apart))


def suggestions_for(record: Person | Institution) -> list[Suggestion]:
    """The suggestions involving one person or institution, for its admin change page."""
    if isinstance(record, Person):
        return person_suggestions(record)
    if isinstance(record, Institution):
        return institution_suggestions(record)
    raise TypeError(f"No duplicates are suggested for {type(record).__name__} here.")
