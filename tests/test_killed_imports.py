"""An import killed in the middle (``kill -9``) leaves the database exactly as it was.

``manage.py import_workbook`` and ``manage.py import_bibtex`` each write in one transaction. Each
test runs the command in another process on a copy of a database holding the seed records,
waits until the import has been writing for a while inside one open transaction, kills it with
SIGKILL, and compares every row of every table with what was there before. On SQLite the open
write transaction shows as the rollback journal beside the database file; on PostgreSQL as
the import's backend holding an open transaction that has written to several tables of the
lab.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

from devtools.management.commands.benchmark_spreadsheets import generated_workbook
from tests.scratch import ROOT, SUPERUSER, database_copy, every_table, seeded_template, vendor

#: Sizes that keep each import writing for seconds: the kill lands well before the commit.
WORKBOOK_PAPERS = 2000
BIBTEX_ENTRIES = 10_000  # 2,500 came to commit within half a second of writing (2,000+/s)
#: How long the import must have been writing in one transaction before it is killed.
WRITING_FOR = 0.5
DEADLINE = 90


@pytest.fixture
def unblocked(django_db_blocker):
    """Database access for the scratch databases (these tests use no test database)."""
    with django_db_blocker.unblock():
        yield


def bibtex_file(entries: int) -> str:
    lines = []
    for n in range(entries):
        authors = " and ".join(
            f"Given{(n * 7 + i) % 900:03d} Family{(n * 13 + i) % 700:03d}" for i in range(4)
        )
        lines.append(
            f"@inproceedings{{key{n},\n  author = {{{authors}}},\n"
            f"  title = {{Scalable Systems for Workload Number {n}}},\n"
            f"  booktitle = {{Proceedings of Symposium {n % 40} (SYM{n % 40} {2000 + n % 25})}},\n"
            f"  year = {{{2000 + n % 25}}},\n}}\n"
        )
    return "\n".join(lines)


def start(command: list[str], database, output) -> subprocess.Popen:
    """The command in another process, its output to the file ``output`` (a pipe nobody reads
    would fill up and stop it)."""
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        "DJANGO_SETTINGS_MODULE": "lab.settings",
        "DATABASE_URL": database.url,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
    )


def _writing_in_one_transaction(database, wrapper) -> bool:
    if vendor() == "sqlite":
        return database.journal.exists()
    # Row locks are held until the transaction ends: locks on two tables at once are writes
    # of one transaction that has not committed.
    with wrapper.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT l.relation) FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
            " AND a.backend_xid IS NOT NULL AND l.mode = 'RowExclusiveLock'"
            " AND l.relation::regclass::text ~ '^(people|publications)_'"
        )
        return cursor.fetchone()[0] >= 2


def kill_while_writing(process: subprocess.Popen, database, wrapper, output) -> float:
    """SIGKILL ``process`` once it has been writing in one open transaction for WRITING_FOR
    seconds; returns how long after the start it was killed."""
    started = time.monotonic()
    writing_since = None
    while time.monotonic() - started < DEADLINE:
        if process.poll() is not None:
            pytest.fail(
                f"the import ended (exit {process.returncode}) before being killed:\n"
                + output.read_text()[-3000:]
            )
        if _writing_in_one_transaction(database, wrapper):
            writing_since = writing_since or time.monotonic()
            if time.monotonic() - writing_since >= WRITING_FOR:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
                return time.monotonic() - started
        else:
            writing_since = None
        time.sleep(0.01)
    process.kill()
    process.wait(timeout=10)
    pytest.fail(f"the import was not seen writing within {DEADLINE} s")


def wait_for_other_backends_to_end(wrapper) -> None:
    """On PostgreSQL, the killed client's server process rolls back and ends on its own."""
    if vendor() != "postgresql":
        return
    for _ in range(200):
        with wrapper.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)
    pytest.fail("the killed import's PostgreSQL backend did not end within 10 s")


@pytest.mark.parametrize("kind", ["workbook", "bibtex"])
def test_import_killed_while_writing_leaves_every_table_as_it_was(kind, tmp_path, unblocked):
    if kind == "workbook":
        path = tmp_path / "lab.xlsx"
        path.write_bytes(generated_workbook(WORKBOOK_PAPERS, 4))
        command = ["import_workbook", str(path), "--user", SUPERUSER]
    else:
        path = tmp_path / "papers.bib"
        path.write_text(bibtex_file(BIBTEX_ENTRIES), encoding="utf-8")
        command = ["import_bibtex", str(path), "--user", SUPERUSER]
    with database_copy(seeded_template(), tmp_path) as database:
        wrapper = database.wrapper()
        try:
            before = every_table(wrapper)
            output = tmp_path / "output.txt"
            with output.open("wb") as file:
                process = start(command, database, file)

            killed_after = kill_while_writing(process, database, wrapper, output)
            wait_for_other_backends_to_end(wrapper)
            after = every_table(wrapper)
        finally:
            wrapper.close()

    print(f"{kind}: killed {killed_after:.1f} s after the start")
    assert process.returncode == -signal.SIGKILL
    assert sum(len(rows) for rows in before.values()) > 500  # the seed records are there
    assert sorted(after) == sorted(before)
    assert [table for table in before if after[table] != before[table]] == []
