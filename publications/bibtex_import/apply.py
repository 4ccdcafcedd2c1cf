"""Applying a plan, all or nothing: who may import, and ``bibtex_import``.

``bibtex_import(text=..., user=...)`` plans again inside one transaction and, only when no entry
has an error (and the plan is still the one previewed), creates the new venues, people, papers
and byline rows and records each new record in the admin log. Duplicates are never created.

The number of queries does not grow with the number of entries: the slugs of each table are
read once and each kind of record is inserted in bulk (SQLite splits a big insert into
batches). Bulk inserts send no ``post_save``, so the page cache is invalidated explicitly.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.admin.models import ADDITION, LogEntry
from django.db import transaction
from django.utils.text import slugify

from lab.core.cache import invalidate_pages
from lab.core.history import record_versions, recorded
from lab.core.slugs import unique_slugs
from people.models import Person
from people.names import normalize_name
from people.services import apply_same_as
from publications.bibtex_import.entries import NewPerson, NewVenue, PlannedEntry
from publications.bibtex_import.plan import BibtexPlan, bibtex_plan
from publications.models import Paper, Venue
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
    """Raised by bibtex_import when the plan has errors, or is not the one previewed (the
    records changed in between); nothing was written."""

    def __init__(self, plan: BibtexPlan, message: str = ""):
        self.plan = plan
        super().__init__(message or "; ".join(plan.errors))


@dataclass
class BibtexResult:
    plan: BibtexPlan
    papers: list[Paper] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)


def _paper_slug_text(title: str, year: int | None) -> str:
    base = slugify(title)
    if len(base) > 60:
        base = base[:60].rsplit("-", 1)[0]
    return f"{base} {year}" if year else base


def bibtex_import(
    *, text: str, user, fingerprint: str = "", same_as: Sequence[str] = ()
) -> BibtexResult:
    """Create the papers of ``text`` (see the module docstring), all or nothing, recorded in the
    admin log as added by ``user``.

    Raises BibtexPlanError, having written nothing, when any entry has an error, or when
    ``fingerprint`` (of the previewed plan) is given and the plan is no longer that one.
    Every record gets a first version, "BibTeX import", in ``user``'s name. ``same_as`` are the
    preview's confirmed choices of an existing person for a new name
    (``people.services.same_as_choices``): those names become aliases first, so they match.
    """
    with transaction.atomic(), recorded(LOG_MESSAGE_REASON, user=user):
        return _import(text=text, user=user, fingerprint=fingerprint, same_as=same_as)


def _import(*, text: str, user, fingerprint: str, same_as: Sequence[str]) -> BibtexResult:
    plan = bibtex_plan(text)
    if not plan.ok:
        raise BibtexPlanError(plan)
    if fingerprint and plan.fingerprint() != fingerprint:
        raise BibtexPlanError(
            plan, "The records changed since the preview: check the new preview and confirm again."
        )
    if apply_same_as(same_as, user=user):
        plan = bibtex_plan(text)  # the chosen names now match their people
        if not plan.ok:
            raise BibtexPlanError(plan)
    result = BibtexResult(plan=plan)
    result.venues, venues = _create_venues(list(plan.new_venues.values()))
    result.people, people = _create_people(list(plan.new_people.items()))
    entries = plan.new_papers
    result.papers = _create_papers(entries, venues)
    # Bulk inserts send no signals: the first versions are recorded in bulk too.
    for model, created in ((Venue, result.venues), (Person, result.people), (Paper, result.papers)):
        record_versions(model, created, "+", links=False)
    _create_authorships(entries, result.papers, people)
    # bulk_create sends no post_save signal: forget the cached pages here.
    invalidate_pages()
    _log_additions(user, [*result.venues, *result.people, *result.papers])
    return result


def _create_venues(new_venues: list[NewVenue]) -> tuple[list[Venue], dict[int, Venue]]:
    """The venues created, and each by the id() of the NewVenue its entries point to."""
    slugs = unique_slugs(Venue.objects.all(), [new.short_name or new.name for new in new_venues])
    created = Venue.objects.bulk_create(
        Venue(name=new.name, short_name=new.short_name, kind=new.kind, slug=slug)
        for new, slug in zip(new_venues, slugs, strict=True)
    )
    return created, {id(new): venue for new, venue in zip(new_venues, created, strict=True)}


def _create_people(
    new_people: list[tuple[str, NewPerson]],
) -> tuple[list[Person], dict[str, Person]]:
    """The people created, and each by the normalised name the plan keys it by."""
    slugs = unique_slugs(Person.objects.all(), [new.name for _, new in new_people])
    created = Person.objects.bulk_create(
        Person(
            name=new.name, given_name=new.given_name, family_name=new.family_name, slug=slug
        )
        for (_, new), slug in zip(new_people, slugs, strict=True)
    )
    return created, {key: person for (key, _), person in zip(new_people, created, strict=True)}


def _create_papers(entries: list[PlannedEntry], venues: dict[int, Venue]) -> list[Paper]:
    slugs = unique_slugs(
        Paper.objects.all(), [_paper_slug_text(entry.title, entry.year) for entry in entries]
    )
    return Paper.objects.bulk_create(
        Paper(
            title=entry.title,
            slug=slug,
            venue=venues[id(entry.new_venue)] if entry.new_venue else entry.venue,
            year=entry.year,
            month=entry.month,
            status=entry.status,
            doi=entry.doi,
            arxiv_id=entry.arxiv_id,
            url=entry.url,
            abstract=entry.abstract,
            note=entry.note,
            authors_complete=entry.authors_complete,
        )
        for entry, slug in zip(entries, slugs, strict=True)
    )


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


def _log_additions(user, created: list) -> None:
    if created:
        LogEntry.objects.log_actions(
            user_id=user.pk, queryset=created, action_flag=ADDITION, change_message=LOG_MESSAGE
        )
