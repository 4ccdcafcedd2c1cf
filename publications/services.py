"""Writes that touch several rows of the publications app. Keyword-only and atomic."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from people.matching import NameMatchError, PersonMatcher
from people.models import Institution, Person
from people.names import normalize_name
from people.services import person_create
from publications.byline import (
    MARK_FIELDS,
    BylineEntry,
    BylineError,
    format_byline,
    parse_byline,
)
from publications.models import Authorship, Paper


@dataclass
class AuthorSpec:
    """One author as a paper's list should have it. ``affiliations=None`` keeps what the
    person's existing row on this paper had."""

    person: Person
    printed_name: str = ""
    equal_contribution: bool = False
    lead: bool = False
    mentee: bool = False
    corresponding: bool = False
    affiliations: Sequence[Institution] | None = None


@dataclass
class BylineResult:
    created: list[Person] = field(default_factory=list)
    changed: bool = False


def authorship_entry(authorship: Authorship) -> BylineEntry:
    return BylineEntry(
        name=authorship.display_name,
        slug=authorship.person.slug,
        **{mark: getattr(authorship, mark) for mark in MARK_FIELDS},
    )


def paper_byline(paper: Paper, *, matcher: PersonMatcher | None = None) -> str:
    """The paper's byline as one line. With a matcher, an author whose printed name would not
    resolve back to them (a namesake) carries their slug, so the line round-trips."""
    authorships = paper.authorships.all()  # prefetched by Paper.objects.for_list()
    people = {a.person.slug: a.person for a in authorships}

    def with_slug(entry: BylineEntry) -> bool:
        return matcher is not None and not matcher.is_unambiguous(entry.name, people[entry.slug])

    return format_byline([authorship_entry(a) for a in authorships], with_slug=with_slug)


def byline_resolve(
    *, byline: str, matcher: PersonMatcher
) -> list[tuple[BylineEntry, Person | None]]:
    """Parse and match a byline without writing: each entry with its person, or None for a
    person to be created. Raises BylineError naming the author at fault."""
    resolved = []
    seen: dict[object, int] = {}
    longest = Person._meta.get_field("name").max_length
    for number, entry in enumerate(parse_byline(byline), start=1):
        if len(entry.name) > longest:
            raise BylineError(
                f"Author {number} (“{entry.name[:40]}…”) is longer than {longest} characters: "
                "is a “;” missing between two authors?"
            )
        try:
            person = matcher.match(entry.name, slug=entry.slug)
        except NameMatchError as error:
            raise BylineError(f"Author {number}: {error}.") from None
        key = person.pk if person else normalize_name(entry.name)
        if key in seen:
            raise BylineError(
                f"Author {number} (“{entry.name}”) is the same person as author {seen[key]}."
            )
        seen[key] = number
        resolved.append((entry, person))
    return resolved


@transaction.atomic
def paper_set_byline(
    *, paper: Paper, byline: str, matcher: PersonMatcher | None = None
) -> BylineResult:
    """Make ``byline`` the paper's ordered author list, e.g. "Qinghao Hu*; Meng Zhang*; Peng Sun".

    Authors are matched by name or alias (see PersonMatcher); a name nobody has becomes a new
    person. Marks: * equal contribution, † lead, ‡ mentee, ✉ corresponding. Nothing is written
    when the list is unchanged. Pass one matcher for many papers to resolve names without a
    query per paper.
    """
    matcher = matcher or PersonMatcher.from_database()
    resolved = byline_resolve(byline=byline, matcher=matcher)
    result = BylineResult()
    authors = []
    for entry, person in resolved:
        if person is None:
            person = person_create(name=entry.name)
            matcher.add(person)
            result.created.append(person)
        authors.append(
            AuthorSpec(
                person=person,
                printed_name="" if entry.name == person.name else entry.name,
                **{mark: getattr(entry, mark) for mark in MARK_FIELDS},
            )
        )
    result.changed = paper_set_authorships(paper=paper, authors=authors)
    return result


def _row_signature(authorship: Authorship) -> tuple:
    return (
        authorship.person_id,
        authorship.position,
        authorship.printed_name,
        *(getattr(authorship, mark) for mark in MARK_FIELDS),
    )


@transaction.atomic
def paper_set_authorships(*, paper: Paper, authors: Sequence[AuthorSpec]) -> bool:
    """Replace the paper's author list with ``authors``, numbered 1..n in the order given.

    The rows are rewritten as a whole, so reordering or swapping people can never trip the
    unique (paper, position) and (paper, person) constraints half-way. Returns whether
    anything changed.
    """
    listed = Counter(author.person.pk for author in authors)
    duplicate = next((a.person for a in authors if listed[a.person.pk] > 1), None)
    if duplicate is not None:
        raise BylineError(f"{duplicate.name} is listed more than once.")

    wanted = [
        Authorship(
            paper=paper,
            person=author.person,
            position=position,
            printed_name=author.printed_name,
            **{mark: getattr(author, mark) for mark in MARK_FIELDS},
        )
        for position, author in enumerate(authors, start=1)
    ]
    through = Authorship.affiliations.through
    old_affiliations: dict[int, set[int]] = {}
    for person_id, institution_id in through.objects.filter(authorship__paper=paper).values_list(
        "authorship__person_id", "institution_id"
    ):
        old_affiliations.setdefault(person_id, set()).add(institution_id)
    new_affiliations = {
        author.person.pk: (
            old_affiliations.get(author.person.pk, set())
            if author.affiliations is None
            else {institution.pk for institution in author.affiliations}
        )
        for author in authors
    }
    existing = list(paper.authorships.order_by("position"))
    unchanged = [_row_signature(a) for a in existing] == [_row_signature(a) for a in wanted]
    if unchanged and {k: v for k, v in new_affiliations.items() if v} == old_affiliations:
        return False

    paper.authorships.all().delete()
    created = Authorship.objects.bulk_create(wanted)
    through.objects.bulk_create(
        through(authorship_id=authorship.pk, institution_id=institution_id)
        for authorship in created
        for institution_id in sorted(new_affiliations[authorship.person_id])
    )
    return True
