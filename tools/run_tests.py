"""Run the whole test suite twice: on SQLite, then on a real PostgreSQL.

Usage: .venv/bin/python tools/run_tests.py [pytest args...]   (what `make test` runs)

PostgreSQL is chosen in this order:
  1. TEST_POSTGRES_URL, if set (the run fails if it does not answer);
  2. the machine's service at 127.0.0.1:5432, if it answers (TEST_POSTGRES=throwaway skips it);
  3. a throwaway server started for this run and removed after it (tools/pgcluster.py).
If none can be had, the run fails: PostgreSQL is part of the suite, locally and in CI.
Chromium for the browser tests is found or installed first (tools/browsers.py); without it the
run fails too.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

from browsers import BrowserError, ensure_chromium
from pgcluster import PostgresError, postgres_reachable, throwaway_postgres

SERVICE_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def run_pytest(args: list[str], database_url: str | None = None) -> int:
    """Run pytest in a child process; Django's settings read DATABASE_URL (unset: SQLite)."""
    env = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    if database_url:
        env["DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "pytest", *args]
    return subprocess.run(command, env=env, check=False).returncode  # noqa: S603 - our own argv


@contextlib.contextmanager
def chosen_postgres() -> Iterator[tuple[str, str]]:
    """Yield (kind, url) of the PostgreSQL to test on; kind is given, service or throwaway."""
    given = os.environ.get("TEST_POSTGRES_URL")
    if given:
        if not postgres_reachable(given):
            raise PostgresError(f"TEST_POSTGRES_URL ({without_credentials(given)}) does not answer")
        yield "given", given
        return
    mode = os.environ.get("TEST_POSTGRES", "")
    if mode not in ("", "throwaway"):
        raise PostgresError(f"TEST_POSTGRES={mode!r}: the only value it takes is 'throwaway'")
    if mode != "throwaway" and postgres_reachable(SERVICE_URL):
        yield "service", SERVICE_URL
        return
    with throwaway_postgres() as url:
        yield "throwaway", url


def without_credentials(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


def outcome(code: int | None) -> str:
    if code == 0:
        return "passed"
    if code is None:
        return "FAILED (no PostgreSQL server)"
    if code == 5:
        return "FAILED (pytest exit code 5: no tests collected)"
    return f"FAILED (pytest exit code {code})"


def main(args: list[str]) -> int:
    results: list[tuple[str, int | None]] = []

    # The browser tests drive Debian's Chromium: find it, or install it (root on Debian).
    try:
        print(f"==> Chromium for the browser tests: {ensure_chromium()}", flush=True)
    except BrowserError as error:
        print(f"error: no Chromium for the browser tests: {error}", file=sys.stderr, flush=True)
        return 1

    print("==> Tests on SQLite", flush=True)
    results.append(("SQLite", run_pytest(args)))

    try:
        with chosen_postgres() as (kind, url):
            label = f"PostgreSQL ({kind}, {without_credentials(url)})"
            print(f"==> Tests on {label}", flush=True)
            results.append((label, run_pytest([*args, "--create-db"], url)))
    except PostgresError as error:
        print(f"error: no PostgreSQL to test on: {error}", file=sys.stderr, flush=True)
        results.append(("PostgreSQL", None))

    print("==> Summary")
    for label, code in results:
        print(f"    {label}: {outcome(code)}")
    return 0 if all(code == 0 for _, code in results) else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
