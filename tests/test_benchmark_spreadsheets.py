"""manage.py benchmark_spreadsheets, at a small size: it runs and prints parseable figures."""

import io

import pytest
from django.core.management import CommandError, call_command

from devtools.management.commands.benchmark_spreadsheets import generated_workbook
from lab.core.uploads import read_workbook
from lab.workbook import SHEET_NAMES
from publications.models import Paper
from tests.conftest import CITATION_QUERIES
from tests.factories import AuthorshipFactory, PaperFactory, PersonFactory

pytestmark = pytest.mark.django_db


def figures(output: str) -> dict[str, list[dict[str, str]]]:
    """label -> the key=value figures of each line with that label."""
    parsed: dict[str, list[dict[str, str]]] = {}
    for line in output.splitlines():
        label, text = line[:24].strip(), line[24:].strip()
        parsed.setdefault(label, []).append(dict(pair.split("=", 1) for pair in text.split()))
    return parsed


def run(*args) -> dict[str, list[dict[str, str]]]:
    out = io.StringIO()
    call_command("benchmark_spreadsheets", *args, stdout=out)
    return figures(out.getvalue())


def test_benchmark_export_prints_ratios_queries_and_memory():
    for n in range(6):
        paper = PaperFactory(slug=f"p{n}")
        for position in range(1, 4):
            AuthorshipFactory(paper=paper, person=PersonFactory(), position=position)

    result = run("--papers", "6", "--small", "3", "--repeat", "1")

    assert list(result) == [
        "setup",
        "export xlsx",
        "export xlsx writer only",
        "export csv",
        "export csv vs writer",
        "export csv writer only",
        "export xlsx memory",
        "export memory growth",
    ]
    xlsx, csv_ = result["export xlsx"][0], result["export csv"][0]
    assert (xlsx["papers"], xlsx["authors"], xlsx["target"]) == ("6", "18", "3.0")
    assert float(xlsx["ratio"]) > 0 and float(csv_["ratio"]) > 0
    # The CSV baseline is the database read plus the plain writer (docs/workbook.md).
    assert csv_["target"] == "2.0"
    assert float(csv_["baseline_seconds"]) == pytest.approx(
        float(csv_["read_seconds"]) + float(csv_["plain_csv_seconds"]), abs=0.011
    )
    assert float(result["export csv vs writer"][0]["ratio"]) >= float(csv_["ratio"])
    # Papers, byline rows, awards, keywords, people matcher: whatever the number of papers.
    assert (xlsx["queries"], csv_["queries"]) == ("5", "5")
    assert [(m["papers"], m["queries"]) for m in result["export xlsx memory"]] == [
        ("3", "5"),
        ("6", "5"),
    ]
    assert result["export memory growth"][0]["rows_ratio"] == "2.00"


def test_benchmark_export_needs_papers():
    with pytest.raises(CommandError, match=r"no papers: run manage\.py generate_lab"):
        run("--repeat", "1")


def test_benchmark_import_prints_rows_per_second_and_queries_per_row():
    result = run("--no-export", "--import", "--import-papers", "12", "--authors", "3")

    new, unchanged = result["import new"][0], result["import unchanged"][0]
    bare = result["import new, no history"][0]
    assert list(result) == [
        "setup",
        "import read xlsx",
        "import new, no history",
        "import new",
        "import unchanged",
        "import history cost",
    ]
    assert (bare["papers"], new["papers"], unchanged["papers"]) == ("12", "12", "12")
    assert bare["summary"] == new["summary"]  # the same import, rolled back
    cost = result["import history cost"][0]
    verdict = "PASS" if float(cost["ratio"]) <= 1.5 else "FAIL"
    assert (cost["target"], cost["result"]) == ("1.5", verdict)
    # History is written in bulk: a fixed number of queries more, not one per row.
    assert int(new["queries"]) - int(bare["queries"]) <= 20
    # The sheets in order: institutions, people, venues, keywords, papers, ...
    assert new["summary"].split("|")[4] == "papers:_12_new,_0_changed,_0_unchanged"
    assert unchanged["summary"].split("|")[4] == "papers:_0_new,_0_changed,_12_unchanged"
    assert float(new["queries_per_row"]) > 0 and float(new["rows_per_second"]) > 0
    assert Paper.objects.count() == 12


def test_benchmark_import_refuses_a_database_with_records():
    PaperFactory()

    with pytest.raises(CommandError, match="needs an empty database"):
        run("--no-export", "--import", "--import-papers", "2")


def test_generated_workbook_has_every_sheet_and_six_author_bylines():
    sheets = read_workbook(generated_workbook(5, 6), filename="bench.xlsx")

    assert list(sheets) == list(SHEET_NAMES)
    assert [len(sheets[name]) for name in SHEET_NAMES] == [0, 12, 50, 0, 5, 0, 0, 0, 0]
    assert {byline.count(";") for byline in sheets["papers"]["authors"]} == {5}


def cold_lines(papers: int) -> list[dict[str, str]]:
    person = PersonFactory(slug="prolific")
    for n in range(papers):
        paper = PaperFactory(slug=f"cold-{papers}-{n}")
        AuthorshipFactory(paper=paper, person=person, position=1)
        AuthorshipFactory(paper=paper, person=PersonFactory(), position=2)
    return run("--no-export", "--cold", "--repeat", "2")["download cold"]


def test_benchmark_cold_downloads_clear_the_cache_before_every_request():
    lines = cold_lines(3)

    assert [(line["format"], line["url"], line["papers"]) for line in lines] == [
        ("bib", "/people/prolific/papers.bib", "3"),
        ("csv", "/people/prolific/papers.csv", "3"),
        ("xlsx", "/people/prolific/papers.xlsx", "3"),
    ]
    assert {line["status"] for line in lines} == {"200"}
    # The page cache keeps these short downloads: a timed request that found the first one's
    # response would run no query. Cleared before each, it runs the first request's queries.
    assert all(int(line["queries"]) > 0 for line in lines)
    assert [line["queries"] for line in lines] == [line["first_queries"] for line in lines]


@pytest.mark.parametrize("papers", [1, 5])
def test_benchmark_cold_download_queries_do_not_grow_with_the_papers(papers, list_length):
    lines = cold_lines(papers)

    assert {line["format"]: int(line["queries"]) for line in lines} == {
        "bib": 1 + CITATION_QUERIES[list_length],  # the person, then the file
        "csv": 6,
        "xlsx": 6,
    }
