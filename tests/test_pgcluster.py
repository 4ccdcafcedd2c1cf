"""tools/pgcluster.py really starts a PostgreSQL server, and leaves nothing behind."""

import os
from pathlib import Path

import psycopg
import pytest

from tools import pgcluster


def _process_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # An exited process that its parent has not reaped yet (a zombie) is stopped too.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rpartition(")")[2].split()[0] == "Z")


def test_throwaway_postgres_serves_then_cleans_up():
    if pgcluster.find_pg_bindir() is None and not os.environ.get("CI"):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    # In CI there is no skip: throwaway_postgres() installs the binaries or fails.

    with pgcluster.throwaway_postgres() as url:
        with psycopg.connect(url) as conn:
            version = conn.execute("select version()").fetchone()[0]
            data_dir = Path(conn.execute("show data_directory").fetchone()[0])
        data_dir_existed = data_dir.is_dir()
        server_pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        running_inside = _process_running(server_pid)

    assert version.startswith("PostgreSQL ")
    assert data_dir_existed
    assert running_inside
    assert not data_dir.parent.exists()  # the whole temp dir, data and socket and log
    assert not _process_running(server_pid)
    assert not pgcluster.postgres_reachable(url)
