"""The plan of an import, written nowhere: what importing a .bib would do (the preview).

``bibtex_plan(text)`` reads the entries (``publications.bibtex_import.parse``), then, for the
entries without errors:

- venues: matches each booktitle or journal to a known venue (``_VenueIndex``): by its name as
  written, by its series' name normalised (``venues.venue_key``: "&" and "and", case,
  "Proceedings of the 29th", years, the place and dates DBLP appends), by a short name the file
  gives (al-folio's ``abbr``, ACM's ``series``, the one in the booktitle: "{MSR} 2024",
  "(NSDI '24)"), by a journal abbreviation (DBLP's "Proc. {VLDB} Endow."), or by a known short
  name printed in it ("USENIX ATC '24"); else plans a ``NewVenue``, one per series however many
  spellings the file has (three spellings of CIKM are one venue);
- duplicates: marks the entries that are already papers (same DOI, same arXiv id, or the same
  normalised title and year) or repeat an earlier entry of the file; they are never imported;
- authors: parses each ordered byline once, reads the people the file names (one
  PersonMatcher: ``entries_matcher``) and matches each byline to them by name or alias
  (``resolve_entries``, the admin's byline service), or plans a ``NewPerson`` with the fields
  ``person_create`` would give (split name); its fields are validated here, without the
  per-person queries of ``full_clean``;
- keywords: which of the entries' keywords are already there (case aside);
- publisher: kept on the paper only where it is not the venue's publisher.

The number of queries does not grow with the number of entries: people, venues (with their
publishers) and candidate duplicates are loaded once, and the keywords when entries have some
(three or four queries in all). ``BibtexPlan.fingerprint`` is what a confirmation carries, so
that an import does only what its preview showed.
"""

import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower

from lab.core.bulk import collector_paused, json_values
from people.models import Person
from people.names import normalize_name, split_name
from publications.bibtex_import.entries import NewPerson, NewVenue, PlannedAuthor, PlannedEntry
from publications.bibtex_import.fields import CONFERENCE_TYPES, JOURNAL_TYPES
from publications.bibtex_import.formats import FORMATS
from publications.bibtex_import.parse import MAX_BIBTEX_BYTES, BibtexFile, check_bibtex_text
from publications.bibtex_import.venues import abbreviates, short_key, venue_key
from publications.byline import MARK_FIELDS, BylineEntry, BylineError, parse_byline
from publications.enums import VenueKind
from publications.models import Keyword, Paper, Venue
from publications.services import entries_matcher, resolve_entries
from publications.titles import normalize_title


@dataclass
class BibtexPlan:
    text: str = ""
    entries: list[PlannedEntry] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    new_people: dict[str, NewPerson] = field(default_factory=dict)  # by normalised name
    new_venues: dict[str, NewVenue] = field(default_factory=dict)  # venue key -> venue
    #: Keywords already here, by their name in lower case.
    keywords: dict[str, Keyword] = field(default_factory=dict)
    file: BibtexFile = field(default_factory=BibtexFile)

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

    @property
    def with_errors(self) -> list[PlannedEntry]:
        return [entry for entry in self.entries if entry.action == "error"]

    @property
    def references(self) -> list[str]:
        """The keys of the @proceedings (or books) entries name in their crossref."""
        return list(self.file.references)

    @property
    def can_skip_errors(self) -> bool:
        """Whether "import all but the entries with errors" would import something."""
        return not self.file_errors and bool(self.with_errors) and bool(self.new_papers)

    def people_to_create(self) -> list[tuple[str, NewPerson]]:
        """The new people the entries that would be imported bring (by normalised name), in
        the order of the file: an entry with an error brings none."""
        wanted = {}
        for entry in self.new_papers:
            for author in entry.authors:
                if author.person is None:
                    key = normalize_name(author.name)
                    wanted.setdefault(key, self.new_people[key])
        return list(wanted.items())

    def venues_to_create(self) -> list[NewVenue]:
        wanted = {id(e.new_venue): e.new_venue for e in self.new_papers if e.new_venue}
        return list(wanted.values())

    def keywords_to_create(self) -> list[str]:
        wanted: dict[str, str] = {}
        for entry in self.new_papers:
            for name in entry.keywords:
                if name.casefold() not in self.keywords:
                    wanted.setdefault(name.casefold(), name)
        return list(wanted.values())

    def not_kept_summary(self) -> list[tuple[str, str, str, int]]:
        """(field, kind, reason, number of entries) of what the file has and the import does not
        keep, the unknown fields first: the preview's table of fields not imported."""
        counts = Counter(
            (item.field, item.kind, item.reason if item.kind != "value" else "")
            for entry in self.entries
            for item in entry.not_kept
        )
        order = {"unknown": 0, "value": 1, "ignored": 2}
        return sorted(
            ((name, kind, reason, count) for (name, kind, reason), count in counts.items()),
            key=lambda row: (order[row[1]], row[0]),
        )

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


def bibtex_plan(
    text: str, *, max_bytes: int | None = MAX_BIBTEX_BYTES, format: str = "bibtex"
) -> BibtexPlan:
    """What importing ``text`` would do, without writing anything (the preview). ``max_bytes``
    is the size cap (None: none, for the benchmark; uploads are capped where they are read).
    ``format`` names the reader of the text (``publications.bibtex_import.formats.FORMATS``)."""
    with collector_paused():
        return _plan(text, max_bytes, FORMATS[format])


def _plan(text: str, max_bytes: int | None, reader) -> BibtexPlan:
    plan = BibtexPlan(text=check_bibtex_text(text, max_bytes=max_bytes))
    plan.file = reader.read(text)
    plan.entries = plan.file.entries
    if not plan.entries:
        plan.file_errors.append(reader.empty)
        return plan

    _match_venues(plan)
    _find_duplicates(plan)
    _match_authors(plan)
    _match_keywords(plan)
    return plan


# --- Venues -----------------------------------------------------------------------------------


class _VenueIndex:
    """The known venues by the labels an entry may match them by, and the new venues the file
    brings by the same labels, so that every spelling of one series finds one venue."""

    def __init__(self, venues: list[Venue]):
        self.by_label: dict[str, list[Venue]] = {}
        self.by_key: dict[str, list[Venue]] = {}
        self.by_short: dict[str, list[Venue]] = {}
        for venue in venues:
            for label in {venue.name.casefold(), venue.short_name.casefold()} - {""}:
                self.by_label.setdefault(label, []).append(venue)
            self.by_key.setdefault(venue_key(venue.name), []).append(venue)
            if venue.short_name:
                self.by_short.setdefault(short_key(venue.short_name), []).append(venue)
        self.venues = venues
        self.printed_shorts = [v for v in venues if len(v.short_name) >= 2]
        self.new_by_key: dict[str, NewVenue] = {}
        self.new_by_short: dict[str, NewVenue] = {}

    @staticmethod
    def _one(candidates: list[Venue] | None) -> Venue | None:
        return candidates[0] if candidates and len(candidates) == 1 else None

    def known(self, text: str, key: str, shorts: list[str], name: str) -> Venue | None:
        for found in (
            self._one(self.by_label.get(text.casefold())),
            self._one(self.by_key.get(key)) if key else None,
            *(self._one(self.by_short.get(short_key(s))) for s in shorts if s),
            self._abbreviated(name),
            self._printed_short(text),
        ):
            if found is not None:
                return found
        return None

    def _abbreviated(self, name: str) -> Venue | None:
        if "." not in name:
            return None
        return self._one([v for v in self.venues if abbreviates(name, v.name)])

    def _printed_short(self, text: str) -> Venue | None:
        # A known short name as a word of the booktitle ("USENIX ATC '24"): case-sensitive,
        # since acronyms are printed in their case and "micro" or "sc" are ordinary words.
        found = [
            v
            for v in self.printed_shorts
            if v.short_name in text
            and re.search(rf"(?<![\w-]){re.escape(v.short_name)}(?![\w-])", text)
        ]
        if found:
            longest = max(len(v.short_name) for v in found)
            return self._one([v for v in found if len(v.short_name) == longest])
        return None

    def new(self, key: str, shorts: list[str], name: str) -> NewVenue | None:
        found = self.new_by_key.get(key)
        for short in shorts:
            found = found or self.new_by_short.get(short_key(short))
        if found is None and "." in name:
            found = next(
                (new for new in self.new_by_key.values() if abbreviates(name, new.name)), None
            )
        return found

    def remember(self, new: NewVenue, key: str, name: str) -> None:
        self.new_by_key.setdefault(key, new)
        if new.short_name:
            self.new_by_short.setdefault(short_key(new.short_name), new)
        if abbreviates(new.name, name):
            # The file spells the journal out after abbreviating it: the venue gets the name.
            new.name = name


def _match_venues(plan: BibtexPlan) -> None:
    wanted = [e for e in plan.entries if not e.errors and e.venue_parts is not None]
    if not wanted:
        return
    venues = list(
        Venue.objects.select_related("publisher").only(
            "id", "name", "short_name", "slug", "kind", "publisher__name", "publisher__short_name"
        )
    )
    index = _VenueIndex(venues)
    longest = Venue._meta.get_field("name").max_length
    shortest = Venue._meta.get_field("short_name").max_length
    for entry in wanted:
        parts = entry.venue_parts
        shorts = [s for s in (entry.venue_short, parts.short) if s]
        key = venue_key(parts.name)
        venue = index.known(entry.venue_text, key, shorts, parts.name)
        if venue is not None:
            entry.venue = venue
            _keep_publisher_if_own(entry, venue)
            continue
        new = index.new(key, shorts, parts.name)
        if new is None:
            short = (shorts[0] if shorts else "")[:shortest]
            new = NewVenue(name=parts.name, short_name=short, kind=_new_venue_kind(entry, parts))
        elif not new.short_name and shorts:
            new.short_name = shorts[0][:shortest]
        index.remember(new, key, parts.name)
        plan.new_venues.setdefault(key, new)
        if len(new.name) > longest:
            entry.error(f"the venue name is longer than {longest} characters")
        entry.new_venue = new


def _same_publisher(text: str, publisher) -> bool:
    """Whether the file's publisher is the venue's: "ACM", "{ACM}", "ACM New York, NY" and
    "Association for Computing Machinery" are ACM; "USENIX Association" is USENIX."""
    written = normalize_title(text)
    for label in (publisher.name, publisher.short_name):
        known = normalize_title(label or "")
        if known and (written == known or written.startswith(known + " ")):
            return True
    return False


def _keep_publisher_if_own(entry: PlannedEntry, venue: Venue) -> None:
    if (
        entry.publisher
        and venue.publisher is not None
        and _same_publisher(entry.publisher, venue.publisher)
    ):
        entry.publisher = ""  # the venue's own publisher: not the paper's


def _new_venue_kind(entry: PlannedEntry, parts) -> str:
    if entry.venue_text == "arXiv":
        return VenueKind.PREPRINT
    if parts.journal:
        return VenueKind.JOURNAL
    # Not a journal's name: a conference, also where an @article names one in its journal
    # field (al-folio files do: "Proceedings of the IEEE/CVF Conference on ...").
    if entry.entry_type in CONFERENCE_TYPES or entry.entry_type in JOURNAL_TYPES:
        return VenueKind.WORKSHOP if "workshop" in parts.name.casefold() else VenueKind.CONFERENCE
    return VenueKind.OTHER


# --- Duplicates -------------------------------------------------------------------------------


def _find_duplicates(plan: BibtexPlan) -> None:
    candidates = [e for e in plan.entries if not e.errors]
    if not candidates:
        return
    key_for = Paper._meta.get_field("title_key").key_for
    title_keys = [(key_for(e.title), e.year) for e in candidates]
    dois = {e.doi.lower() for e in candidates if e.doi}
    arxiv_ids = {e.arxiv_id for e in candidates if e.arxiv_id}
    # Plain values: a paper (a model instance) only for those an entry repeats.
    # In the model's order of fields, as Model.from_db takes them.
    fields = tuple(
        f.attname
        for f in Paper._meta.concrete_fields
        if f.attname in {"id", "slug", "title", "title_key", "year", "doi", "arxiv_id"}
    )
    papers = Paper.objects.annotate(doi_lower=Lower("doi")).order_by("pk").values_list(*fields)
    made: dict[int, Paper] = {}
    by_doi, by_arxiv, by_title = (_KnownPapers(fields, made, papers.db) for _ in range(3))
    where = [fields.index(name) for name in ("title_key", "year", "doi", "arxiv_id")]
    keys = sorted({key for key, _ in title_keys})
    for row in _candidates(papers, keys, sorted(dois), sorted(arxiv_ids)):
        title_key, year, doi, arxiv_id = (row[i] for i in where)
        if doi:
            by_doi.setdefault(doi.lower(), row)
        if arxiv_id:
            by_arxiv.setdefault(arxiv_id, row)
        by_title.setdefault((title_key, year), row)

    seen_doi: dict[str, str] = {}
    seen_arxiv: dict[str, str] = {}
    seen_title: dict[tuple, str] = {}
    for entry, title_key in zip(candidates, title_keys, strict=True):
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


#: DOIs and arXiv ids per query: under every backend's limit of query parameters.
VALUES_PER_QUERY = 20_000


def _candidates(papers, title_keys: list[str], dois: list[str], arxiv_ids: list[str]):
    """The rows of the papers an entry may repeat: with one of the title keys (stored,
    indexed: ``Paper.title_key``), DOIs or arXiv ids, each an indexed look-up. One query for
    up to ``VALUES_PER_QUERY`` DOIs and arXiv ids (the title keys in one parameter however
    many), one more per that many beyond; a paper may come twice."""
    values = [("doi_lower", doi) for doi in dois] + [("arxiv_id", a) for a in arxiv_ids]
    condition = Q(title_key__in=json_values(Paper, "title_key", title_keys, using=papers.db))
    for start in range(0, max(len(values), 1), VALUES_PER_QUERY):
        chunk = values[start : start + VALUES_PER_QUERY]
        for name in ("doi_lower", "arxiv_id"):
            wanted = [value for field_name, value in chunk if field_name == name]
            if wanted:
                condition |= Q(**{f"{name}__in": wanted})
        yield from papers.filter(condition)
        condition = Q(pk__in=[])


class _KnownPapers(dict):
    """Papers by a key, held as rows of ``fields``; ``[key]`` gives the paper, one instance per
    paper however many keys lead to it (``made``, shared by the look-ups of one plan)."""

    def __init__(self, fields: tuple[str, ...], made: dict[int, Paper], db: str):
        super().__init__()
        self.fields, self.made, self.db = fields, made, db

    def __getitem__(self, key) -> Paper:
        row = super().__getitem__(key)
        if row[0] not in self.made:
            self.made[row[0]] = Paper.from_db(self.db, self.fields, row)
        return self.made[row[0]]


# --- Authors ----------------------------------------------------------------------------------


def _match_authors(plan: BibtexPlan) -> None:
    entries = plan.new_papers
    if not entries:
        return
    # Each byline parsed once: its entries name the people to read and are then resolved.
    parsed: list[list[BylineEntry] | None] = []
    for entry in entries:
        try:
            parsed.append(parse_byline("; ".join(entry.author_names)))
        except BylineError as error:
            _byline_error(entry, error)
            parsed.append(None)
    matcher = entries_matcher(p for p in parsed if p)  # the people the file names, not everyone
    for entry, byline_entries in zip(entries, parsed, strict=True):
        if byline_entries is None:
            continue
        try:
            resolved = resolve_entries(byline_entries, matcher=matcher)
        except BylineError as error:
            _byline_error(entry, error)
            continue
        for byline_entry, person in resolved:
            flags = {mark: getattr(byline_entry, mark) for mark in MARK_FIELDS}
            entry.authors.append(PlannedAuthor(byline_entry.name, person, flags))
            if person is None:
                key = normalize_name(byline_entry.name)
                if key not in plan.new_people:
                    new = _new_person(byline_entry.name, entry.author_parts)
                    wrong = _person_field_errors(new)
                    if wrong:
                        fields = ", ".join(wrong)
                        entry.error(f"the new person “{new.name}” cannot be created ({fields})")
                        continue
                    plan.new_people[key] = new


def _byline_error(entry: PlannedEntry, error: BylineError) -> None:
    """The entry's error for its byline: "author 3: …" (the byline's message, lower-cased)."""
    message = str(error).rstrip(".")
    if message.startswith("Author "):
        message = "a" + message[1:]
    entry.error(message)


#: The fields of a new person the file gives, checked as Person.clean_fields checks them.
_PERSON_FIELDS = tuple(
    Person._meta.get_field(name) for name in ("name", "given_name", "family_name")
)


def _person_field_errors(new: NewPerson) -> list[str]:
    """The names (sorted) of the new person's fields that Person.clean_fields would refuse:
    the same checks (Field.clean: empty where not blank, length and the other validators), no
    query, and no Person made per new name."""
    return sorted(
        model_field.name
        for model_field in _PERSON_FIELDS
        if not _person_value_ok(model_field, getattr(new, model_field.name))
    )


@functools.lru_cache(maxsize=8192)
def _person_value_ok(model_field, value: str) -> bool:
    """Whether ``model_field`` takes ``value`` (Field.clean, which reads nothing but the
    value): cached, since family names and given names repeat across a file's authors."""
    try:
        model_field.clean(value, None)
    except ValidationError:
        return False
    return True


def _new_person(name: str, parts: dict[str, tuple[str, str]]) -> NewPerson:
    """The new person's given and family names: as the file splits them, else as
    person_create would (people.names.split_name)."""
    given, family = parts.get(name, ("", ""))
    if not family:
        given, family = split_name(name)
    return NewPerson(name=name, given_name=given, family_name=family)


# --- Keywords ---------------------------------------------------------------------------------


def _match_keywords(plan: BibtexPlan) -> None:
    if not any(entry.keywords for entry in plan.new_papers):
        return
    # All of them, compared in Python: SQLite's lower() folds ASCII only, so a query by
    # lower-case name would miss "Überwachung" for "überwachung". A lab has some hundreds.
    plan.keywords = {k.name.casefold(): k for k in Keyword.objects.only("id", "name", "slug")}
