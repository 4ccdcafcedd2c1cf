"""publications.resources: venues, papers with bylines, authorships, awards, service."""

import pytest

from lab.core.importing import import_dataset
from lab.core.spreadsheets import csv_bytes
from lab.core.uploads import read_dataset
from people.models import Person
from publications.models import Authorship, Paper, PaperAward, Service
from publications.resources import (
    AuthorshipResource,
    PaperAdminResource,
    PaperAwardResource,
    PaperResource,
    ServiceResource,
    VenueResource,
)
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    PaperAwardFactory,
    PaperFactory,
    PersonFactory,
    ServiceFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def rows(headers, *data):
    return read_dataset(csv_bytes(headers, data), filename="rows.csv")


def problems(outcome) -> list[str]:
    return [str(p) for p in outcome.problems]


def byline(paper) -> list[tuple[str, str, str]]:
    return [
        (a.person.slug, a.printed_name, a.marks) for a in paper.authorships.order_by("position")
    ]


@pytest.fixture
def lucid(db):
    paper = PaperFactory(slug="lucid", title="Lucid", venue=VenueFactory(slug="asplos"))
    for position, (slug, name) in enumerate(
        [("qinghao-hu", "Qinghao Hu"), ("kai-chen", "Kai Chen")], 1
    ):
        AuthorshipFactory(
            paper=paper, person=PersonFactory(slug=slug, name=name), position=position
        )
    return paper


def test_paper_resource_keeps_the_public_download_columns():
    assert PaperResource().get_export_headers() == [
        "slug",
        "title",
        "authors",
        "venue",
        "year",
        "month",
        "status",
        "doi",
        "arxiv_id",
        "url",
        "pdf_url",
        "code_url",
        "awards",
        "selected",
        "authors_complete",
        "note",
        "abstract",
    ]
    assert PaperAdminResource().get_export_headers()[:4] == [
        "slug",
        "title",
        "system_name",
        "authors",
    ]


def test_byline_with_printed_name_and_marks_is_written_in_order(lucid):
    Person.objects.filter(slug="kai-chen").update(aliases="K. Chen")
    dataset = rows(["slug", "authors"], ["lucid", "K. Chen✉; Qinghao Hu*†"])

    outcome = import_dataset(PaperAdminResource(), dataset, user=None, dry_run=False)

    assert (outcome.changed, outcome.created) == (1, [])
    assert byline(lucid) == [("kai-chen", "K. Chen", "✉"), ("qinghao-hu", "", "*†")]


def test_same_new_name_in_two_rows_creates_one_person(db):
    dataset = rows(
        ["slug", "title", "authors"], ["a", "A", "Ann New; Bo New"], ["b", "B", "Bo New"]
    )

    outcome = import_dataset(PaperAdminResource(), dataset, user=None, dry_run=False)

    assert [p.slug for p in outcome.created] == ["ann-new", "bo-new"]
    assert byline(Paper.objects.get(slug="b")) == [("bo-new", "", "")]
    assert Person.objects.count() == 2


def test_new_namesake_gets_a_free_slug(lucid):
    PersonFactory(name="Hao Wang", slug="hao-wang", match_by_name=False)
    dataset = rows(["slug", "title", "authors"], ["new", "New", "Hao Wang"])

    outcome = import_dataset(PaperAdminResource(), dataset, user=None, dry_run=False)

    assert [p.slug for p in outcome.created] == ["hao-wang-2"]


def test_emptying_the_byline_of_a_paper_with_authors_is_a_row_error(lucid):
    outcome = import_dataset(
        PaperAdminResource(), rows(["slug", "authors"], ["lucid", ""]), user=None, dry_run=False
    )

    assert problems(outcome) == [
        "Row 2, column authors: the cell is empty, but a paper keeps at least one author."
    ]
    assert len(byline(lucid)) == 2


def test_byline_errors_name_the_author(lucid):
    outcome = import_dataset(
        PaperAdminResource(),
        rows(["slug", "authors"], ["lucid", "Qinghao Hu; Qinghao Hu"]),
        user=None,
        dry_run=True,
    )

    assert problems(outcome) == [
        "Row 2, column authors: Author 2 (“Qinghao Hu”) is the same person as author 1."
    ]


def test_awards_cell_adds_and_removes_titles(lucid):
    PaperAwardFactory(paper=lucid, title="Old Award")
    dataset = rows(["slug", "awards"], ["lucid", "Best Paper Award; Test of Time"])

    outcome = import_dataset(PaperAdminResource(), dataset, user=None, dry_run=False)

    assert outcome.changed == 1
    assert sorted(lucid.awards.values_list("title", flat=True)) == [
        "Best Paper Award",
        "Test of Time",
    ]


def test_reordered_awards_are_unchanged(lucid):
    PaperAwardFactory(paper=lucid, title="A Award")
    PaperAwardFactory(paper=lucid, title="B Award")

    outcome = import_dataset(
        PaperAdminResource(),
        rows(["slug", "awards"], ["lucid", "B Award; A Award"]),
        user=None,
        dry_run=True,
    )

    assert (outcome.changed, outcome.unchanged) == (0, 1)


def test_byline_with_a_redundant_slug_is_unchanged(lucid):
    dataset = rows(["slug", "authors"], ["lucid", "Qinghao Hu <qinghao-hu>; Kai Chen"])

    outcome = import_dataset(PaperAdminResource(), dataset, user=None, dry_run=True)

    assert (outcome.changed, outcome.unchanged) == (0, 1)


def test_venue_with_unknown_publisher_is_a_row_error(db):
    outcome = import_dataset(
        VenueResource(),
        rows(["slug", "name", "publisher"], ["nsdi", "NSDI", "usenixx"]),
        user=None,
        dry_run=True,
    )

    assert problems(outcome) == ["Row 2, column publisher: no institution “usenixx”"]


def test_authorship_rows_by_paper_and_position(lucid):
    hkust = InstitutionFactory(slug="hkust")
    dataset = rows(
        ["paper", "position", "person", "printed_name", "lead", "affiliations"],
        ["lucid", 1, "qinghao-hu", "Q. Hu", 1, "hkust"],
    )

    outcome = import_dataset(AuthorshipResource(), dataset, user=None, dry_run=False)

    first = Authorship.objects.get(paper=lucid, position=1)
    assert (outcome.changed, first.printed_name, first.lead) == (1, "Q. Hu", True)
    assert list(first.affiliations.all()) == [hkust]


def test_authorship_with_an_unknown_affiliation_is_a_row_error(lucid):
    outcome = import_dataset(
        AuthorshipResource(),
        rows(
            ["paper", "position", "person", "affiliations"], ["lucid", 1, "qinghao-hu", "nowhere"]
        ),
        user=None,
        dry_run=True,
    )

    assert problems(outcome) == ["Row 2, column affiliations: no institution “nowhere”"]


def test_authorship_moving_a_person_onto_a_taken_place_is_a_row_error(lucid):
    dataset = rows(["paper", "position", "person"], ["lucid", 1, "kai-chen"])

    outcome = import_dataset(AuthorshipResource(), dataset, user=None, dry_run=False)

    assert problems(outcome) == [
        "Row 2, column person: another authorship already has this paper and person"
    ]
    assert byline(lucid) == [("qinghao-hu", "", ""), ("kai-chen", "", "")]


def test_paper_award_rows(lucid):
    outcome = import_dataset(
        PaperAwardResource(),
        rows(["paper", "title"], ["lucid", "Best Paper"]),
        user=None,
        dry_run=False,
    )

    assert outcome.new == 1
    assert PaperAward.objects.get().paper == lucid


def test_service_natural_key_and_import(db):
    service = ServiceFactory(
        person=PersonFactory(slug="ann"), venue=VenueFactory(slug="nsdi"), note=""
    )
    dataset = rows(
        ["person", "venue", "kind", "start_year", "end_year", "note"],
        ["ann", "nsdi", "reviewer", 2024, 2025, ""],
    )

    outcome = import_dataset(ServiceResource(), dataset, user=None, dry_run=False)

    service.refresh_from_db()
    assert service.natural_key() == ("ann", "nsdi", "reviewer", 2024, "")
    assert Service.objects.get_by_natural_key(*service.natural_key()) == service
    assert (outcome.changed, service.end_year) == (1, 2025)
