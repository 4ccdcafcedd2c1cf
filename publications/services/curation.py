"""Curation writes of the publications app: merging venues and papers, the publications' part
of person and institution merges (byline rows, service, publishers, affiliations), reverting a
paper to an earlier version with its byline and awards, and restoring a deleted paper, or the
service of a restored person.

Byline rows are written through ``papers_set_authorships`` like every byline write; every
other move goes through ``lab.core.merging.move``, so each moved row gets its version.
"""

from django.db import transaction

from lab.core.history import (
    as_of,
    deleted_with,
    next_version_date,
    record_versions,
    recorded,
    restore_record,
    revert_record,
    version_links,
)
from lab.core.merging import (
    MergeError,
    MergePlan,
    MergeStep,
    check_mergeable,
    count_line,
    fill_empty_fields,
    move,
    take_kept_apart,
    take_slugs,
)
from people.models import Institution, Person
from people.services import (
    institution_merge_steps,
    person_merge_steps,
    person_restore_steps,
)
from publications.byline import MARK_FIELDS, MARK_TABLE
from publications.models import Authorship, Paper, PaperAward, Service, Venue
from publications.services.bylines import AuthorSpec, papers_set_authorships
from publications.services.keywords import papers_set_keywords

#: Papers named in a refusal at most; the rest are counted.
NAMED = 5


def _spec(row, *, person=None, printed_name=None, affiliations=None) -> AuthorSpec:
    return AuthorSpec(
        person=person or row.person,
        printed_name=row.printed_name if printed_name is None else printed_name,
        affiliations=affiliations,
        **{mark: getattr(row, mark) for mark in MARK_FIELDS},
    )


def _affiliations(rows) -> dict[int, list[Institution]]:
    """row id -> its affiliations (as institutions with only a pk), in one query."""
    through = Authorship.affiliations.through
    found: dict[int, list[Institution]] = {row.pk: [] for row in rows}
    links = through.objects.filter(authorship__in=list(found)).values_list(
        "authorship_id", "institution_id"
    )
    for authorship_id, institution_id in links:
        found[authorship_id].append(Institution(pk=institution_id))
    return found


def _titles(papers) -> str:
    papers = list(papers)
    named = ", ".join(f"“{paper.title}”" for paper in papers[:NAMED])
    more = len(papers) - NAMED
    return named + (f" and {more} more" if more > 0 else "")


# --- the publications' part of a person merge ---------------------------------------------------


def _person_plan(keep: Person, drop: Person) -> MergePlan:
    plan = MergePlan()
    shared = Paper.objects.filter(authorships__person=keep).filter(authorships__person=drop)
    shared = list(shared.only("title").order_by("title"))
    if shared:
        plan.conflicts.append(
            f"Both are authors of {_titles(shared)}: an author list names a person once, so "
            "they are two people (or one of the bylines is wrong: fix it first)."
        )
    plan.moves += count_line(drop.authorships.count(), "place on a byline", "places on bylines")
    plan.moves += count_line(drop.services.count(), "service", "services")
    return plan


def _person_apply(keep: Person, drop: Person) -> None:
    """Each of ``drop``'s byline places goes to ``keep``, at the same position with the same
    marks and affiliations, printed as before (``drop``'s name, unless it is ``keep``'s)."""
    papers = list(Paper.objects.filter(authorships__person=drop))
    rows = list(
        Authorship.objects.filter(paper__in=papers).select_related("person").order_by("position")
    )
    dropped = [row for row in rows if row.person_id == drop.pk]
    affiliations = _affiliations(dropped)
    bylines: dict[Paper, list[AuthorSpec]] = {paper: [] for paper in papers}
    by_pk = {paper.pk: paper for paper in papers}
    for row in rows:
        if row.person_id != drop.pk:
            bylines[by_pk[row.paper_id]].append(_spec(row))
            continue
        printed = row.printed_name or drop.name
        bylines[by_pk[row.paper_id]].append(
            _spec(
                row,
                person=keep,
                printed_name="" if printed == keep.name else printed,
                affiliations=affiliations[row.pk],
            )
        )
    papers_set_authorships(authors=bylines)
    move(Service.objects.filter(person=drop), person=keep)


# --- the publications' part of an institution merge ---------------------------------------------


def _institution_plan(keep: Institution, drop: Institution) -> MergePlan:
    plan = MergePlan()
    through = Authorship.affiliations.through
    plan.moves += count_line(drop.venues.count(), "venue it publishes", "venues it publishes")
    plan.moves += count_line(
        through.objects.filter(institution=drop).count(), "affiliation", "affiliations"
    )
    return plan


def _institution_apply(keep: Institution, drop: Institution) -> None:
    move(Venue.objects.filter(publisher=drop), publisher=keep)
    through = Authorship.affiliations.through
    rows = list(Authorship.objects.filter(affiliations=drop))
    if not rows:
        return
    both = through.objects.filter(institution=keep).values("authorship_id")
    through.objects.filter(institution=drop, authorship_id__in=both).delete()
    through.objects.filter(institution=drop).update(institution=keep)
    record_versions(Authorship, rows, "~")


def _restore_service(person: Person, version) -> None:
    for service in deleted_with(Service, version, person_id=person.pk):
        restore_record(Service, service)


person_merge_steps.append(MergeStep(plan=_person_plan, apply=_person_apply))
institution_merge_steps.append(MergeStep(plan=_institution_plan, apply=_institution_apply))
person_restore_steps.append(_restore_service)


# --- venues -------------------------------------------------------------------------------------


def venue_merge_plan(*, keep: Venue, drop: Venue) -> MergePlan:
    check_mergeable(keep, drop)
    plan = MergePlan()
    plan.moves += count_line(drop.papers.count(), "paper", "papers")
    plan.moves += count_line(drop.services.count(), "service", "services")
    return plan


@transaction.atomic
def venue_merge(*, keep: Venue, drop: Venue, user=None) -> Venue:
    """Fold ``drop`` into ``keep``: its papers and service move, ``keep``'s empty fields are
    filled from it, its slug becomes a former slug (its page answers 301); then it is deleted.
    Raises MergeError, writing nothing, when they are one venue or were kept apart."""
    keep, drop = (Venue.objects.get(pk=v.pk) for v in (keep, drop))
    venue_merge_plan(keep=keep, drop=drop)
    with recorded(f"merge of {drop.slug} into {keep.slug}", user=user):
        move(drop.papers.all(), venue=keep)
        move(drop.services.all(), venue=keep)
        fill_empty_fields(keep, drop, skip=("name", "slug", "former_slugs"))
        take_slugs(keep, drop)
        take_kept_apart(keep, drop)
        keep.save()
        drop.delete()
    return keep


# --- papers -------------------------------------------------------------------------------------


def paper_merge_plan(*, keep: Paper, drop: Paper) -> MergePlan:
    check_mergeable(keep, drop)
    plan = MergePlan()
    for name, label in (("doi", "DOIs"), ("arxiv_id", "arXiv ids")):
        mine, theirs = getattr(keep, name), getattr(drop, name)
        if mine and theirs and mine.lower() != theirs.lower():
            plan.conflicts.append(
                f"Different {label} ({mine} and {theirs}): these are two works, or one of "
                "them is wrong."
            )
    titles = set(keep.awards.values_list("title", flat=True))
    added = [t for t in drop.awards.values_list("title", flat=True) if t not in titles]
    plan.moves += count_line(len(added), "award", "awards")
    mine = set(keep.keywords.values_list("pk", flat=True))
    extra = [pk for pk in drop.keywords.values_list("pk", flat=True) if pk not in mine]
    plan.moves += count_line(len(extra), "keyword", "keywords")
    plan.moves += count_line(drop.earlier_versions.count(), "earlier version", "earlier versions")
    if not keep.authorships.exists() and drop.authorships.exists():
        plan.moves.append("its byline (the kept paper has none)")
    elif drop.authorships.exists():
        plan.moves.append("not its byline: the kept paper's byline stays")
    return plan


@transaction.atomic
def paper_merge(*, keep: Paper, drop: Paper, user=None) -> Paper:
    """Fold ``drop``, the same work entered twice, into ``keep``: its awards, keywords, earlier
    versions and (when ``keep`` has none) its byline move; ``keep``'s empty fields (DOI, arXiv
    id, links, abstract...) are filled from it; its slug becomes a former slug; then it is
    deleted. Raises MergeError, writing nothing, when they are one paper, were kept apart or
    have different DOIs or arXiv ids."""
    keep, drop = (Paper.objects.get(pk=p.pk) for p in (keep, drop))
    plan = paper_merge_plan(keep=keep, drop=drop)
    if plan.conflicts:
        raise MergeError(" ".join(plan.conflicts))
    with recorded(f"merge of {drop.slug} into {keep.slug}", user=user):
        if not keep.authorships.exists():
            rows = list(drop.authorships.select_related("person").order_by("position"))
            links = _affiliations(rows)
            bylines = {keep: [_spec(row, affiliations=links[row.pk]) for row in rows]}
            papers_set_authorships(authors=bylines)
        titles = set(keep.awards.values_list("title", flat=True))
        move(drop.awards.exclude(title__in=titles), paper=keep)
        # Both papers' keywords; keep's version (keep.save below) records them.
        names = [k.name for k in (*keep.keywords.all(), *drop.keywords.all())]
        papers_set_keywords(keywords={keep: names}, versions=False)
        move(drop.earlier_versions.exclude(pk=keep.pk), published_version=keep)
        if not keep.published_version_id and drop.published_version_id != keep.pk:
            keep.published_version_id = drop.published_version_id
        fill_empty_fields(keep, drop, skip=("title", "slug", "former_slugs"))
        take_slugs(keep, drop)
        take_kept_apart(keep, drop)
        drop.delete()  # first: its DOI or arXiv id may be the one keep takes (both unique)
        keep.save()
    return keep


def _authors_from_versions(rows) -> list[AuthorSpec]:
    """A byline from versions of its rows (in position order), with the affiliations each
    version recorded; MergeError when one of the people no longer exists."""
    people = Person.objects.in_bulk([row.person_id for row in rows])
    gone = [row.printed_name or f"#{row.person_id}" for row in rows if row.person_id not in people]
    if gone:
        raise MergeError(f"The authors {', '.join(gone)} of that version no longer exist.")
    links = version_links(Authorship, rows)
    return [
        _spec(
            row,
            person=people[row.person_id],
            affiliations=[Institution(pk=pk) for pk in links[row.history_id]["affiliations"]],
        )
        for row in rows
    ]


def paper_revert(*, paper: Paper, version, user=None) -> Paper:
    """Give ``paper`` back the fields, byline and awards of ``version`` (one of its versions),
    recorded as a new version "revert to the version of <date>"; the slug stays (links made
    since keep working). Raises MergeError when an author of that byline no longer exists."""
    when = f"{version.history_date:%Y-%m-%d %H:%M:%S}"
    with transaction.atomic(), recorded(f"revert to the version of {when}", user=user):
        cutoff = next_version_date(version)
        rows = sorted(as_of(Authorship, cutoff, paper_id=paper.pk), key=lambda r: r.position)
        authors = _authors_from_versions(rows)
        revert_record(paper, version)
        papers_set_authorships(authors={paper: authors})
        titles = {award.title for award in as_of(PaperAward, cutoff, paper_id=paper.pk)}
        paper.awards.exclude(title__in=titles).delete()
        existing = set(paper.awards.values_list("title", flat=True))
        for title in sorted(titles - existing):
            PaperAward.objects.create(paper=paper, title=title)
    return paper


def paper_restore(*, version, user=None) -> Paper:
    """Bring back the paper a deletion ``version`` recorded, with the byline rows (and their
    affiliations) and awards deleted with it, as created again ("restore of <slug>")."""
    with transaction.atomic(), recorded(f"restore of {version.slug}", user=user):
        paper = restore_record(Paper, version)
        rows = deleted_with(Authorship, version, paper_id=paper.pk)
        rows.sort(key=lambda row: row.position)
        papers_set_authorships(authors={paper: _authors_from_versions(rows)}, new={paper.pk})
        for award in deleted_with(PaperAward, version, paper_id=paper.pk):
            restore_record(PaperAward, award)
    return paper


# --- reading a paper's past bylines -------------------------------------------------------------


def paper_bylines_at(versions) -> list[str]:
    """The byline of each of ``versions`` (versions of one paper) as it was at that version:
    the byline rows as they stood until the paper's next version. Three queries for any number
    of versions: the paper's later version dates, its byline rows' versions, their people."""
    versions = list(versions)
    if not versions:
        return []
    pk = versions[0].id
    dates = sorted(
        Paper.history.filter(id=pk).values_list("history_date", flat=True).distinct()
    )
    rows = list(Authorship.history.filter(paper_id=pk).order_by("history_date", "history_id"))
    names = dict(
        Person.objects.filter(pk__in={row.person_id for row in rows}).values_list("pk", "name")
    )
    bylines = []
    for version in versions:
        later = [date for date in dates if date > version.history_date]
        cutoff = later[0] if later else None
        last = {}
        for row in rows:
            if cutoff is None or row.history_date < cutoff:
                last[row.id] = row
        current = sorted(
            (row for row in last.values() if row.history_type != "-"), key=lambda r: r.position
        )
        bylines.append(
            "; ".join(
                (row.printed_name or names.get(row.person_id, f"#{row.person_id}"))
                + "".join(mark.sign for mark in MARK_TABLE if getattr(row, mark.field))
                for row in current
            )
        )
    return bylines


def paper_byline_at(version) -> str:
    return paper_bylines_at([version])[0]
