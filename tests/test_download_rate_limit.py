"""Visitors' whole-list downloads are limited per client address (lab.core.ratelimit): past the
limit a 429 with Retry-After; members and lab admins are never limited."""

import time

import pytest
from django.test import Client

from tests.factories import AuthorshipFactory

pytestmark = pytest.mark.django_db

LIMIT = 3
WINDOW = 600
CLIENT_IP = "203.0.113.7"
OTHER_IP = "198.51.100.20"


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.DOWNLOAD_RATE_LIMIT = LIMIT
    settings.DOWNLOAD_RATE_WINDOW = WINDOW


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The clock, started 1 second into a fresh window (for every test: one that ran in the
    last minute of a real window would cross into the next, or be told to wait seconds, not
    minutes); ``clock.advance(s)`` moves it on."""
    real = time.time

    class Clock:
        offset = WINDOW - real() % WINDOW + 1

        def advance(self, seconds):
            self.offset += seconds

    clock = Clock()
    monkeypatch.setattr(time, "time", lambda: real() + clock.offset)
    return clock


@pytest.fixture
def authorship(db):
    return AuthorshipFactory(
        person__slug="hao-wang", paper__slug="a-paper", paper__venue__slug="nsdi"
    )


DOWNLOADS = [
    "/publications/download.csv",
    "/people/download.csv",
    "/venues/nsdi/papers.bib",
    "/people/hao-wang/papers.xlsx",
]


def download(path, ip=CLIENT_IP, client=None, **headers):
    return (client or Client()).get(path, REMOTE_ADDR=ip, headers=headers)


def assert_limited(response, *, retry_after_at_most=WINDOW):
    retry_after = int(response["Retry-After"])
    minutes = -(-retry_after // 60)
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    assert response.status_code == 429
    assert 0 < retry_after <= retry_after_at_most
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        f"Too many downloads from your address: at most {LIMIT} every 10 minutes.\n"
        f"Try again in {wait}. Members who log in are not limited.\n"
    )


@pytest.mark.parametrize("path", DOWNLOADS)
def test_visitor_download_past_the_limit_is_refused_with_retry_after(authorship, clock, path):
    # The same address again and again: from the second request on, the page cache answers,
    # and those count too.
    statuses = [download(path).status_code for _ in range(LIMIT)]

    refused = download(path)

    assert statuses == [200] * LIMIT
    assert_limited(refused, retry_after_at_most=WINDOW - 1)


def test_every_list_download_counts_against_one_limit(authorship):
    statuses = [download(path).status_code for path in DOWNLOADS[:LIMIT]]

    assert statuses == [200] * LIMIT
    assert_limited(download(DOWNLOADS[LIMIT]))


def test_downloads_of_missing_records_count_too(authorship):
    statuses = [download("/venues/no-such-venue/papers.csv").status_code for _ in range(LIMIT)]

    assert statuses == [404] * LIMIT
    assert_limited(download("/venues/nsdi/papers.csv"))


@pytest.mark.parametrize("user", ["member", "lab_admin"])
def test_members_and_lab_admins_are_never_limited_nor_counted(authorship, request, user):
    logged_in = Client()
    logged_in.force_login(request.getfixturevalue(user))

    statuses = [download(path, client=logged_in).status_code for path in DOWNLOADS * 2]
    visitor = [download(DOWNLOADS[0]).status_code for _ in range(LIMIT)]

    assert statuses == [200] * len(DOWNLOADS) * 2
    assert visitor == [200] * LIMIT


def test_another_client_address_is_not_limited(authorship):
    for _ in range(LIMIT + 1):
        download(DOWNLOADS[0])

    assert download(DOWNLOADS[0], ip=OTHER_IP).status_code == 200
    assert download(DOWNLOADS[0]).status_code == 429


def test_the_next_window_lets_the_client_in_again(authorship, clock):
    for _ in range(LIMIT):
        download(DOWNLOADS[0])
    refused = download(DOWNLOADS[0])
    retry_after = int(refused["Retry-After"])

    clock.advance(retry_after - 2)
    still_refused = download(DOWNLOADS[0])
    clock.advance(2)
    again = [download(DOWNLOADS[0]).status_code for _ in range(LIMIT)]

    assert retry_after == WINDOW - 1
    assert still_refused.status_code == 429
    assert int(still_refused["Retry-After"]) <= 2
    assert again == [200] * LIMIT
    assert download(DOWNLOADS[0]).status_code == 429


def test_a_paper_bibtex_is_not_limited(authorship):
    statuses = [download("/papers/a-paper.bib").status_code for _ in range(LIMIT + 2)]

    assert statuses == [200] * (LIMIT + 2)


def test_behind_a_proxy_the_client_is_the_address_the_proxy_added(authorship, settings):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    proxy = "10.0.0.2"
    # A client naming another address first gains nothing: the proxy's entry is the last one.
    for number in range(LIMIT):
        download(DOWNLOADS[0], ip=proxy, x_forwarded_for=f"192.0.2.{number}, {CLIENT_IP}")

    refused = download(DOWNLOADS[0], ip=proxy, x_forwarded_for=f"192.0.2.99, {CLIENT_IP}")
    other = download(DOWNLOADS[0], ip=proxy, x_forwarded_for=OTHER_IP)

    assert_limited(refused)
    assert other.status_code == 200


def test_without_the_proxy_setting_a_forwarded_header_is_ignored(authorship):
    for number in range(LIMIT):
        download(DOWNLOADS[0], x_forwarded_for=f"192.0.2.{number}")

    assert_limited(download(DOWNLOADS[0], x_forwarded_for="192.0.2.99"))


def test_addresses_of_one_ipv6_network_share_the_limit(authorship):
    for number in range(LIMIT):
        download(DOWNLOADS[0], ip=f"2001:db8:1:2::{number + 1:x}")

    assert_limited(download(DOWNLOADS[0], ip="2001:db8:1:2:ffff:ffff:ffff:ffff"))
    assert download(DOWNLOADS[0], ip="2001:db8:1:3::1").status_code == 200


def test_the_limit_comes_from_the_environment_with_the_documented_defaults():
    from tests.test_settings import manage

    shown = "from django.conf import settings; "
    shown += "print(settings.DOWNLOAD_RATE_LIMIT, settings.DOWNLOAD_RATE_WINDOW)"
    default = manage("shell", "-v", "0", "-c", shown)
    chosen = manage(
        "shell", "-v", "0", "-c", shown, DOWNLOAD_RATE_LIMIT="5", DOWNLOAD_RATE_WINDOW="60"
    )
    refused = manage("check", DOWNLOAD_RATE_LIMIT="0")

    assert default.stdout.split() == ["30", "600"]
    assert chosen.stdout.split() == ["5", "60"]
    assert "DOWNLOAD_RATE_LIMIT must be a whole number above 0, not 0." in refused.stderr

