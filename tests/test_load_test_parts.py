"""The load test's parts that decide its verdict, on both databases: the HTML form reader
(what a browser would post), the database checks after a run (lost or half-written writes),
percentiles, and the command's refusals. The run itself: tests/test_load_test.py."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from devtools.loadtest.checks import check_edits, check_imports
from devtools.loadtest.client import form_with, forms_of
from devtools.loadtest.plan import Edit, ImportEntry, ImportFile
from devtools.loadtest.report import memory_growth, percentile
from lab.core.history import recorded
from publications.models import Paper
from publications.services import paper_set_byline
from tests.factories import AuthorshipFactory, PaperFactory, PersonFactory, UserFactory

FORM = """
<form id="other"><input name="q" value="x"></form>
<form method="post" id="paper_form">
  <input type="hidden" name="csrfmiddlewaretoken" value="token">
  <input name="title" value="A &amp; B">
  <input type="checkbox" name="selected">
  <input type="checkbox" name="authors_complete" checked>
  <input type="radio" name="kind" value="a"><input type="radio" name="kind" value="b" checked>
  <input name="frozen" value="no" disabled>
  <input type="submit" name="_save" value="Save"><input type="file" name="photo">
  <select name="venue"><option value="">---</option><option value="7" selected>NSDI</option>
  </select>
  <select name="status"><option value="published">Published</option></select>
  <select name="kept_apart" multiple><option value="1" selected>1</option><option value="2">
  2</option><option value="3" selected>3</option></select>
  <select name="none_chosen" multiple><option value="1">1</option></select>
  <textarea name="abstract">
First line.
Second &lt;line&gt;.</textarea>
</form>
"""


def test_forms_of_reads_what_a_browser_would_submit():
    other, paper = forms_of(FORM)

    assert other.fields == [("q", "x")]
    assert paper.attrs == {"method": "post", "id": "paper_form"}
    assert paper.fields == [
        ("csrfmiddlewaretoken", "token"),
        ("title", "A & B"),
        ("authors_complete", "on"),
        ("kind", "b"),
        ("venue", "7"),
        ("status", "published"),
        ("kept_apart", "1"),
        ("kept_apart", "3"),
        ("abstract", "First line.\nSecond <line>."),
    ]


def test_form_with_picks_the_form_holding_the_field():
    assert form_with(FORM, "abstract").attrs["id"] == "paper_form"
    assert form_with(FORM, "q").attrs["id"] == "other"
    assert form_with(FORM, "nothing") is None


def test_a_change_form_read_and_posted_back_unchanged_saves_the_same_paper(lab_admin_client):
    paper = PaperFactory(title="Unchanged", note="A note.", abstract="Line one.\nLine two.")
    people = [PersonFactory(name=name) for name in ("Ada One", "Bo Two", "Cy Three")]
    paper_set_byline(paper=paper, byline="Ada One*; Bo Two; Cy Three✉")
    path = f"/admin/publications/paper/{paper.pk}/change/"

    form = form_with(lab_admin_client.get(path).content.decode(), "title")
    response = lab_admin_client.post(path, dict_of(form.fields) | {"_save": "Save"})

    assert response.status_code == 302
    paper.refresh_from_db()
    assert (paper.title, paper.note, paper.abstract) == (
        "Unchanged",
        "A note.",
        "Line one.\nLine two.",
    )
    rows = list(paper.authorships.order_by("position"))
    assert [row.person for row in rows] == people
    assert [(row.equal_contribution, row.corresponding) for row in rows] == [
        (True, False),
        (False, False),
        (False, True),
    ]


def dict_of(fields):
    """Django's test client takes lists for repeated names."""
    values = {}
    for name, value in fields:
        values.setdefault(name, []).append(value)
    return values


# -- The checks after a run ----------------------------------------------------------------------


@pytest.fixture
def edited(db):
    """A paper of two authors and the edit the load test plans for it."""
    paper = PaperFactory(title="Before", note="")
    first, second = AuthorshipFactory(paper=paper, position=1), AuthorshipFactory(
        paper=paper, position=2
    )
    edit = Edit(
        paper_id=paper.pk,
        title="Before",
        note="",
        authors=[first.person_id, second.person_id],
        new_title="After",
        new_note="Edited.",
    )
    return paper, edit


def apply(paper, edit, *, user, byline=True, title=True):
    """The edit as the admin writes it, whole or (to imitate a half-written one) in part."""
    with recorded("test edit", user=user):
        if title:
            paper.title, paper.note = edit.new_title, edit.new_note
            paper.save()
        if byline:
            rows = list(paper.authorships.order_by("position"))
            names = [f"{row.person.name} <{row.person.slug}>" for row in rows]
            paper_set_byline(paper=paper, byline="; ".join([names[1], names[0], *names[2:]]))


def test_check_edits_passes_a_saved_edit_that_is_whole(edited):
    paper, edit = edited
    admin = UserFactory()
    apply(paper, edit, user=admin)
    edit.outcome = "saved"

    check = check_edits([edit], admin=admin)

    assert check.problems == []
    assert check.summary.startswith("1 edits saved, 0 refused or unanswered")


@pytest.mark.parametrize("written", ["nothing", "title only", "byline only"])
def test_check_edits_reports_a_saved_edit_not_whole_in_the_database(edited, written):
    paper, edit = edited
    admin = UserFactory()
    if written != "nothing":
        only_title = written == "title only"
        apply(paper, edit, user=admin, byline=not only_title, title=only_title)
    edit.outcome = "saved"

    check = check_edits([edit], admin=admin)

    assert len(check.problems) == 1
    assert check.problems[0].startswith(f"paper {paper.pk} (edit saved):")


def test_check_edits_reports_a_saved_edit_missing_from_history(edited):
    paper, edit = edited
    apply(paper, edit, user=UserFactory())  # by someone else than the load test's admin
    edit.outcome = "saved"

    check = check_edits([edit], admin=UserFactory())

    assert check.problems == [f"paper {paper.pk}: saved, but no version in history"]


@pytest.mark.parametrize(
    ("outcome", "written", "passes"),
    [
        ("", False, True),
        ("", True, False),  # never sent, yet changed
        ("refused", True, False),
        ("unknown", False, True),  # lost answer: whole or not at all
        ("unknown", True, True),
    ],
)
def test_check_edits_of_edits_not_confirmed(edited, outcome, written, passes):
    paper, edit = edited
    admin = UserFactory()
    if written:
        apply(paper, edit, user=admin)
    edit.outcome = outcome

    assert (check_edits([edit], admin=admin).problems == []) == passes


def upload_of(*, papers: int) -> ImportFile:
    upload = ImportFile(number=1, venue="Venue")
    for n in range(papers):
        upload.entries.append(
            ImportEntry(doi=f"10.5555/load.t.1.{n}", title=f"Paper {n}", year=2020, authors=["A"])
        )
    return upload


def write_entries(upload: ImportFile, count: int, *, authors=None):
    for entry in upload.entries[:count]:
        paper = PaperFactory(doi=entry.doi, title=entry.title, year=entry.year)
        AuthorshipFactory(paper=paper, person=PersonFactory(name=(authors or entry.authors)[0]))


@pytest.mark.parametrize(
    ("outcome", "written", "passes"),
    [
        ("imported", 2, True),
        ("imported", 1, False),  # half of it
        ("imported", 0, False),
        ("", 0, True),
        ("", 2, False),  # never confirmed, yet here
        ("unknown", 0, True),
        ("unknown", 2, True),
        ("unknown", 1, False),
    ],
)
def test_check_imports_wants_each_file_whole_or_not_at_all(db, outcome, written, passes):
    upload = upload_of(papers=2)
    write_entries(upload, written)
    upload.outcome = outcome

    assert (check_imports([upload]).problems == []) == passes


def test_check_imports_reports_a_paper_with_another_byline(db):
    upload = upload_of(papers=1)
    write_entries(upload, 1, authors=["Someone Else"])
    upload.outcome = "imported"

    problems = check_imports([upload]).problems

    assert problems[0].startswith("file 1, 10.5555/load.t.1.0: 'Paper 0', 2020, ['Someone Else']")
    assert problems[1] == "file 1: imported, but not all of it is here"
    assert Paper.objects.count() == 1


# -- Figures -------------------------------------------------------------------------------------


def test_percentile_is_the_nearest_rank():
    values = [float(n) for n in range(1, 101)]

    assert [percentile(values, share) for share in (50, 95, 99, 100)] == [50.0, 95.0, 99.0, 100.0]
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([5.0], 99) == 5.0


def test_memory_growth_compares_the_workers_alive_at_both_times():
    start = {1: 100, 2: 100}

    assert memory_growth(start, {1: 105, 2: 115}) == pytest.approx(0.10)
    # Worker 2 was replaced by worker 3, which starts small: only worker 1 is compared.
    assert memory_growth(start, {1: 120, 3: 50}) == pytest.approx(0.20)


# -- The command's refusals ------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the refusal of SQLite")
def test_load_test_refuses_sqlite(db):
    with pytest.raises(CommandError, match=r"runs on PostgreSQL \(the database is sqlite\)"):
        call_command("load_test", duration=1)


@pytest.mark.postgres_only
@override_settings(REDIS_URL="")
def test_load_test_refuses_to_run_without_redis(db):
    with pytest.raises(CommandError, match="The load test needs Redis"):
        call_command("load_test", duration=1)


@pytest.mark.postgres_only
@override_settings(REDIS_URL="redis://127.0.0.1:6379/14")
def test_load_test_refuses_a_database_without_a_lab(db):
    with pytest.raises(CommandError, match=r"no authored papers: run manage\.py generate_lab"):
        call_command("load_test", duration=1)
