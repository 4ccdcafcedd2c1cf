"""The paper import's cost does not grow with the lab (issue 14, point 5): the same file runs
the same SELECTs into an empty database and into one with a generated lab's papers and people
(the look-ups are by the values the file holds, not reads of whole tables per import)."""

import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from devtools.management.commands.benchmark_paper_import import WRITERS, generated_papers
from people.models import Person
from publications.bibtex_import import bibtex_import, bibtex_plan
from publications.models import Paper


def selects(queries) -> list[str]:
    """The SELECTs run, each reduced to its tables (the values looked up differ in number)."""
    return [
        " ".join(sorted(set(re.findall(r'FROM "(\w+)"', q["sql"]))))
        for q in queries.captured_queries
        if q["sql"].lstrip("(").startswith("SELECT")
    ]


def measured(text: str, fmt: str, user) -> tuple[list[str], list[str]]:
    """The SELECTs of the preview and of the import of ``text``, rolled back."""
    ContentType.objects.clear_cache()  # the admin log's content types are read once a process
    with transaction.atomic():
        with CaptureQueriesContext(connection) as preview:
            plan = bibtex_plan(text, max_bytes=None, format=fmt)
        with CaptureQueriesContext(connection) as applied:
            result = bibtex_import(text=text, user=user, max_bytes=None, format=fmt)
        assert len(plan.new_papers) == len(result.papers) == 20
        transaction.set_rollback(True)
    return selects(preview), selects(applied)


@pytest.mark.parametrize("fmt", ["bibtex", "ris"])
def test_import_runs_the_same_selects_into_an_empty_or_a_full_lab(lab_admin, fmt):
    text = WRITERS[fmt](generated_papers(20, 4))

    empty = measured(text, fmt, lab_admin)
    call_command(
        "generate_lab", people=120, papers=400, authors_per_paper=4, venues=8, stdout=io.StringIO()
    )
    assert (Paper.objects.count(), Person.objects.count()) == (400, 120)
    full = measured(text, fmt, lab_admin)

    assert full == empty
    assert len(empty[0]) >= 3  # people, venues and papers were looked up
