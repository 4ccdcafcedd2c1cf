import pytest

from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_logged_in_user_comes_with_their_person_in_one_query(
    client, member, django_assert_num_queries
):
    PersonFactory(name="Mia Member", slug="mia-member", user=member)
    client.force_login(member)

    # The search form alone: one query, the user with their person (the session is cached).
    with django_assert_num_queries(1):
        response = client.get("/search/")

    assert '<a href="/people/mia-member/">My profile</a>' in response.content.decode()


def test_inactive_users_are_not_logged_in(client, member):
    client.force_login(member)
    member.is_active = False
    member.save()

    response = client.get("/")

    assert not response.wsgi_request.user.is_authenticated
