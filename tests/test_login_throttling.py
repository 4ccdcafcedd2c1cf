"""Log-in throttling (django-axes): failures lock a username, or a client address, at the site's
and the admin's log-in for a while; lab admins see the lockouts and clear them."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.db.models import F
from django.test import Client

from lab.groups import LAB_ADMINS, MEMBERS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # UserFactory's
LIMIT = 5  # AXES_FAILURE_LIMIT
CLIENT_IP = "203.0.113.7"
OTHER_IP = "198.51.100.20"
SITE_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def mia(db):
    """A staff user (a lab admin), so she may log in at the admin's log-in too."""
    return UserFactory(username="mia", groups=[Group.objects.get(name=LAB_ADMINS)])


def log_in(path, username, password=PASSWORD, ip=CLIENT_IP, **headers):
    """Post the log-in form at ``path`` from a fresh client at ``ip``; returns the client."""
    client = Client(REMOTE_ADDR=ip, headers=headers)
    client.response = client.post(path, {"username": username, "password": password})
    return client


def fail(path, username, times, ip=CLIENT_IP) -> list[int]:
    """Log in with a wrong password ``times`` times; the status codes of the answers."""
    return [
        log_in(path, username, "not the password", ip).response.status_code for _ in range(times)
    ]


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def age_attempts(**delta) -> None:
    """Move every recorded failure back in time, as if that much time had passed."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(**delta))


def assert_locked_out(client) -> None:
    response = client.response
    text = " ".join(response.content.decode().split())
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert "<h1>Log-in locked</h1>" in text
    assert "Try again in 15 minutes." in text
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize("path", [SITE_LOGIN, ADMIN_LOGIN])
def test_login_after_one_failure_fewer_than_the_limit_gets_in(mia, path):
    assert fail(path, "mia", LIMIT - 1) == [200] * (LIMIT - 1)

    client = log_in(path, "mia")

    assert client.response.status_code == 302
    assert logged_in_user_id(client) == str(mia.pk)


@pytest.mark.parametrize("path", [SITE_LOGIN, ADMIN_LOGIN])
def test_limit_failures_lock_the_username_even_with_the_right_password(mia, path):
    statuses = fail(path, "mia", LIMIT)

    here = log_in(path, "mia")
    elsewhere = log_in(path, "mia", ip=OTHER_IP)

    assert statuses == [200] * (LIMIT - 1) + [429]
    assert_locked_out(here)
    assert_locked_out(elsewhere)


def test_the_site_login_is_locked_after_failures_at_the_admin_login(mia):
    fail(ADMIN_LOGIN, "mia", LIMIT)

    assert_locked_out(log_in(SITE_LOGIN, "mia"))


def test_limit_failures_from_one_client_lock_other_usernames_from_it(mia):
    # One failure each for five usernames: no username reaches the limit, the address does.
    for number in range(LIMIT):
        fail(SITE_LOGIN, f"guess{number}", 1)

    here = log_in(SITE_LOGIN, "mia")
    elsewhere = log_in(SITE_LOGIN, "mia", ip=OTHER_IP)

    assert_locked_out(here)
    assert logged_in_user_id(elsewhere) == str(mia.pk)


def test_behind_a_proxy_the_client_is_the_address_the_proxy_added(mia, settings):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    proxy = "10.0.0.2"
    for number in range(LIMIT):
        forwarded = f"192.0.2.{number}, {CLIENT_IP}"  # the first entry is the client's own claim
        log_in(SITE_LOGIN, f"guess{number}", "wrong", ip=proxy, x_forwarded_for=forwarded)

    here = log_in(SITE_LOGIN, "mia", ip=proxy, x_forwarded_for=CLIENT_IP)
    elsewhere = log_in(SITE_LOGIN, "mia", ip=proxy, x_forwarded_for=OTHER_IP)

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_IP}
    assert_locked_out(here)
    assert logged_in_user_id(elsewhere) == str(mia.pk)


def test_lockout_ends_after_the_cool_off(mia):
    fail(SITE_LOGIN, "mia", LIMIT)
    age_attempts(minutes=14)
    still_locked = log_in(SITE_LOGIN, "mia")
    # That refused try started the wait again: 15 minutes from it.
    age_attempts(minutes=15, seconds=1)

    client = log_in(SITE_LOGIN, "mia")

    assert_locked_out(still_locked)
    assert client.response.status_code == 302
    assert logged_in_user_id(client) == str(mia.pk)


def test_a_try_during_the_lockout_starts_the_wait_again(mia):
    fail(SITE_LOGIN, "mia", LIMIT)
    age_attempts(minutes=14)
    log_in(SITE_LOGIN, "mia")  # refused, and counted
    age_attempts(minutes=14)  # 28 minutes after the failures, 14 after the refused try

    assert_locked_out(log_in(SITE_LOGIN, "mia"))


def test_success_forgets_the_failures_of_that_username(mia):
    fail(SITE_LOGIN, "mia", LIMIT - 1)
    log_in(SITE_LOGIN, "mia")

    statuses = fail(SITE_LOGIN, "mia", LIMIT - 1)
    client = log_in(SITE_LOGIN, "mia")

    assert statuses == [200] * (LIMIT - 1)
    assert logged_in_user_id(client) == str(mia.pk)


def test_success_with_one_login_does_not_forget_the_failures_of_another_username(mia):
    """A member guessing a lab admin's password cannot wipe their failures by logging in
    between guesses (django-axes' own reset would delete every attempt of the address)."""
    UserFactory(username="mallory", groups=[Group.objects.get(name=MEMBERS)])
    fail(SITE_LOGIN, "mia", LIMIT - 1)
    assert logged_in_user_id(log_in(SITE_LOGIN, "mallory")) is not None

    statuses = fail(SITE_LOGIN, "mia", 1)

    assert statuses == [429]
    assert_locked_out(log_in(SITE_LOGIN, "mia", ip=OTHER_IP))


def test_lab_admin_sees_the_lockout_and_deleting_it_lets_the_user_in(lab_admin):
    member = UserFactory(username="max", groups=[Group.objects.get(name=MEMBERS)])
    fail(SITE_LOGIN, "max", LIMIT)
    curator = Client()
    curator.force_login(lab_admin)

    listed = curator.get("/admin/axes/accessattempt/?locked_out=yes")
    [attempt] = listed.context["cl"].result_list
    deleted = curator.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    client = log_in(SITE_LOGIN, "max")

    assert listed.status_code == 200
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (
        "max",
        CLIENT_IP,
        LIMIT,
    )
    assert "Locked Out" in listed.content.decode()
    assert deleted.status_code == 302
    assert AccessAttempt.objects.count() == 0
    assert logged_in_user_id(client) == str(member.pk)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/admin/axes/accessattempt/", 200),
        ("/admin/axes/accessattempt/add/", 403),
        ("/admin/axes/accesslog/", 403),
        ("/admin/axes/accessfailurelog/", 403),
    ],
)
def test_lab_admin_may_see_attempts_but_not_add_them_nor_read_the_logs(
    lab_admin_client, path, status
):
    assert lab_admin_client.get(path).status_code == status


def test_lab_admin_may_not_change_an_attempt(lab_admin):
    fail(SITE_LOGIN, "max", 1)
    attempt = AccessAttempt.objects.get()
    curator = Client()
    curator.force_login(lab_admin)

    response = curator.post(
        f"/admin/axes/accessattempt/{attempt.pk}/change/", {"username": "someone-else"}
    )

    assert response.status_code == 403
    assert AccessAttempt.objects.get().username == "max"


def test_member_cannot_see_the_attempts(member_client):
    response = member_client.get("/admin/axes/accessattempt/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
