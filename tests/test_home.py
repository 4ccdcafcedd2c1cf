import pytest

from tests.factories import AuthorshipFactory

pytestmark = pytest.mark.django_db


def test_home_lists_counts_and_links_to_the_admin(client):
    AuthorshipFactory()

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["counts"] == [
        ("people", 1),
        ("papers", 1),
        ("venues", 1),
        ("institutions", 0),
    ]
    assert 'href="/admin/"' in response.content.decode()


@pytest.mark.parametrize("item_count", [1, 5])
def test_home_query_count_is_constant(client, django_assert_num_queries, item_count):
    for _ in range(item_count):
        AuthorshipFactory()

    with django_assert_num_queries(4):
        client.get("/")


def test_home_rejects_post(client):
    assert client.post("/").status_code == 405


def test_home_for_a_lab_admin_links_to_curation(client, lab_admin):
    client.force_login(lab_admin)

    response = client.get("/")

    assert '<a href="/admin/">Curation</a>' in response.content.decode()


def test_home_for_a_visitor_offers_the_lab_admin_log_in(client):
    content = client.get("/").content.decode()

    assert '<a href="/admin/login/?next=/admin/">Lab admins: log in</a>' in content
    assert "Curation</a>" not in content


def test_home_for_a_member_offers_neither(member_client):
    content = member_client.get("/").content.decode()

    assert "log in</a>" not in content
    assert "Curation</a>" not in content
