"""The one write path of byline rows: parsing and resolving bylines, and writing them."""

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter, itemgetter

from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from lab.core.bulk import adapt_datetime, filter_in, insert_rows
from lab.core.cache import invalidate_pages
from lab.core.history import record_versions, recorded_write, versions_in_context
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


def byline_matcher(bylines: Iterable[str]) -> PersonMatcher:
    """The matcher of the people ``bylines`` may mean (``entries_matcher``). A byline that does
    not parse adds nothing (resolving it reports why). Where the bylines are resolved too,
    parse each once and pass the entries to ``entries_matcher`` and ``resolve_entries``."""
    parsed = []
    for byline in bylines:
        try:
            parsed.append(parse_byline(byline))
        except BylineError:
            continue
    return entries_matcher(parsed)


def entries_matcher(bylines: Iterable[Sequence[BylineEntry]]) -> PersonMatcher:
    """The matcher of the people parsed bylines may mean (``PersonMatcher.for_names``: one
    query of indexed look-ups, not every person): the names and slugs of their entries."""
    names, slugs = set(), set()
    for entries in bylines:
        for entry in entries:
            names.add(entry.name)
            if entry.slug:
                slugs.add(entry.slug)
    return PersonMatcher.for_names(names, slugs=slugs)


def paper_byline(paper: Paper, *, matcher: PersonMatcher | None = None) -> str:
    """The paper's byline as one line. With a matcher, an author whose printed name would not
    resolve back to them (a namesake) carries their slug, so the line round-trips."""
    authorships = paper.authorships.all()  # prefetched by Paper.objects.for_list()
    people = {a.person.slug: a.person for a in authorships}

    def with_slug(entry: BylineEntry) -> bool:
        return matcher is not None and not matcher.is_unambiguous(entry.name, people[entry.slug])

    return format_byline([authorship_entry(a) for a in authorships], with_slug=with_slug)


def printed_bylines(paper_ids: Collection[int]) -> dict[int, str]:
    """The one-line bylines of the papers ``paper_ids`` (as ``paper_byline`` writes them
    without a matcher), by paper id, from one query of plain values: a change list's 100 papers
    have some 600 byline rows, which as Authorship and Person objects cost more than the
    rest of the page. A paper without authors is left out."""
    rows = (
        filter_in(Authorship.objects.all(), "paper", list(paper_ids))
        .order_by("paper_id", "position")
        .values_list("paper_id", "printed_name", "person__name", "person__slug", *MARK_FIELDS)
    )
    return {
        paper_id: format_byline(
            BylineEntry(printed or name, slug, *marks) for _, printed, name, slug, *marks in group
        )
        for paper_id, group in groupby(rows, itemgetter(0))
    }


def byline_resolve(
    *, byline: str, matcher: PersonMatcher
) -> list[tuple[BylineEntry, Person | None]]:
    """Parse and match a byline without writing (``resolve_entries``). Raises BylineError
    naming the author at fault."""
    return resolve_entries(parse_byline(byline), matcher=matcher)


def resolve_entries(
    entries: Sequence[BylineEntry], *, matcher: PersonMatcher
) -> list[tuple[BylineEntry, Person | None]]:
    """Match a parsed byline without writing: each entry with its person, or None for a person
    to be created. Raises BylineError naming the author at fault."""
    resolved = []
    seen: dict[object, int] = {}
    longest = Person._meta.get_field("name").max_length
    for number, entry in enumerate(entries, start=1):
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


def byline_authors(
    resolved: Sequence[tuple[BylineEntry, Person | None]],
    *,
    matcher: PersonMatcher,
    created: list[Person],
) -> list[AuthorSpec]:
    """The author list of a resolved byline (``byline_resolve``): a name nobody has becomes a
    new person (added to ``matcher`` and to ``created``); the printed name is kept where it
    differs from the person's."""
    authors = []
    for entry, person in resolved:
        if person is None:
            person = person_create(name=entry.name)
            matcher.add(person)
            created.append(person)
        authors.append(
            AuthorSpec(
                person=person,
                printed_name="" if entry.name == person.name else entry.name,
                **{mark: getattr(entry, mark) for mark in MARK_FIELDS},
            )
        )
    return authors


@transaction.atomic
def paper_set_byline(
    *, paper: Paper, byline: str, matcher: PersonMatcher | None = None
) -> BylineResult:
    """Make ``byline`` the paper's ordered author list, e.g. "Qinghao Hu*; Meng Zhang*; Peng Sun".

    Authors are matched by name or alias (see PersonMatcher); a name nobody has becomes a new
    person. Marks: see ``publications.byline.MARKS``. Only the rows that change are written
    (``papers_set_authorships``), nothing when the list is unchanged. Pass one matcher for many
    papers to resolve names without a query per paper.
    """
    matcher = matcher or byline_matcher([byline])
    resolved = byline_resolve(byline=byline, matcher=matcher)
    result = BylineResult()
    authors = byline_authors(resolved, matcher=matcher, created=result.created)
    result.changed = paper_set_authorships(paper=paper, authors=authors)
    return result


# --- the one write path of byline rows ----------------------------------------------------------
#
# Every write of Authorship rows (and of their affiliations) goes through
# ``papers_set_authorships``: the admin's byline field and author inline, the standalone
# Authorship admin, spreadsheet and BibTeX imports, the seed builder, the synthetic lab and
# merges. It keeps the invariants the rest of the code relies on: each paper's positions are
# 1..n without gaps, a person is on a paper once, and a write touches only the rows that change
# (an unchanged row keeps its id and its ``created`` time; history sees one changed row for a
# one-mark fix, not a new byline).

#: Rows per bulk insert or update; papers whose rows are read by one query.
BATCH_SIZE = 1000
READ_CHUNK = 10_000


@dataclass
class _RowChanges:
    """What one call of papers_set_authorships writes, gathered over every paper."""

    delete: list[Authorship] = field(default_factory=list)
    park: list[int] = field(default_factory=list)  # rows whose position changes
    update: list[Authorship] = field(default_factory=list)
    create: list[tuple["_NewRow", set[int]]] = field(default_factory=list)
    unlink: list[int] = field(default_factory=list)  # rows whose affiliations are replaced
    link: list[tuple[Authorship, set[int]]] = field(default_factory=list)
    papers: set[int] = field(default_factory=set)


def _check_listed_once(paper: Paper, authors: Sequence[AuthorSpec]) -> None:
    listed = Counter(author.person.pk for author in authors)
    duplicate = next((a.person for a in authors if listed[a.person.pk] > 1), None)
    if duplicate is not None:
        raise BylineError(f"{duplicate.name} is listed more than once.")


def _existing_rows(paper_ids: list[int]) -> tuple[dict, dict]:
    """(paper id -> {person id: row}, row id -> affiliation ids) of the papers' byline rows."""
    rows: dict[int, dict[int, Authorship]] = {pk: {} for pk in paper_ids}
    affiliations: dict[int, set[int]] = {}
    through = Authorship.affiliations.through
    for start in range(0, len(paper_ids), READ_CHUNK):
        chunk = paper_ids[start : start + READ_CHUNK]
        # Whole rows: a version of a row records every field.
        for row in Authorship.objects.filter(paper_id__in=chunk):
            rows[row.paper_id][row.person_id] = row
        for authorship_id, institution_id in through.objects.filter(
            authorship__paper_id__in=chunk
        ).values_list("authorship_id", "institution_id"):
            affiliations.setdefault(authorship_id, set()).add(institution_id)
    return rows, affiliations


#: The values of a byline row that its author list gives (``_row_values``).
_ROW_FIELDS = ("position", "printed_name", *MARK_FIELDS)


def _row_values(author: AuthorSpec, position: int) -> dict:
    return {
        "position": position,
        "printed_name": author.printed_name,
        **{mark: getattr(author, mark) for mark in MARK_FIELDS},
    }


def _plan_paper(paper, authors, existing: dict, affiliations: dict, changes: _RowChanges, now):
    """Add to ``changes`` what makes ``paper``'s rows those of ``authors``."""
    if not existing:  # a new paper, or one without authors: every row is new
        for position, author in enumerate(authors, start=1):
            institutions = {i.pk for i in author.affiliations} if author.affiliations else set()
            changes.create.append((_NewRow.of(paper.pk, author, position), institutions))
        if authors:
            changes.papers.add(paper.pk)
        return
    wanted = {author.person.pk for author in authors}
    for person_id, row in existing.items():
        if person_id not in wanted:
            changes.delete.append(row)
            changes.papers.add(paper.pk)
    for position, author in enumerate(authors, start=1):
        values = _row_values(author, position)
        institutions = None if author.affiliations is None else {i.pk for i in author.affiliations}
        row = existing.get(author.person.pk)
        if row is None:
            changes.create.append(
                (_NewRow(paper.pk, author.person.pk, values), institutions or set())
            )
            changes.papers.add(paper.pk)
            continue
        if any(getattr(row, name) != value for name, value in values.items()):
            if row.position != position:
                changes.park.append(row.pk)
            for name, value in values.items():
                setattr(row, name, value)
            row.modified = now
            changes.update.append(row)
            changes.papers.add(paper.pk)
        if institutions is not None and institutions != affiliations.get(row.pk, set()):
            changes.unlink.append(row.pk)
            changes.link.append((row, institutions))
            changes.papers.add(paper.pk)


class _NewRow:
    """A byline row to insert, as plain values: what ``_insert`` writes and its first version
    (``record_versions``) reads. An Authorship instance per new row cost more than the rest
    of a big import's byline write."""

    __slots__ = ("pk", "paper_id", "person_id", "created", "modified", *_ROW_FIELDS)

    def __init__(self, paper_id: int, person_id: int, values: dict):
        self.pk = self.created = self.modified = None
        self.paper_id, self.person_id = paper_id, person_id
        for name, value in values.items():
            setattr(self, name, value)

    @classmethod
    def of(cls, paper_id: int, author: AuthorSpec, position: int) -> "_NewRow":
        """The row of ``author`` at ``position`` (``_row_values``), made without the dict."""
        row = cls.__new__(cls)
        row.pk = row.created = row.modified = None
        row.paper_id, row.person_id, row.position = paper_id, author.person.pk, position
        row.printed_name = author.printed_name
        for mark in MARK_FIELDS:
            setattr(row, mark, getattr(author, mark))
        return row

    @property
    def id(self):
        return self.pk


#: The columns of a new byline row, as ``_insert`` writes them.
INSERT_FIELDS = ("created", "modified", "paper", "person", "position", "printed_name", *MARK_FIELDS)


def _insert(created: list[tuple[_NewRow, set[int]]], now) -> None:
    """Insert the new rows as plain values (``insert_rows``: bulk_create's per-value work was
    most of a big import's time), then read back their ids (for their affiliations and their
    first version), by paper."""
    stamp = adapt_datetime(now)
    marks = attrgetter(*MARK_FIELDS)
    insert_rows(
        Authorship,
        INSERT_FIELDS,
        (
            (stamp, stamp, row.paper_id, row.person_id, row.position, row.printed_name, *marks(row))
            for row, _ in created
        ),
    )
    by_key = {(row.paper_id, row.person_id): row for row, _ in created}
    papers = sorted({paper_id for paper_id, _ in by_key})
    # One query however many papers: the ids travel in one parameter (filter_in).
    ids = filter_in(Authorship.objects.all(), "paper", papers)
    for pk, paper_id, person_id in ids.values_list("pk", "paper_id", "person_id"):
        row = by_key.get((paper_id, person_id))
        if row is not None:
            row.pk, row.created, row.modified = pk, now, now


def _write(changes: _RowChanges, offset: int, now) -> None:
    """Apply ``changes`` in an order no unique constraint can trip over: delete the rows that
    go, park the rows that move past every position in use (one UPDATE), give them and the
    changed rows their final values, then insert the new rows and their affiliations. Each
    row written gets a version (lab.core.history), recorded in bulk."""
    through = Authorship.affiliations.through
    if changes.delete:
        record_versions(Authorship, changes.delete, "-")
        Authorship.objects.filter(pk__in=[row.pk for row in changes.delete]).delete()
    if changes.park:
        Authorship.objects.filter(pk__in=changes.park).update(position=F("position") + offset)
    if changes.update:
        Authorship.objects.bulk_update(
            changes.update,
            ["position", "printed_name", *MARK_FIELDS, "modified"],
            batch_size=BATCH_SIZE,
        )
    if changes.create:
        _insert(changes.create, now)
    if changes.unlink:
        through.objects.filter(authorship_id__in=changes.unlink).delete()
    links = [*changes.link, *((row, links) for row, links in changes.create if links)]
    through.objects.bulk_create(
        (
            through(authorship_id=row.pk, institution_id=institution_id)
            for row, institutions in links
            for institution_id in sorted(institutions)
        ),
        batch_size=BATCH_SIZE,
    )
    changed = {row.pk: row for row in changes.update}
    changed.update((row.pk, row) for row, _ in changes.link)
    record_versions(Authorship, changed.values(), "~")
    created = [row for row, _ in changes.create]
    linked = any(institutions for _, institutions in changes.create)
    # Inserted as plain values a moment ago: the database copies the new rows' versions.
    record_versions(Authorship, created, "+", links=linked, copied=True)
    # Bulk writes send no signals: forget the cached pages here.
    invalidate_pages()


@transaction.atomic
@recorded_write
def papers_set_authorships(
    *, authors: Mapping[Paper, Sequence[AuthorSpec]], new: Collection[int] = ()
) -> set[int]:
    """Make each paper's author list the one given, numbered 1..n in the order given; the bulk
    form of ``paper_set_authorships``. Returns the pks of the papers whose rows changed.

    A person's row on a paper is kept when they stay on it: only its position, printed name,
    marks or affiliations are updated where they differ (``affiliations=None`` keeps the row's),
    so unchanged rows keep their id and ``created`` time. A fixed number of queries whatever
    the number of papers and authors (the reads in chunks of ``READ_CHUNK`` papers): nothing is
    written when nothing changes. The papers must be saved; ``new`` names (by pk) those just
    created, which have no rows to read. Raises BylineError, writing nothing, when a paper lists
    a person twice.
    """
    papers = list(authors)
    for paper in papers:
        _check_listed_once(paper, authors[paper])
    if not papers:
        return set()
    new = set(new)
    rows, affiliations = _existing_rows([paper.pk for paper in papers if paper.pk not in new])
    rows.update((pk, {}) for pk in new)
    # Moving rows are parked past every position in use, before or after the write.
    offset = max(
        [len(listed) for listed in authors.values()]
        + [row.position for existing in rows.values() for row in existing.values()],
        default=0,
    )
    changes, now = _RowChanges(), timezone.now()
    for paper in papers:
        _plan_paper(paper, authors[paper], rows[paper.pk], affiliations, changes, now)
    if changes.papers:
        # A paper's byline is part of the paper: an edit of it is a version of the paper,
        # unless the paper already has one in this edit (saved with its byline, or created).
        versioned = versions_in_context()
        edited = [
            paper
            for paper in papers
            if paper.pk in changes.papers
            and paper.pk not in new
            and (Paper._meta.label, paper.pk) not in versioned
        ]
        record_versions(Paper, edited, "~")
        _write(changes, offset=offset, now=now)
    return changes.papers


def paper_set_authorships(*, paper: Paper, authors: Sequence[AuthorSpec]) -> bool:
    """Make ``authors`` the paper's author list, numbered 1..n in the order given; returns
    whether anything changed. See ``papers_set_authorships``."""
    return bool(papers_set_authorships(authors={paper: authors}))


def _spec(row: Authorship, **changes) -> AuthorSpec:
    values = {
        "person": row.person,
        "printed_name": row.printed_name,
        **{mark: getattr(row, mark) for mark in MARK_FIELDS},
    }
    return AuthorSpec(**{**values, **changes})


@transaction.atomic
def authorship_put(
    *, authorship: Authorship, affiliations: Sequence[Institution] | None = None
) -> Authorship:
    """Write one byline row, as the standalone Authorship admin and spreadsheet rows of
    byline places give it, through its paper's author list: the row's person takes the row's
    position (an existing row moves there; a position past the end appends), the list is
    renumbered 1..n. ``affiliations=None`` keeps the row's. ``authorship`` is updated to the
    row as saved (a changed person is a new row: the old person's row goes)."""
    rows = list(authorship.paper.authorships.select_related("person").order_by("position"))
    authors = [_spec(row) for row in rows if row.pk != authorship.pk]
    place = min(max(authorship.position or len(authors) + 1, 1), len(authors) + 1)
    authors.insert(place - 1, _spec(authorship, affiliations=affiliations))
    paper_set_authorships(paper=authorship.paper, authors=authors)
    saved = Authorship.objects.get(paper=authorship.paper, person=authorship.person)
    for name in ("id", "position", "created", "modified"):
        setattr(authorship, name, getattr(saved, name))
    return authorship


@transaction.atomic
def authorships_delete(*, authorships: Iterable[Authorship]) -> None:
    """Take these rows off their papers' author lists; the rest are renumbered 1..n."""
    gone: dict[int, set[int]] = {}
    for row in authorships:
        gone.setdefault(row.paper_id, set()).add(row.pk)
    papers = Paper.objects.filter(pk__in=gone).prefetch_related(
        Prefetch("authorships", Authorship.objects.in_order())
    )
    papers_set_authorships(
        authors={
            paper: [_spec(row) for row in paper.authorships.all() if row.pk not in gone[paper.pk]]
            for paper in papers
        }
    )
