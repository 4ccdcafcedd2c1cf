import pytest

from tests.conftest import assert_no_private_data
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    KeywordFactory,
    PaperFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db



@pytest.fixture
def lab(settings):
    lab = InstitutionFactory(slug="the-lab", short_name="The Lab", kind="lab")
    settings.LAB_INSTITUTION = lab.slug
    return lab


def test_home_shows_name_description_and_counts(client, settings):
    settings.LAB_NAME = "Systems Lab"
    settings.LAB_DESCRIPTION = "We build fast systems."
    AuthorshipFactory()

    response = client.get("/")

    content = response.content.decode()
    assert response.context["counts"] == [
        ("people", 1),
        ("papers", 1),
        ("venues", 1),
        ("institutions", 0),
    ]
    assert "<h1>Systems Lab</h1>" in content
    assert "We build fast systems." in content
    assert content.count("<h1") == 1


def test_home_lists_current_members_not_alumni(client, lab):
    current = RoleFactory(institution=lab, person__name="Cora Current", end_year=None).person
    RoleFactory(institution=lab, person__name="Alma Alumna", end_year=2021)

    response = client.get("/")

    assert [p.slug for p in response.context["members"]] == [current.slug]
    assert "Cora Current" in response.content.decode()
    assert "Alma Alumna" not in response.content.decode()


def test_home_lists_recent_dated_papers_newest_first(client, lab):
    PaperFactory(title="Old", year=2019)
    PaperFactory(title="New", year=2024)
    PaperFactory(title="Undated preprint", year=None, status="preprint")

    response = client.get("/")

    assert [p.title for p in response.context["recent_papers"]] == ["New", "Old"]


@pytest.mark.parametrize("item_count", [1, 5])
def test_home_query_count_is_constant(client, lab, django_assert_num_queries, item_count):
    for _ in range(item_count):
        RoleFactory(institution=lab, end_year=None)
        AuthorshipFactory().paper.keywords.add(KeywordFactory())

    # lab, members + their roles, papers + authors + awards + keywords + earlier versions (the
    # prefetch of Paper.objects.with_versions(), one query whatever the number), four counts
    with django_assert_num_queries(12):
        client.get("/")


def test_home_rejects_post(client):
    assert client.post("/").status_code == 405


def test_home_for_a_lab_admin_links_to_curation(client, lab_admin):
    client.force_login(lab_admin)

    response = client.get("/")

    assert '<a href="/admin/">Curation</a>' in response.content.decode()


def test_home_for_a_visitor_offers_log_in(client):
    content = client.get("/").content.decode()

    assert '<a href="/accounts/login/">Log in</a>' in content
    assert "Curation</a>" not in content


def test_home_for_a_member_offers_log_out_but_no_curation(member_client):
    content = member_client.get("/").content.decode()

    assert "Log out</button>" in content
    assert "Log in</a>" not in content
    assert "Curation</a>" not in content


def test_home_never_shows_private_fields(client, member_client, lab, private_person):
    RoleFactory(institution=lab, person=private_person, end_year=None)

    for browser in (client, member_client):
        response = browser.get("/")
        assert "Pat Private" in response.content.decode()
        assert_no_private_data(response.content)
