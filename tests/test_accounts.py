"""Logins: staff status follows the group Lab admins (lab.accounts), and a lab admin gives a
person a member login from the person admin (people.admin_accounts), whose one-time link sets
the password (Django's password-reset confirm view, lab/urls.py)."""

import re
import smtplib

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from pytest_django.asserts import assertTemplateUsed

from lab.groups import LAB_ADMINS, MEMBERS
from people.models import Person
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def lab_admins():
    return Group.objects.get(name=LAB_ADMINS)


@pytest.fixture
def members():
    return Group.objects.get(name=MEMBERS)


def reloaded(*users):
    return [User.objects.get(pk=user.pk).is_staff for user in users]


# --- staff follows Lab admins ---------------------------------------------------------------


def user_form(user, groups):
    """The admin's user change form as a superuser submits it (is_staff left unticked)."""
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
        "groups": [group.pk for group in groups],
        "user_permissions": [],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2024-05-06",
        "date_joined_1": "10:00:00",
        "_save": "Save",
    }


def test_adding_to_lab_admins_in_the_admin_user_form_makes_staff(client, superuser, lab_admins):
    alex = UserFactory(username="alex")
    client.force_login(superuser)

    response = client.post(f"/admin/auth/user/{alex.pk}/change/", user_form(alex, [lab_admins]))

    alex.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == "/admin/auth/user/"
    assert list(alex.groups.all()) == [lab_admins]
    assert alex.is_staff is True


def test_removing_from_lab_admins_in_the_admin_user_form_takes_staff(
    client, superuser, lab_admin, members
):
    """Even with "Staff status" ticked: the groups are saved after the user."""
    client.force_login(superuser)
    form = {**user_form(lab_admin, [members]), "is_staff": "on"}

    response = client.post(f"/admin/auth/user/{lab_admin.pk}/change/", form)

    lab_admin.refresh_from_db()
    assert response.status_code == 302
    assert list(lab_admin.groups.all()) == [members]
    assert lab_admin.is_staff is False


def test_user_groups_add_makes_staff_in_memory_and_in_the_database(lab_admins):
    alex = UserFactory(username="alex")

    alex.groups.add(lab_admins)

    assert alex.is_staff is True
    assert reloaded(alex) == [True]


def test_user_groups_remove_takes_staff(lab_admin, lab_admins):
    lab_admin.groups.remove(lab_admins)

    assert lab_admin.is_staff is False
    assert reloaded(lab_admin) == [False]


def test_group_user_set_add_and_remove_move_staff(lab_admins):
    alex, sam = UserFactory(username="alex"), UserFactory(username="sam")

    lab_admins.user_set.add(alex, sam)
    after_add = reloaded(alex, sam)
    lab_admins.user_set.remove(sam)

    assert after_add == [True, True]
    assert reloaded(alex, sam) == [True, False]


def test_user_groups_set_without_lab_admins_takes_staff(lab_admin, members):
    lab_admin.groups.set([members])

    assert reloaded(lab_admin) == [False]


def test_user_groups_clear_takes_staff(lab_admin):
    lab_admin.groups.clear()

    assert lab_admin.is_staff is False
    assert reloaded(lab_admin) == [False]


def test_group_user_set_clear_takes_staff_from_all_but_superusers(
    lab_admin, superuser, lab_admins
):
    superuser.groups.add(lab_admins)

    lab_admins.user_set.clear()

    assert reloaded(lab_admin, superuser) == [False, True]


def test_a_superuser_leaving_lab_admins_stays_staff(lab_admins):
    root = UserFactory(username="root2", is_superuser=True, is_staff=False)

    root.groups.add(lab_admins)
    after_add = reloaded(root)
    root.groups.remove(lab_admins)

    assert after_add == [True]
    assert root.is_staff is True
    assert reloaded(root) == [True]


def test_only_lab_admins_moves_staff(lab_admins, members):
    """A staff user outside Lab admins (a superuser's helper) keeps staff when their other
    groups change, and loses it on leaving Lab admins."""
    helper = UserFactory(username="helper", is_staff=True)

    helper.groups.add(members)
    helper.groups.clear()
    kept = reloaded(helper)
    helper.groups.add(lab_admins)
    helper.groups.remove(lab_admins)

    assert kept == [True]
    assert reloaded(helper) == [False]


# --- giving a person a member login ---------------------------------------------------------


def login_url(person):
    return f"/admin/people/person/{person.pk}/login/"


def shown_link(response) -> str:
    return re.search(r'id="set-password-link" value="([^"]+)"', response.content.decode())[1]


@pytest.fixture
def hao():
    return PersonFactory(name="Hao Wang", slug="hao-wang", email="hao@example.org")


def test_change_page_of_a_person_without_login_has_the_button(lab_admin_client, hao):
    response = lab_admin_client.get(f"/admin/people/person/{hao.pk}/change/")

    content = response.content.decode()
    assert f'<li><a href="{login_url(hao)}">Give a login</a></li>' in content
    assert 'name="_export-item"' in content  # django-import-export's template is still the base


def test_change_page_of_a_person_with_a_login_has_no_button(lab_admin_client, member):
    person = PersonFactory(user=member)

    response = lab_admin_client.get(f"/admin/people/person/{person.pk}/change/")

    assert response.status_code == 200
    assert "Give a login" not in response.content.decode()


def test_add_page_has_no_button(lab_admin_client):
    response = lab_admin_client.get("/admin/people/person/add/")

    assert response.status_code == 200
    assert "Give a login" not in response.content.decode()


def test_visitor_is_sent_to_the_admin_login(client, hao):
    response = client.post(login_url(hao))

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={login_url(hao)}"
    assert Person.objects.get(pk=hao.pk).user is None


def test_member_is_sent_to_the_admin_login(member_client, hao):
    response = member_client.post(login_url(hao))

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={login_url(hao)}"
    assert Person.objects.get(pk=hao.pk).user is None


def test_lab_admin_sees_what_will_happen(lab_admin_client, hao):
    response = lab_admin_client.get(login_url(hao))

    assert response.status_code == 200
    assert response.templates[0].name == "admin/people/person/login.html"
    assert response.context["username"] == "hao-wang"
    assert "It is also e-mailed to hao@example.org." in response.content.decode()
    assert User.objects.filter(username="hao-wang").exists() is False


def test_lab_admin_gives_a_member_login(lab_admin_client, lab_admin, hao, members):
    response = lab_admin_client.post(login_url(hao))

    hao.refresh_from_db()
    user = hao.user
    assert response.status_code == 200
    assertTemplateUsed(response, "admin/people/person/login_given.html")
    assert (user.username, user.email) == ("hao-wang", "hao@example.org")
    assert list(user.groups.all()) == [members]
    assert (user.is_staff, user.is_superuser, user.has_usable_password()) == (False, False, False)
    versions = hao.history.order_by("history_id")
    assert [(v.history_change_reason, v.history_user, v.user_id) for v in versions] == [
        ("", None, None),
        ("member login for hao-wang", lab_admin, user.pk),
    ]
    entry = LogEntry.objects.get(object_id=str(hao.pk))
    assert (entry.user, entry.get_change_message()) == (lab_admin, "Gave a member login: hao-wang.")


def test_the_link_is_shown_and_mailed(lab_admin_client, hao):
    response = lab_admin_client.post(login_url(hao))

    link = shown_link(response)
    assert re.fullmatch(r"http://testserver/accounts/reset/[\w-]+/[\w-]+/", link)
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("Your login to Lab Records", ["hao@example.org"])
    ]
    body = mail.outbox[0].body
    assert f"Choose your password here (the link works once, for 3 days):\n{link}\n" in body
    assert "Your login name: hao-wang\n" in body
    assert "Then log in at http://testserver/accounts/login/\n" in body
    assert 'id="login-emailed"' in response.content.decode()


def test_the_link_sets_a_password_to_log_in_with_once(lab_admin_client, client, hao):
    link = shown_link(lab_admin_client.post(login_url(hao)))
    path = link.removeprefix("http://testserver")

    opened = client.get(path)
    form = client.get(opened["Location"])
    new_password = "a long and new passphrase 42"
    saved = client.post(
        opened["Location"], {"new_password1": new_password, "new_password2": new_password}
    )
    done = client.get(saved["Location"])
    logged_in = client.post(
        "/accounts/login/", {"username": "hao-wang", "password": new_password}
    )
    home = client.get("/")
    again = client.get(path)

    assert opened.status_code == 302
    assert opened["Location"].endswith("/set-password/")
    assert form.templates[0].name == "registration/password_set_confirm.html"
    assert "<h1>Set your password</h1>" in form.content.decode()
    assert 'value="hao-wang" autocomplete="username" readonly' in form.content.decode()
    assert (saved.status_code, saved["Location"]) == (302, "/accounts/reset/done/")
    assert done.templates[0].name == "registration/password_set_complete.html"
    assert "<h1>Password set</h1>" in done.content.decode()
    assert (logged_in.status_code, logged_in["Location"]) == (302, "/")
    assert home.context["user"] == Person.objects.get(pk=hao.pk).user
    assert again.context["validlink"] is False
    assert "This link does not work any more" in again.content.decode()


def test_username_takes_the_first_free_suffix(lab_admin_client, hao):
    UserFactory(username="hao-wang")
    UserFactory(username="Hao-Wang-2")

    lab_admin_client.post(login_url(hao))

    assert Person.objects.get(pk=hao.pk).user.username == "hao-wang-3"


def test_person_without_email_gets_no_mail(lab_admin_client):
    person = PersonFactory(name="Nomail Person", slug="nomail", email="")

    response = lab_admin_client.post(login_url(person))

    assert mail.outbox == []
    assert Person.objects.get(pk=person.pk).user.email == ""
    assert 'id="login-not-emailed"' in response.content.decode()


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPException("the relay refused")


def test_a_refused_mail_still_gives_the_login_and_says_so(
    lab_admin_client, hao, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.test_accounts.RefusingBackend"

    response = lab_admin_client.post(login_url(hao))

    assert Person.objects.get(pk=hao.pk).user.username == "hao-wang"
    assert 'id="login-email-failed"' in response.content.decode()
    assert [r.getMessage() for r in caplog.records] == [
        "The set-password link of hao-wang could not be e-mailed."
    ]


def test_superuser_gives_a_member_login(client, superuser, hao):
    client.force_login(superuser)

    response = client.post(login_url(hao))

    user = Person.objects.get(pk=hao.pk).user
    assert response.status_code == 200
    assert (user.username, user.is_staff) == ("hao-wang", False)
    assert [g.name for g in user.groups.all()] == [MEMBERS]


def test_staff_who_may_change_people_outside_lab_admins_is_refused(client, hao):
    curator = UserFactory(username="outsider", is_staff=True)
    curator.user_permissions.add(
        Permission.objects.get(content_type__app_label="people", codename="change_person")
    )
    client.force_login(curator)

    page = client.get(f"/admin/people/person/{hao.pk}/change/")
    response = client.post(login_url(hao))

    assert page.status_code == 200
    assert "Give a login" not in page.content.decode()
    assert response.status_code == 403
    assert Person.objects.get(pk=hao.pk).user is None


def test_lab_admin_without_change_person_is_refused(client, lab_admins, hao):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="people", codename="view_person")
    )
    # In Lab admins through a group that lost its change permission.
    lab_admins.permissions.remove(
        Permission.objects.get(content_type__app_label="people", codename="change_person")
    )
    viewer.groups.add(lab_admins)
    client.force_login(viewer)

    response = client.post(login_url(hao))

    assert response.status_code == 403
    assert Person.objects.get(pk=hao.pk).user is None


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_wrong_method_is_refused(lab_admin_client, hao, method):
    response = getattr(lab_admin_client, method)(login_url(hao))

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert Person.objects.get(pk=hao.pk).user is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_missing_person_is_not_found(lab_admin_client, method):
    response = getattr(lab_admin_client, method)("/admin/people/person/999999/login/")

    assert response.status_code == 404
    assert User.objects.filter(groups__name=MEMBERS).count() == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_person_with_a_login_is_refused(lab_admin_client, member, method):
    person = PersonFactory(name="Mia Member", user=member)
    users_before = User.objects.count()

    response = getattr(lab_admin_client, method)(login_url(person), follow=True)

    assert response.redirect_chain == [(f"/admin/people/person/{person.pk}/change/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Mia Member already has a login (member): nothing was changed."
    ]
    assert User.objects.count() == users_before
    assert Person.objects.get(pk=person.pk).user == member
    assert mail.outbox == []
