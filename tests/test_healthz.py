"""/healthz/: the liveness check (lab.views.healthz), the load test's trivial view."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["visitor", "member", "lab admin"])
def test_healthz_answers_ok_to_anyone_without_a_query(request, client, who):
    if who != "visitor":
        user = request.getfixturevalue("member" if who == "member" else "lab_admin")
        client.force_login(user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    # Not even the session or the user is read: the view touches neither database nor cache.
    assert len(queries) == 0


def test_healthz_is_never_stored_in_the_page_cache(client):
    client.get("/healthz/")

    assert [key for key in cache._cache if "healthz" in str(key)] == []


def test_healthz_answers_head(client):
    response = client.head("/healthz/")

    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_healthz_refuses_other_methods(client, method):
    assert getattr(client, method)("/healthz/").status_code == 405


def test_healthz_has_no_sub_pages(client):
    assert client.get("/healthz/more/").status_code == 404
