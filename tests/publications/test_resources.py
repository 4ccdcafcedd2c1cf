"""publications.resources: venues, papers with bylines, authorships, awards, service."""

import pytest

from lab.core.importing import import_dataset
from lab.core.spreadsheets import csv_bytes
from lab.core.uploads import read_dataset
from people.models import Person
from publications.models import Authorship, Keyword, Paper, PaperAward, Service
from publications.resources import (
    AuthorshipResource,
    KeywordResource,
    PaperAdminResource,
    PaperAwardResource,
    PaperResource,
    ServiceResource,
    VenueResource,
)
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    KeywordFactory,
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
        "volume",
        "number",
        "pages",
        "article_number",
        "publisher",
        "series",
        "isbn",
        "issn",
        "event_place",
        "event_dates",
        "doi",
        "arxiv_id",
        "url",
        "pdf_url",
        "code_url",
        "slides_url",
        "poster_url",
        "video_url",
        "website_url",
        "keywords",
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


# Citation fields and keywords (issue 13) --------------------------------------------------------


def keyword_names(paper) -> list[str]:
    return [keyword.name for keyword in Paper.objects.get(pk=paper.pk).keywords.all()]


def test_keywords_cell_matches_whatever_the_case_and_creates_new_keywords(lucid):
    KeywordFactory(name="GPU clusters", slug="gpu-clusters")
    dataset = rows(["slug", "keywords"], ["lucid", "gpu CLUSTERS; scheduling, Deep  learning"])

    outcome = import_dataset(PaperAdminResource(), dataset, user=None, dry_run=False)

    assert (outcome.changed, problems(outcome)) == (1, [])
    assert keyword_names(lucid) == ["Deep learning", "GPU clusters", "scheduling"]
    assert sorted(Keyword.objects.values_list("slug", flat=True)) == [
        "deep-learning",
        "gpu-clusters",
        "scheduling",
    ]
    # The new keywords have their first version, the paper one with its keywords.
    new = Keyword.history.filter(history_type="+").exclude(slug="gpu-clusters")
    assert sorted(new.values_list("name", flat=True)) == ["Deep learning", "scheduling"]
    version = Paper.history.filter(id=lucid.pk).latest()
    assert sorted(k.keyword.name for k in version.keywords.all()) == [
        "Deep learning",
        "GPU clusters",
        "scheduling",
    ]


def test_keywords_cell_in_another_order_or_case_is_unchanged_and_an_empty_one_removes(lucid):
    lucid.keywords.add(KeywordFactory(name="B topic"), KeywordFactory(name="a topic"))

    same = import_dataset(
        PaperAdminResource(),
        rows(["slug", "keywords"], ["lucid", "b TOPIC; A topic"]),
        user=None,
        dry_run=True,
    )
    emptied = import_dataset(
        PaperAdminResource(), rows(["slug", "keywords"], ["lucid", ""]), user=None, dry_run=False
    )

    assert (same.changed, same.unchanged) == (0, 1)
    assert (emptied.changed, keyword_names(lucid)) == (1, [])
    assert Keyword.objects.count() == 2  # the keywords stay, untagged


def test_a_keyword_too_long_is_a_row_error_naming_the_column(lucid):
    outcome = import_dataset(
        PaperAdminResource(),
        rows(["slug", "keywords"], ["lucid", "ok; " + "x" * 101]),
        user=None,
        dry_run=False,
    )

    assert problems(outcome) == [
        f"Row 2, column keywords: The keyword “{'x' * 40}…” is longer than 100 characters."
    ]
    assert Keyword.objects.count() == 0


def test_new_paper_rows_get_their_keywords_and_citation_fields(db):
    dataset = rows(
        ["slug", "title", "authors", "volume", "number", "pages", "isbn", "issn", "keywords"],
        [
            "new",
            "New",
            "Ann New",
            "17",
            "8",
            "pp. 1234-1246",
            "ISBN 978 1 939133 39 7",
            "2375026x",
            "RDMA",
        ],
    )

    outcome = import_dataset(PaperAdminResource(), dataset, user=None, dry_run=False)

    assert (outcome.new, problems(outcome)) == (1, [])
    paper = Paper.objects.get(slug="new")
    assert (paper.volume, paper.number, paper.pages, paper.isbn, paper.issn) == (
        "17",
        "8",
        "1234–1246",
        "978-1-939133-39-7",
        "2375-026X",
    )
    assert keyword_names(paper) == ["RDMA"]
    (version,) = Paper.history.filter(id=paper.pk)
    assert [k.keyword.name for k in version.keywords.all()] == ["RDMA"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("isbn", "978-1-939133-39-8", "its check digit should be 7"),
        ("issn", "2375-0261", "its check digit should be X"),
        ("pdf_url", "/etc/passwd", "it starts with “/”"),
        ("pdf_url", "../up.pdf", "“..”"),
        ("pdf_url", "ftp://example.org/a.pdf", "other schemes"),
        ("slides_url", "slides.pdf", "Enter a valid URL."),
    ],
)
def test_bad_citation_values_are_row_errors_naming_the_column(lucid, column, value, message):
    outcome = import_dataset(
        PaperAdminResource(), rows(["slug", column], ["lucid", value]), user=None, dry_run=False
    )

    (problem,) = problems(outcome)
    assert problem.startswith(f"Row 2, column {column}: ")
    assert message in problem


def test_google_scholar_id_is_in_the_admin_columns_only():
    assert "google_scholar_id" in PaperAdminResource().get_export_headers()
    assert "google_scholar_id" not in PaperResource().get_export_headers()


def test_papers_with_every_new_column_export_and_reimport_unchanged(lucid):
    Paper.objects.filter(pk=lucid.pk).update(
        volume="12",
        number="3",
        pages="1–9",
        article_number="7",
        publisher="ACM",
        series="LNCS",
        isbn="0-306-40615-2",
        issn="0302-9743",
        event_place="Lisbon, Portugal",
        event_dates="April 15–16, 2024",
        pdf_url="lucid.pdf",
        slides_url="https://example.org/s",
        poster_url="https://example.org/p",
        video_url="https://example.org/v",
        website_url="https://example.org/w",
        google_scholar_id="abcDEF123",
    )
    lucid.keywords.add(KeywordFactory(name="Scheduling"), KeywordFactory(name="clusters"))
    resource = PaperAdminResource()
    exported = resource.export()
    before = list(Paper.objects.values().order_by("pk"))

    outcome = import_dataset(
        PaperAdminResource(),
        read_dataset(csv_bytes(exported.headers, list(exported)), filename="papers.csv"),
        user=None,
        dry_run=False,
    )

    assert (outcome.new, outcome.changed, outcome.unchanged, problems(outcome)) == (0, 0, 1, [])
    assert list(Paper.objects.values().order_by("pk")) == before
    assert dict(zip(exported.headers, exported[0], strict=True))["keywords"] == (
        "clusters; Scheduling"
    )


def test_keyword_resource_renames_by_slug(db):
    paper = PaperFactory()
    paper.keywords.add(KeywordFactory(name="ml", slug="ml"))

    outcome = import_dataset(
        KeywordResource(),
        rows(["slug", "name"], ["ml", "machine learning"], ["new-one", "New, one"]),
        user=None,
        dry_run=False,
    )

    assert problems(outcome) == [
        "Row 3, column name: A keyword cannot contain “,”: commas and semicolons separate "
        "keywords in spreadsheets and citations. Make it two keywords."
    ]
    outcome = import_dataset(
        KeywordResource(),
        rows(["slug", "name"], ["ml", "machine learning"]),
        user=None,
        dry_run=False,
    )
    assert (outcome.changed, keyword_names(paper)) == (1, ["machine learning"])
