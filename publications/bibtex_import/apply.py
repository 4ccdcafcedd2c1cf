"""Applying a plan: who may import, and ``bibtex_import``.

``bibtex_import(text=..., user=...)`` plans again inside one transaction and, when no entry has
an error (and the plan is still the one previewed), creates the new venues, people, keywords,
papers, byline rows and awards and records each new venue, person and paper in the admin log.
With ``skip_errors=True`` (the lab admin's "import all but the entries with errors") the entries
with errors are left out and returned in ``BibtexResult.skipped``; the others are imported as
usual. Duplicates are never created. Every record gets its first version in one ``recorded``
block ("BibTeX import", one time for the whole import). ``bibtex_import_planned(plan, ...)``
applies a plan the caller made in the transaction it holds open instead of planning again
(the command, which prints the plan it imports).

The number of queries does not grow with the number of entries: the slugs of each table are
read once, papers, their keyword links and the admin log go in as plain values in one statement
each (``lab.core.bulk.insert_rows``; the papers' ids are read back in one query), venues, people,
keywords and awards in bulk, the byline rows through the byline service's bulk form. Bulk
inserts send no ``post_save``, so the page cache is invalidated explicitly.
"""

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from lab.core.bulk import (
    adapt_datetime,
    collector_paused,
    ids_by,
    insert_instances,
    insert_rows,
    new_instances,
    refresh_statistics,
)
from lab.core.cache import invalidate_pages
from lab.core.history import record_versions, recorded
from lab.core.slugs import unique_slugs
from people.models import Person
from people.names import normalize_name
from people.services import apply_same_as
from publications.bibtex_import.entries import CITATION_FIELDS, NewPerson, NewVenue, PlannedEntry
from publications.bibtex_import.plan import BibtexPlan, bibtex_plan
from publications.models import Authorship, Keyword, Paper, PaperAward, Venue
from publications.services import AuthorSpec, papers_set_authorships

#: What a BibTeX import needs: it adds papers (and so must be one who may change them, as for
#: a spreadsheet import), and the venues, people and byline rows its entries bring.
IMPORT_PERMISSIONS = (
    "publications.add_paper",
    "publications.change_paper",
    "publications.add_venue",
    "people.add_person",
    "publications.add_authorship",
)
LOG_MESSAGE = "Imported from BibTeX"
#: The change reason of every version a BibTeX import writes.
LOG_MESSAGE_REASON = "BibTeX import"


def may_import_bibtex(user) -> bool:
    """Whether ``user`` may import BibTeX (``IMPORT_PERMISSIONS``), in the admin or a command."""
    return user.is_active and user.has_perms(IMPORT_PERMISSIONS)


class BibtexPlanError(ValueError):
    """Raised by bibtex_import when the plan has errors (and they may not be skipped), or is
    not the one previewed (the records changed in between); nothing was written."""

    def __init__(self, plan: BibtexPlan, message: str = ""):
        self.plan = plan
        super().__init__(message or "; ".join(plan.errors))


@dataclass
class BibtexResult:
    plan: BibtexPlan
    papers: list[Paper] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)
    keywords: list[Keyword] = field(default_factory=list)
    #: The entries left out for their errors (``skip_errors=True``), in the order of the file.
    skipped: list[PlannedEntry] = field(default_factory=list)
    #: The name of the format read (``publications.bibtex_import.formats.FORMATS``).
    format: str = "bibtex"


def _paper_slug_text(title: str, year: int | None) -> str:
    base = slugify(title)
    if len(base) > 60:
        base = base[:60].rsplit("-", 1)[0]
    return f"{base} {year}" if year else base


def bibtex_import(
    *,
    text: str,
    user,
    fingerprint: str = "",
    same_as: Sequence[str] = (),
    skip_errors: bool = False,
    max_bytes: int | None = None,
    format: str = "bibtex",
) -> BibtexResult:
    """Create the papers of ``text`` (see the module docstring), recorded in the admin log and
    in history as added by ``user``.

    Raises BibtexPlanError, having written nothing, when an entry has an error and
    ``skip_errors`` is false, when nothing but errors would remain, or when ``fingerprint`` (of
    the previewed plan) is given and the plan is no longer that one. ``same_as`` are the
    preview's confirmed choices of an existing person for a new name
    (``people.services.same_as_choices``): those names become aliases first, so they match.
    ``max_bytes`` caps the text (None: the caller has checked the upload). ``format`` names
    the reader of the text (``publications.bibtex_import.formats.FORMATS``).
    """
    with _importing(user):
        return _import(
            text=text,
            user=user,
            fingerprint=fingerprint,
            same_as=same_as,
            skip_errors=skip_errors,
            max_bytes=max_bytes,
            format=format,
        )


@contextmanager
def _importing(user):
    """What an import runs in: one transaction, its versions recorded as the import's by
    ``user``, the cyclic collector held off (the records built all live until the end: the
    collector would only walk them again)."""
    with collector_paused(), transaction.atomic(), recorded(LOG_MESSAGE_REASON, user=user):
        yield


def _check(plan: BibtexPlan, skip_errors: bool) -> None:
    if plan.ok:
        return
    if not skip_errors or plan.file_errors or not plan.new_papers:
        raise BibtexPlanError(plan)


def bibtex_import_planned(
    plan: BibtexPlan, *, user, skip_errors: bool = False, format: str = "bibtex"
) -> BibtexResult:
    """Create the papers of ``plan``, made by ``bibtex_plan`` in the transaction the caller
    holds open (``manage.py import_bibtex``: its plan printed, then imported, in one
    transaction), so the records it read are the ones it is applied to as much as when
    ``bibtex_import`` plans again: the file is read and matched once instead of twice. Raises
    BibtexPlanError, having written nothing, as ``bibtex_import`` does; a plan made outside a
    transaction is refused (TransactionManagementError): between the two, the records may have
    changed. ``format``: the name of the plan's reader, for the result."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "bibtex_import_planned() applies a plan made in the transaction still open; "
            "outside one, use bibtex_import()."
        )
    with _importing(user):
        _check(plan, skip_errors)
        return _apply(plan, user, format)


def _import(*, text, user, fingerprint, same_as, skip_errors, max_bytes, format) -> BibtexResult:
    plan = bibtex_plan(text, max_bytes=max_bytes, format=format)
    _check(plan, skip_errors)
    if fingerprint and plan.fingerprint() != fingerprint:
        raise BibtexPlanError(
            plan, "The records changed since the preview: check the new preview and confirm again."
        )
    if apply_same_as(same_as, user=user):
        # The chosen names now match their people.
        plan = bibtex_plan(text, max_bytes=max_bytes, format=format)
        _check(plan, skip_errors)
    return _apply(plan, user, format)


def _apply(plan: BibtexPlan, user, format: str) -> BibtexResult:
    result = BibtexResult(plan=plan, skipped=plan.with_errors, format=format)
    now = timezone.now()
    result.venues, venues = _create_venues(plan.venues_to_create())
    result.people, people = _create_people(plan.people_to_create(), now)
    result.keywords, keywords = _create_keywords(plan)
    entries = plan.new_papers
    result.papers = _create_papers(entries, venues, now)
    linked = _link_keywords(entries, result.papers, keywords)
    # Bulk inserts send no signals: the first versions are recorded in bulk too (the papers'
    # with their keyword links).
    # The rows were just inserted as they are in memory: the database copies them.
    record_versions(Venue, result.venues, "+", links=False, copied=True)
    record_versions(Person, result.people, "+", links=False, copied=True)
    record_versions(Keyword, result.keywords, "+", links=False, copied=True)
    record_versions(Paper, result.papers, "+", links=linked, copied=True)
    _create_authorships(entries, result.papers, people)
    _create_awards(entries, result.papers)
    # bulk_create sends no post_save signal: forget the cached pages here.
    invalidate_pages()
    _log_additions(user, [*result.venues, *result.people, *result.papers], now)
    added = _rows_added(result, entries)
    # Once the rows are committed, the tables they grew much are analyzed (PostgreSQL).
    transaction.on_commit(lambda: refresh_statistics(added))
    return result


def _rows_added(result: BibtexResult, entries: list[PlannedEntry]) -> dict[type, int]:
    """The rows the import added to its main tables and their history tables (a byline row
    per author, a version per record)."""
    authorships = sum(len(entry.authors) for entry in entries)
    added = {
        Paper: len(result.papers),
        Person: len(result.people),
        Authorship: authorships,
        Keyword: len(result.keywords),
        Venue: len(result.venues),
    }
    for model, count in list(added.items()):
        added[model.history.model] = count
    return added


def _create_venues(new_venues: list[NewVenue]) -> tuple[list[Venue], dict[int, Venue]]:
    """The venues created, and each by the id() of the NewVenue its entries point to."""
    slugs = unique_slugs(Venue.objects.all(), [new.short_name or new.name for new in new_venues])
    created = Venue.objects.bulk_create(
        Venue(name=new.name, short_name=new.short_name, kind=new.kind, slug=slug)
        for new, slug in zip(new_venues, slugs, strict=True)
    )
    return created, {id(new): venue for new, venue in zip(new_venues, created, strict=True)}


def _create_people(
    new_people: list[tuple[str, NewPerson]], now
) -> tuple[list[Person], dict[str, Person]]:
    """The people created, and each by the normalised name the plan keys it by: inserted as
    plain values (``insert_instances``), their ids read back by slug."""
    slugs = unique_slugs(Person.objects.all(), [new.name for _, new in new_people])
    created = new_instances(
        Person,
        (
            {
                "name": new.name,
                "given_name": new.given_name,
                "family_name": new.family_name,
                "slug": slug,
                "created": now,
                "modified": now,
            }
            for (_, new), slug in zip(new_people, slugs, strict=True)
        ),
    )
    insert_instances(Person, created, varying=("name", "given_name", "family_name", "slug"))
    _read_ids(Person, created)
    return created, {key: person for (key, _), person in zip(new_people, created, strict=True)}


def _read_ids(model, records: list) -> None:
    """Give the records just inserted their ids, read back by their (unique) slugs."""
    ids = ids_by(model.objects.all(), "slug", [record.slug for record in records])
    for record in records:
        record.pk = ids[record.slug]
        record._state.adding = False


def _create_keywords(plan: BibtexPlan) -> tuple[list[Keyword], dict[str, Keyword]]:
    """The keywords created, and every keyword the entries name, by its name case-folded."""
    names = plan.keywords_to_create()
    slugs = unique_slugs(Keyword.objects.all(), names, max_length=100)
    created = Keyword.objects.bulk_create(
        Keyword(name=name, slug=slug) for name, slug in zip(names, slugs, strict=True)
    )
    every = dict(plan.keywords)
    every.update((keyword.name.casefold(), keyword) for keyword in created)
    return created, every


#: The columns of a new paper, as ``_create_papers`` writes them.
PAPER_FIELDS = (
    *("created", "modified", "title", "title_key", "slug", "venue", "year", "month", "status"),
    *CITATION_FIELDS,
    *("authors_complete", "selected", "system_name", "curator_note", "former_slugs"),
)


def _create_papers(entries: list[PlannedEntry], venues: dict[int, Venue], now) -> list[Paper]:
    """Insert the papers as plain values (bulk_create's per-value work was most of a big
    import's time), then read their ids back by their slugs."""
    slugs = unique_slugs(
        Paper.objects.all(), [_paper_slug_text(entry.title, entry.year) for entry in entries]
    )
    chosen = [venues[id(e.new_venue)] if e.new_venue else e.venue for e in entries]
    key_for = Paper._meta.get_field("title_key").key_for
    # Positional values (new_instances), each paper's venue cached as Paper(venue=...) does.
    papers = new_instances(
        Paper,
        (
            {
                "title": entry.title,
                "title_key": key_for(entry.title),
                "slug": slug,
                "venue_id": None if venue is None else venue.pk,
                "year": entry.year,
                "month": entry.month,
                "status": entry.status,
                "authors_complete": entry.authors_complete,
                "selected": entry.selected,
                "created": now,
                "modified": now,
                **{name: getattr(entry, name) for name in CITATION_FIELDS},
            }
            for entry, slug, venue in zip(entries, slugs, chosen, strict=True)
        ),
    )
    venue_field = Paper._meta.get_field("venue")
    for paper, venue in zip(papers, chosen, strict=True):
        venue_field.set_cached_value(paper, venue)
    stamp = adapt_datetime(now)
    insert_rows(
        Paper,
        PAPER_FIELDS,
        (
            (
                stamp,
                stamp,
                paper.title,
                paper.title_key,
                paper.slug,
                paper.venue_id,
                paper.year,
                paper.month,
                paper.status,
                *(getattr(paper, name) for name in CITATION_FIELDS),
                paper.authors_complete,
                paper.selected,
                "",
                "",
                "",
            )
            for paper in papers
        ),
    )
    _read_ids(Paper, papers)
    return papers


def _link_keywords(
    entries: list[PlannedEntry], papers: list[Paper], keywords: dict[str, Keyword]
) -> bool:
    """The papers' keyword links, as plain values in one statement; whether there are any."""
    through = Paper.keywords.through
    rows = [
        (paper.pk, keywords[name.casefold()].pk)
        for entry, paper in zip(entries, papers, strict=True)
        for name in entry.keywords
    ]
    insert_rows(through, ("paper", "keyword"), rows)
    return bool(rows)


def _create_authorships(
    entries: list[PlannedEntry], papers: list[Paper], people: dict[str, Person]
) -> None:
    """The new papers' byline rows, through the byline service's bulk form (a fixed number of
    queries for all the papers; the plan already refused a person listed twice)."""
    bylines = {}
    for entry, paper in zip(entries, papers, strict=True):
        authors = []
        for author in entry.authors:
            person = author.person or people[normalize_name(author.name)]
            printed_name = "" if author.name == person.name else author.name
            authors.append(AuthorSpec(person=person, printed_name=printed_name, **author.flags))
        bylines[paper] = authors
    papers_set_authorships(authors=bylines, new={paper.pk for paper in papers})


def _create_awards(entries: list[PlannedEntry], papers: list[Paper]) -> None:
    """al-folio's award of each paper (PaperAward), with its first version."""
    created = PaperAward.objects.bulk_create(
        PaperAward(paper=paper, title=title)
        for entry, paper in zip(entries, papers, strict=True)
        for title in entry.awards
    )
    record_versions(PaperAward, created, "+", links=False)


def _log_additions(user, created: list, now) -> None:
    """One admin log entry per record created, as plain values in one statement (what
    ``LogEntry.objects.log_actions`` writes, without building a LogEntry per record)."""
    if not created:
        return
    stamp = adapt_datetime(now)
    types = {}
    rows = []
    for record in created:
        model = type(record)
        if model not in types:
            types[model] = ContentType.objects.get_for_model(model, for_concrete_model=False).pk
        rows.append(
            (stamp, user.pk, types[model], str(record.pk), str(record)[:200], ADDITION, LOG_MESSAGE)
        )
    insert_rows(
        LogEntry,
        (
            "action_time",
            "user",
            "content_type",
            "object_id",
            "object_repr",
            "action_flag",
            "change_message",
        ),
        rows,
    )
