"""manage.py benchmark_duplicates, on a small generated lab: it runs and prints parseable
figures, with the queries of each scan fixed."""

import io

import pytest
from django.core.management import CommandError, call_command

from devtools.management.commands.benchmark_duplicates import preview_entries, rewritten
from people.duplicates import suggest_people
from people.models import Person
from tests.factories import PersonFactory
from tests.test_benchmark_spreadsheets import figures
from tests.test_generate_lab import generate

pytestmark = pytest.mark.django_db


def run(*args) -> dict[str, list[dict[str, str]]]:
    out = io.StringIO()
    call_command("benchmark_duplicates", *args, stdout=out)
    return figures(out.getvalue())


def test_benchmark_duplicates_prints_times_pairs_suggestions_and_queries():
    generate()
    head = Person.objects.order_by("pk").first()
    # A second record of someone, as a careless import would make it.
    PersonFactory(name=head.name.replace(".", ""), slug="planted-duplicate")

    result = run("--preview-entries", "30")

    assert list(result) == [
        "setup",
        "scan person",
        "scan institution",
        "scan venue",
        "scan paper",
        "scan version",
        "scan total",
        "import preview",
        "targets missed",
    ]
    setup = result["setup"][0]
    assert (setup["people"], setup["papers"], setup["venues"]) == ("81", "150", "8")
    scans = {label: result[label][0] for label in result if label.startswith("scan ")}
    assert {label: figures["queries"] for label, figures in scans.items()} == {
        "scan person": "4",
        "scan institution": "2",
        "scan venue": "3",
        "scan paper": "4",
        "scan version": "4",
        "scan total": "17",
    }
    person = scans["scan person"]
    assert person["records"] == "81" and person["naive_pairs"] == str(81 * 80 // 2)
    assert 0 < int(person["candidate_pairs"]) < int(person["naive_pairs"])
    assert person["suggestions"] == str(len(suggest_people()))
    assert int(person["suggestions"]) >= 1
    total = scans["scan total"]
    kinds = [figures for label, figures in scans.items() if label != "scan total"]
    assert total["suggestions"] == str(sum(int(figures["suggestions"]) for figures in kinds))
    assert (total["target"], total["result"]) == ("10.0", "PASS")
    preview = result["import preview"][0]
    assert (preview["entries"], preview["queries"], preview["target"]) == ("30", "2", "1.0")
    assert int(preview["matched"]) > 0
    assert result["targets missed"][0] == {"count": "0", "which": "-"}


def test_benchmark_duplicates_needs_people():
    with pytest.raises(CommandError, match=r"no people: run manage\.py generate_lab"):
        run()


def test_preview_entries_are_names_written_another_way():
    generate(people=20, papers=3, authors_per_paper=3, venues=2)

    entries = preview_entries(3)

    names = set(Person.objects.values_list("name", flat=True))
    assert entries and not set(entries) & names
    # Three papers of three authors: each name has co-authors, never itself.
    assert all(coauthors and name not in coauthors for name, coauthors in entries.items())


def test_rewritten_gives_initials_or_the_family_name_first():
    assert rewritten("Wei A. Chen", 0) == "W. A. Chen"
    assert rewritten("Wei A. Chen", 1) == "Chen, Wei A."
    assert rewritten("Madonna", 0) == "Madonna"
