import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist

from lab.auth import LabBackend
from tests.factories import PersonFactory, UserFactory

User = get_user_model()

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


def test_the_user_is_loaded_as_the_orm_loads_them(member, django_assert_num_queries):
    """LabBackend.get_user runs one query compiled once (lab.core.prepared): the same user,
    fields and linked person as select_related("person") gives, or the person's absence."""
    backend = LabBackend()
    with_person = PersonFactory(name="Mia Member", user=member)
    without = UserFactory(username="no-person")

    with django_assert_num_queries(1):
        user = backend.get_user(member.pk)
        assert user.person == with_person
        assert user.person.name == "Mia Member"
    with django_assert_num_queries(1):
        alone = backend.get_user(without.pk)
        with pytest.raises(ObjectDoesNotExist):
            alone.person  # noqa: B018 (known absent: no query)

    expected = User.objects.select_related("person").get(pk=member.pk)
    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(user, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert user._state.adding is False and user._state.db == "default"
    assert backend.get_user(10**9) is None
