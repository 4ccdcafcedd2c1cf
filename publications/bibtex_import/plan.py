"""The plan of an import, written nowhere: what importing a .bib would do (the preview).

``bibtex_plan(text)`` reads the entries (``publications.bibtex_import.parse``), then, for the
entries without errors:

- venues: matches each booktitle or journal to a known venue by name, short name or a short
  name printed in it ("USENIX ATC '24"), else plans a ``NewVenue`` (one per normalised name);
- duplicates: marks the entries that are already papers (same DOI, same arXiv id, or the same
  normalised title and year) or repeat an earlier entry of the file; they are never imported;
- authors: matches the ordered byline to people by name or alias through one PersonMatcher
  (``byline_resolve``, the admin's byline service), or plans a ``NewPerson`` with the fields
  ``person_create`` would give (split name); its fields are validated here, without the
  per-person queries of ``full_clean``.

The number of queries does not grow with the number of entries: people, venues and candidate
duplicates are loaded once (three queries in all). ``BibtexPlan.fingerprint`` is what a
confirmation carries, so that an import does only what its preview showed.
"""

import hashlib
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower

from people.matching import PersonMatcher
from people.models import Person
from people.names import normalize_name, split_name
from publications.bibtex_import.entries import NewPerson, NewVenue, PlannedAuthor, PlannedEntry
from publications.bibtex_import.parse import (
    CONFERENCE_TYPES,
    JOURNAL_TYPES,
    check_bibtex_text,
    normalize_title,
    read_entries,
)
from publications.byline import MARK_FIELDS, BylineError
from publications.enums import VenueKind
from publications.models import Paper, Venue
from publications.services import byline_resolve

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
_ACRONYM = re.compile(r"^[A-Za-z][A-Za-z0-9\-+]{1,49}$")


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
    plan.entries = read_entries(text)
    if not plan.entries:
        plan.file_errors.append("The file has no BibTeX entries (@article{…}, @inproceedings{…}).")
        return plan

    _match_venues(plan)
    _find_duplicates(plan)
    _match_authors(plan)
    return plan


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

