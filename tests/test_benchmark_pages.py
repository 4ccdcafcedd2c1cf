import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from devtools.management.commands.benchmark_pages import _pages
from publications.models import Paper

PAGES = [
    "home",
    "people list",
    "people list, everyone",
    "publications, page 1",
    "publications, filtered",
    "person (most papers)",
    "paper (6 authors)",
    "venue (most papers)",
    "institution (the lab)",
    "search",
]
MEMBER_ROW = re.compile(
    r"^(?P<page>\S.*?)\s+(?P<queries>\d+)\s+(?P<ms>\d+\.\d\d)\s+(?P<ratio>\d+\.\d)x\s+"
    r"(?P<target><=15x|-)\s+(?P<result>PASS|FAIL|-)$"
)
VISITOR_ROW = re.compile(
    r"^(?P<page>\S.*?)\s+(?P<miss>\d+)/(?P<hit>\d+)\s+(?P<ms>\d+\.\d\d)\s+(?P<ratio>\d+\.\d\d)x"
    r"\s+<=2x\s+(?P<result>PASS|FAIL)$"
)


@pytest.fixture
def tiny_lab(db):
    call_command(
        "generate_lab",
        people=40,
        papers=30,
        authors_per_paper=6,
        venues=5,
        seed=2,
        stdout=io.StringIO(),
    )


def benchmark(**options) -> str:
    out = io.StringIO()
    call_command("benchmark_pages", repeat=2, stdout=out, **options)
    return out.getvalue()


def table(output: str, title: str, row: re.Pattern) -> dict[str, re.Match]:
    """The rows of one of the printed tables, by page name."""
    section = output.split(title, 1)[1].split("\n\n", 1)[0]
    matches = [row.match(line) for line in section.splitlines()]
    return {match["page"]: match for match in matches if match}


def test_benchmark_pages_prints_a_member_row_per_page(tiny_lab):
    output = benchmark()

    rows = table(output, "Member, logged in (uncached)", MEMBER_ROW)

    assert list(rows) == PAGES
    assert all(int(row["queries"]) > 0 for row in rows.values())
    assert all(float(row["ratio"]) > 0 for row in rows.values())
    targeted = {page for page, row in rows.items() if row["target"] == "<=15x"}
    assert targeted == {
        "people list",
        "publications, page 1",
        "person (most papers)",
        "paper (6 authors)",
    }


def test_benchmark_pages_visitor_pages_come_from_the_cache(tiny_lab):
    output = benchmark()

    rows = table(output, "Visitor, anonymous (page cache)", VISITOR_ROW)

    assert list(rows) == PAGES
    # A hit runs no query. (A visitor's miss may run none either: the page is assembled from
    # fragments the member requests just cached.)
    assert {page: int(row["hit"]) for page, row in rows.items()} == dict.fromkeys(PAGES, 0)
    assert "invalidation: ok" in output


def test_benchmark_pages_describes_the_run(tiny_lab):
    output = benchmark()

    assert "median of 2 requests per page" in output
    assert re.search(r"^machine: .* \d+ CPUs", output, re.MULTILINE)
    assert re.search(r"^database: (SQLite|PostgreSQL) ", output, re.MULTILINE)
    assert "data:     40 people, 30 papers, 180 authorships, 5 venues" in output
    assert re.search(r"trivial view \d+\.\d\d ms", output)


def test_benchmark_pages_leaves_the_database_as_it_was(tiny_lab):
    titles = sorted(Paper.objects.values_list("title", flat=True))

    benchmark()

    assert sorted(Paper.objects.values_list("title", flat=True)) == titles
    assert get_user_model().objects.count() == 0


def test_benchmark_pages_check_fails_exactly_when_a_target_is_missed(tiny_lab):
    out = io.StringIO()
    try:
        call_command("benchmark_pages", repeat=2, check=True, stdout=out)
        raised = False
    except CommandError as error:
        raised = True
        assert "target(s) missed" in str(error)

    missed = int(re.search(r"^targets missed: (\d+)", out.getvalue(), re.MULTILINE)[1])
    assert raised == (missed > 0)


def test_benchmark_pages_empty_database_is_an_error(db):
    with pytest.raises(CommandError, match=r"no authored papers: run manage\.py generate_lab"):
        benchmark()


def test_benchmark_pages_cold_rebuilds_every_page_from_the_database(tiny_lab):
    output = benchmark(cold=True)

    rows = table(output, "Visitor, cold (cache cleared before each request)", MEMBER_ROW)
    warm = table(output, "Visitor, anonymous (page cache)", VISITOR_ROW)

    assert list(rows) == PAGES
    # Cleared before every request: no page nor fragment is left to serve, every page queries.
    assert all(int(row["queries"]) > 0 for row in rows.values())
    assert all(int(row["hit"]) == 0 for row in warm.values())
    assert {page for page, row in rows.items() if row["target"] == "<=15x"} == {
        "people list",
        "publications, page 1",
        "person (most papers)",
        "paper (6 authors)",
    }


def test_benchmark_pages_cold_queries_are_those_of_a_request_on_an_empty_cache(tiny_lab):
    output = benchmark(cold=True)
    rows = table(output, "Visitor, cold (cache cleared before each request)", MEMBER_ROW)
    urls = {page.name: page.url for page in _pages()[0]}

    on_empty_cache = {}
    visitor = Client()
    for name, url in urls.items():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            visitor.get(url)
        on_empty_cache[name] = len(queries)

    # Without the clearing, the counted request would be a page cache hit: no query.
    assert {page: int(row["queries"]) for page, row in rows.items()} == on_empty_cache


def test_benchmark_pages_without_cold_prints_no_cold_table(tiny_lab):
    assert "Visitor, cold" not in benchmark()
