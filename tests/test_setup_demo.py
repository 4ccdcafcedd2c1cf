import io

import pytest
from django.core.management import call_command
from django.http import HttpRequest

from people.models import Person
from publications.models import Paper

pytestmark = pytest.mark.django_db


def test_setup_demo_loads_the_seed_and_prints_a_working_lab_admin_login(client, settings):
    settings.DEBUG = True
    out = io.StringIO()

    call_command("setup_demo", "--password", "demo-pass-123", stdout=out)

    assert (Paper.objects.count(), Person.objects.count()) == (52, 162)
    assert "user: labadmin" in out.getvalue()
    assert "password: demo-pass-123" in out.getvalue()
    assert client.login(request=HttpRequest(), username="labadmin", password="demo-pass-123")
    assert client.get("/admin/publications/paper/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403


def test_setup_demo_run_again_keeps_the_data_and_resets_the_password(settings):
    settings.DEBUG = True
    call_command("setup_demo", stdout=io.StringIO())
    out = io.StringIO()

    call_command("setup_demo", stdout=out)

    assert Paper.objects.count() == 52
    assert "seed data not loaded again" in out.getvalue()
    password = out.getvalue().split("password: ")[1].split()[0]
    assert len(password) >= 16


def test_setup_demo_creates_a_member_login_linked_to_a_seed_person(client, settings):
    settings.DEBUG = True

    call_command("setup_demo", "--password", "demo-pass-123", stdout=io.StringIO())

    person = Person.objects.get(slug="hao-wang")
    assert person.user.username == "member"
    assert not person.user.is_staff
    assert client.login(request=HttpRequest(), username="member", password="demo-pass-123")
    assert client.get("/admin/publications/paper/").status_code == 302
