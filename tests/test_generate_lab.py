import hashlib
import io
import statistics

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db.models import Count

from lab.core.cache import GENERATION_KEY
from people.enums import InstitutionKind, RoleKind
from people.models import Award, Institution, Person, Role
from publications.enums import VenueKind
from publications.models import Authorship, Paper, PaperAward, Service, Venue
from tests.factories import PersonFactory

SMALL = {"people": 80, "papers": 150, "authors_per_paper": 4, "venues": 8}


def generate(**options) -> str:
    out = io.StringIO()
    call_command("generate_lab", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def lab_digest() -> str:
    """A fingerprint of the generated records that ignores database ids and timestamps."""
    lines = [
        repr(row)
        for row in Person.objects.order_by("slug").values_list(
            "slug", "name", "aliases", "orcid", "email"
        )
    ]
    lines += [
        repr(row)
        for row in Role.objects.order_by(
            "person__slug", "kind", "title", "start_year", "institution__slug"
        ).values_list(
            "person__slug", "kind", "title", "institution__slug", "start_year", "end_year"
        )
    ]
    for paper in Paper.objects.for_list().order_by("slug"):
        byline = [
            (a.person.slug, a.marks, a.printed_name) for a in paper.authorships.all()
        ]
        awards = [award.title for award in paper.awards.all()]
        venue = paper.venue.slug if paper.venue else ""
        lines.append(
            repr((paper.slug, paper.title, paper.year, venue, paper.status, paper.doi,
                  paper.arxiv_id, byline, awards))
        )  # fmt: skip
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_generate_lab_counts_exactly_as_asked(db):
    output = generate()

    assert Person.objects.count() == 80
    assert Paper.objects.count() == 150
    assert Authorship.objects.count() == 150 * 4
    assert Venue.objects.count() == 8
    positions = {
        tuple(positions)
        for positions in (
            list(paper.authorships.values_list("position", flat=True))
            for paper in Paper.objects.prefetch_related(None)
        )
    }
    assert positions == {(1, 2, 3, 4)}
    assert set(Venue.objects.values_list("kind", flat=True)) == {
        VenueKind.CONFERENCE,
        VenueKind.JOURNAL,
        VenueKind.WORKSHOP,
        VenueKind.PREPRINT,
    }
    assert "people: 80" in output
    assert "authorships: 600" in output
    assert "Generated a synthetic lab (seed 1)" in output


def test_generate_lab_same_seed_same_data(db):
    generate(seed=7)
    first = lab_digest()

    generate(seed=7, flush=True)
    again = lab_digest()
    generate(seed=8, flush=True)
    other = lab_digest()

    assert again == first
    assert other != first


def test_generate_lab_rows_pass_model_validation(db):
    generate(people=40, papers=40, venues=5)

    # The database has enforced its constraints on insert; full_clean adds the checks that only
    # model validation makes (ORCID checksums, URL and slug formats, choices, parent loops).
    for model in (Institution, Person, Role, Award, Venue, Service, Paper, PaperAward):
        for record in model.objects.all():
            record.full_clean()
    for authorship in Authorship.objects.select_related("paper", "person")[:40]:
        authorship.full_clean()


def test_generate_lab_head_of_lab_is_most_prolific(db):
    generate()

    counts = list(
        Person.objects.annotate(paper_total=Count("authorships"))
        .order_by("-paper_total")
        .values_list("slug", "paper_total")
    )
    head_slug, head_papers = counts[0]
    median = statistics.median(papers for _slug, papers in counts)

    assert head_papers >= 5 * median
    assert head_papers > counts[1][1]
    director = Role.objects.get(title="Director")
    assert director.person.slug == head_slug
    assert director.institution.slug == settings.LAB_INSTITUTION


def test_generate_lab_lab_has_members_alumni_and_advisors(db):
    generate()

    lab = Institution.objects.get(slug=settings.LAB_INSTITUTION)
    lab_roles = Role.objects.filter(institution=lab)

    assert lab.kind == InstitutionKind.LAB
    assert lab.parent.kind == InstitutionKind.UNIVERSITY
    assert lab_roles.count() == 6  # a director and five members at this size
    assert lab_roles.filter(end_year__isnull=True).exists()
    assert lab_roles.filter(end_year__isnull=False).exists()
    assert Role.objects.filter(advisors__isnull=False).exists()
    assert Role.objects.filter(kind=RoleKind.POSITION, institution=lab.parent).exists()


def test_generate_lab_default_lab_has_about_sixty_members(db):
    generate(people=1300, papers=10, venues=3)

    lab_roles = Role.objects.filter(institution__slug=settings.LAB_INSTITUTION)
    current = lab_roles.filter(end_year__isnull=True, end_unknown=False)

    assert lab_roles.values("person").distinct().count() == 64
    assert 20 <= current.values("person").distinct().count() <= 40


def test_generate_lab_refuses_non_empty_database(db):
    PersonFactory(slug="kept-apart")

    with pytest.raises(CommandError, match="already has lab records"):
        generate()

    assert list(Person.objects.values_list("slug", flat=True)) == ["kept-apart"]


def test_generate_lab_flush_deletes_only_lab_records(db):
    user = get_user_model().objects.create(username="stays")
    PersonFactory(slug="goes-away", user=user)

    generate(flush=True)

    assert not Person.objects.filter(slug="goes-away").exists()
    assert Person.objects.count() == 80
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["stays"]


def test_generate_lab_invalidates_cached_pages(db):
    cache.set(GENERATION_KEY, 5, timeout=None)

    generate()

    # Bumped by the bulk writes (the generator's and the byline service's): every cached page
    # is forgotten; how many bumps it takes is not the point.
    assert cache.get(GENERATION_KEY) > 5


@pytest.mark.parametrize(
    "options",
    [
        {"authors_per_paper": 0},
        {"people": 5},
        {"venues": 0},
        {"people": 10, "authors_per_paper": 10},
    ],
)
def test_generate_lab_bad_size_is_an_error(db, options):
    with pytest.raises(CommandError):
        generate(**options)

    assert Person.objects.count() == 0
