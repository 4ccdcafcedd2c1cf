"""Bad input never costs a server error and work stays bounded: search text is shortened (and
the page says so), control characters dropped, invalid filter values answer 400 with the
form's message, and the page cache keys on the parameters a page reads."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lab.core.bounds import MAX_WORDS, SHORTENED, bounded_search
from tests.factories import PaperFactory, VenueFactory

pytestmark = pytest.mark.django_db


def test_bounded_search_keeps_the_first_words_and_characters_without_controls():
    assert bounded_search(" graph\x00 neural\tnetworks ") == ("graph neural networks", False)
    assert bounded_search(" ".join(f"w{n}" for n in range(30))) == (
        " ".join(f"w{n}" for n in range(MAX_WORDS)),
        True,
    )
    assert bounded_search("x" * 500) == ("x" * 200, True)
    assert bounded_search(None) == ("", False)


@pytest.mark.parametrize("path", ["/publications/", "/venues/", "/people/?group=all", "/search/",
                                  "/institutions/"])  # fmt: skip
def test_two_thousand_words_answer_at_once_and_say_the_search_was_shortened(client, path):
    PaperFactory(title="Graph Systems")
    words = " ".join(["graph"] * 2000)
    separator = "&" if "?" in path else "?"

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{path}{separator}q={words}")

    assert response.status_code == 200
    assert SHORTENED in response.content.decode()
    assert len(queries) < 40


def test_nul_characters_in_a_search_are_dropped_not_an_error(client):
    PaperFactory(title="Graph Systems")

    response = client.get("/publications/", {"q": "graph\x00systems"})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"venue": "no-such-venue"}, "Select a valid choice"),
        ({"year_min": "99999999"}, "less than or equal to 2100"),
        ({"sort": "sideways"}, "Select a valid choice"),
        ({"status": "lost"}, "Select a valid choice"),
    ],
)
def test_invalid_filter_values_are_a_400_saying_what_is_wrong(client, params, message):
    PaperFactory()

    page = client.get("/publications/", params)
    download = client.get("/publications/download.csv", params)

    assert page.status_code == 400
    assert message in page.content.decode()
    assert download.status_code == 400
    assert message in download.content.decode()
    assert download["Content-Type"] == "text/plain; charset=utf-8"


def test_junk_parameters_hit_the_same_cached_download(client, django_assert_num_queries):
    PaperFactory(venue=VenueFactory())
    first = client.get("/publications/download.xlsx", {"x": "1"})

    with django_assert_num_queries(0):
        second = client.get("/publications/download.xlsx", {"x": "2", "utm": "junk"})

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == first.content


def test_parameter_order_and_spelled_out_defaults_hit_the_same_cached_page(
    client, django_assert_num_queries
):
    PaperFactory(year=2020)
    client.get("/publications/", {"year_min": "2019", "sort": "newest", "page": "1"})

    with django_assert_num_queries(0):
        response = client.get("/publications/?page=1&year_min=2019")

    assert response.status_code == 200


def _reads(path: str) -> list[str]:
    """The query parameters the page at ``path`` reads (its page-cache parameters)."""
    from people.views import PEOPLE_LIST_PARAMS
    from publications.views import LIST_PARAMS

    return sorted({"/people/": PEOPLE_LIST_PARAMS, "/publications/": LIST_PARAMS}[path])


@pytest.mark.parametrize("path", ["/people/", "/publications/"])
def test_nul_in_any_parameter_a_list_reads_is_never_a_server_error(path):
    """PostgreSQL refuses NUL in any text it compares: a slug (`?lab=`, `?person=`) or a
    filter value holding one must give the list, a 404 or a 400, never a 500."""
    from django.test import Client

    client = Client(raise_request_exception=False)
    PaperFactory(title="Graph Systems")

    answers = {name: client.get(path, {name: "a\x00b"}).status_code for name in _reads(path)}

    assert {name: status for name, status in answers.items() if status >= 500} == {}
