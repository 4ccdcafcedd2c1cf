"""``manage.py import_bibtex`` entry by entry: --skip-errors (and the file of what was left out),
--max-size (no cap by default: the 2 MB cap is the admin's), --format; one plan, printed and
imported in one transaction."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from people.models import Person
from publications.bibtex_import import (
    MAX_BIBTEX_BYTES,
    apply,
    bibtex_import,
    bibtex_import_planned,
    bibtex_plan,
)
from publications.models import Paper, Venue

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data" / "bibtex"
MIXED = DATA / "alfolio" / "papers_with_errors.bib"


def run(*arguments: str, **options) -> None:
    call_command("import_bibtex", *arguments, **options)


def test_errors_import_nothing_by_default(lab_admin, capsys):
    with pytest.raises(CommandError, match=r"^2 error\(s\): nothing imported\.$"):
        run(str(MIXED), "--user", lab_admin.username)

    assert Paper.objects.count() == 0
    out = capsys.readouterr().out
    assert "ERROR      entry ye2024survey: year “20x4” is not a year between" in out


def test_skip_errors_imports_the_others_and_writes_what_was_left_out(lab_admin, capsys, tmp_path):
    skipped = tmp_path / "skipped.bib"

    run(str(MIXED), "--user", lab_admin.username, "--skip-errors", "--skipped-file", str(skipped))

    assert sorted(Paper.objects.values_list("title", flat=True)) == [
        "Friends of Friends at Scale",
        "Lucid: A Non-Intrusive, Scalable and Interpretable Scheduler for Deep Learning "
        "Training Jobs",
        "Universal and Efficient Load Balancing for RL Training of Large Multimodal Models",
    ]
    out = capsys.readouterr().out.splitlines()
    assert out[-3:] == [
        "Imported 3 paper(s), 7 new people, 3 new venue(s).",
        "Left out 2 entries with errors: ye2024survey, zhang2024torchgt.",
        f"Wrote the entries left out to {skipped}.",
    ]
    text = skipped.read_text(encoding="utf-8")
    assert "@article{ye2024survey," in text and "@inproceedings{zhang2024torchgt," in text
    assert "% entry ye2024survey: year “20x4” is not a year between" in text
    assert "pang2024graphs" not in text


def test_skip_errors_dry_run_says_what_would_be_left_out(capsys):
    run(str(MIXED), "--dry-run", "--skip-errors")

    assert Paper.objects.count() == 0
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "2 entries with errors would be left out.",
        "Dry run: nothing written.",
    ]


def test_skip_errors_with_nothing_left_to_import_fails(lab_admin):
    with pytest.raises(CommandError, match=r"and no entry to import: nothing imported\.$"):
        run(str(DATA / "invalid_fields.bib"), "--user", lab_admin.username, "--skip-errors")

    assert Paper.objects.count() == 0


def test_skipped_file_needs_skip_errors(lab_admin, tmp_path):
    with pytest.raises(CommandError, match=r"^--skipped-file needs --skip-errors\.$"):
        run(str(MIXED), "--user", lab_admin.username, "--skipped-file", str(tmp_path / "x.bib"))


def big_file(tmp_path: Path) -> Path:
    """A real entry after a comment that takes the file past the admin's 2 MB."""
    path = tmp_path / "big.bib"
    padding = "@comment{" + "x" * (MAX_BIBTEX_BYTES + 1000) + "}\n"
    entry = "@misc{big, title={A Big File}, author={Ada Lovelace}, year={2020}}\n"
    path.write_text(padding + entry, encoding="utf-8")
    return path


def test_no_size_cap_by_default(lab_admin, tmp_path):
    run(str(big_file(tmp_path)), "--user", lab_admin.username)

    assert list(Paper.objects.values_list("title", flat=True)) == ["A Big File"]


@pytest.mark.parametrize(("size", "shown"), [("2MB", "2,097,152"), ("1000000", "1,000,000")])
def test_max_size_refuses_a_bigger_file_before_reading_it(lab_admin, tmp_path, size, shown):
    path = big_file(tmp_path)

    with pytest.raises(CommandError) as raised:
        run(str(path), "--user", lab_admin.username, "--max-size", size)

    assert str(raised.value) == (
        f"{path} is larger than --max-size ({path.stat().st_size:,} bytes, at most {shown}): "
        "split it, or raise --max-size."
    )
    assert Paper.objects.count() == 0


def test_max_size_must_be_a_size(lab_admin):
    with pytest.raises(CommandError, match="argument --max-size: invalid size value: 'lots'"):
        run(str(MIXED), "--user", lab_admin.username, "--max-size", "lots")


def test_a_file_within_max_size_imports(lab_admin):
    run(str(DATA / "papers.bib"), "--user", lab_admin.username, "--max-size", "10KB")

    assert Paper.objects.count() == 4


def test_format_must_be_one_the_import_reads(lab_admin):
    with pytest.raises(CommandError, match="argument --format: invalid choice: 'word'"):
        run(str(MIXED), "--user", lab_admin.username, "--format", "word")


class _Rollback(Exception):
    pass


def _queries_of(work) -> int:
    """The queries ``work`` sends, in a transaction rolled back after it."""
    rolled_back = pytest.raises(_Rollback)
    with CaptureQueriesContext(connection) as captured, rolled_back, transaction.atomic():
        work()
        raise _Rollback
    return len(captured)


def test_the_command_reads_and_matches_the_file_once(lab_admin):
    """The plan it prints is the one it imports, in one transaction: what the file asks of the
    database (its venues, people, duplicates, keywords) is asked once, not again by the
    import."""
    path = DATA / "papers.bib"
    text = path.read_text(encoding="utf-8")
    planning = _queries_of(lambda: bibtex_plan(text))
    importing = _queries_of(lambda: bibtex_import(text=text, user=lab_admin))
    command = _queries_of(lambda: run(str(path), "--user", lab_admin.username, stdout=StringIO()))

    assert planning >= 3
    # The user and their permissions, read by the command alone, are fewer queries than a plan.
    assert importing < command < importing + planning
    assert Paper.objects.count() == 0


def test_a_failed_import_in_the_command_leaves_nothing(lab_admin, monkeypatch):
    """Planned, printed and imported in one transaction: an error while writing undoes it all
    (here the byline rows fail after the venues, people and papers went in)."""

    def fail(*args, **kwargs):
        raise IntegrityError("byline rows refused")

    monkeypatch.setattr(apply, "_create_authorships", fail)
    with pytest.raises(IntegrityError, match="byline rows refused"):
        run(str(DATA / "papers.bib"), "--user", lab_admin.username, stdout=StringIO())

    assert (Paper.objects.count(), Venue.objects.count(), Person.objects.count()) == (0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_plan_is_applied_only_in_the_transaction_it_was_made_in():
    # No user is needed to be refused (the groups of a lab admin are not there in a test
    # that empties the tables after each test).
    plan = bibtex_plan((DATA / "papers.bib").read_text(encoding="utf-8"))

    with pytest.raises(TransactionManagementError, match=r"outside one, use bibtex_import\(\)"):
        bibtex_import_planned(plan, user=None)

    assert Paper.objects.count() == 0
