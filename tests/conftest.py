import pytest
from django.contrib.auth.models import Group

from lab.groups import LAB_ADMINS, MEMBERS
from tests.factories import UserFactory


@pytest.fixture
def lab_admin(db):
    return UserFactory(
        username="curator", is_staff=True, groups=[Group.objects.get(name=LAB_ADMINS)]
    )


@pytest.fixture
def member(db):
    return UserFactory(username="member", groups=[Group.objects.get(name=MEMBERS)])


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def lab_admin_client(client, lab_admin):
    """A client logged in as a lab admin (not a superuser)."""
    client.force_login(lab_admin)
    return client


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client
