"""The test orchestrator fails, rather than skips, when PostgreSQL cannot be had."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_fails_when_the_given_postgresql_does_not_answer():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "TEST_POSTGRES_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/postgres",
    }

    result = subprocess.run(
        [sys.executable, "tools/run_tests.py", "-q", "tests/test_database.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 1
    assert "SQLite: passed" in result.stdout
    assert "PostgreSQL: FAILED (no PostgreSQL server)" in result.stdout
    assert "does not answer" in result.stderr
