"""A throwaway PostgreSQL server for the test suite.

``throwaway_postgres()`` initialises a cluster in a fresh temp dir, runs it on a free port of
127.0.0.1 and, on exit, stops it and removes the temp dir. It needs the server binaries
(initdb, pg_ctl); when they are missing and we are root on Debian, it installs them with apt-get.

Run directly (``python tools/pgcluster.py``) it starts one and keeps it until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

# PostgreSQL refuses to run as root, so as root the server runs as this system user.
SERVER_USER = "labrecords-pg"
INITDB_OPTIONS = ("-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
START_TIMEOUT = 60  # seconds for the server to accept connections
SPEED_SETTINGS = {
    # A throwaway cluster needs no crash safety.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


class PostgresError(RuntimeError):
    """A PostgreSQL server could not be found, installed, started or reached."""


def postgres_reachable(url: str) -> bool:
    """Whether a PostgreSQL server accepts a connection to ``url`` within 3 seconds."""
    import psycopg  # here, so that the rest works with any Python 3.11, venv or not

    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def find_pg_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres: from PATH, else Debian's newest."""
    candidates = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    candidates += [Path(d) for d in debian]
    for bindir in candidates:
        if all(os.access(bindir / exe, os.X_OK) for exe in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


def _version_key(bindir: str) -> tuple[int, ...]:
    version = Path(bindir).parent.name  # "15", "9.6"
    return tuple(int(part) for part in version.split(".") if part.isdigit())


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Run a fresh PostgreSQL server; yield ``postgres://postgres@127.0.0.1:PORT/postgres``."""
    bindir = find_pg_bindir() or _install_postgres()
    user = _server_user() if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="labrecords-pg-"))
    data, sockets, log = base / "data", base / "sockets", base / "server.log"
    started = False
    try:
        sockets.mkdir()
        if user:
            _check_reachable_by_others(base)
            for path in (base, sockets):
                os.chown(path, user.pw_uid, user.pw_gid)

        initdb = [bindir / "initdb", "-D", data, *INITDB_OPTIONS]
        result = _run(initdb, user, cwd=base, timeout=120)
        if result.returncode != 0:
            raise PostgresError(
                f"initdb failed (exit {result.returncode}):\n{_tail(result.stdout)}"
            )

        port = _free_port()
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(port),
            "unix_socket_directories": _quote(str(sockets)),
            **SPEED_SETTINGS,
        }
        with (data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

        started = True  # from here on a server may be running, even if the start times out
        start = [bindir / "pg_ctl", "start", "-D", data, "-l", log, "-w", "-t", str(START_TIMEOUT)]
        result = _run(start, user, cwd=base, timeout=START_TIMEOUT + 30)
        if result.returncode != 0:
            server_log = log.read_text(errors="replace") if log.exists() else "(no server log)"
            raise PostgresError(
                f"pg_ctl start failed (exit {result.returncode}) on port {port}:\n"
                f"{_tail(result.stdout)}\nserver log:\n{_tail(server_log)}"
            )
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            _stop(bindir, data, user, base)
        shutil.rmtree(base, ignore_errors=True)
        if base.exists():
            print(f"pgcluster: could not remove {base}", file=sys.stderr)


def _stop(bindir: Path, data: Path, user: pwd.struct_passwd | None, base: Path) -> None:
    for mode in ("fast", "immediate"):
        if not (data / "postmaster.pid").exists():
            return
        stop = [bindir / "pg_ctl", "stop", "-D", data, "-m", mode, "-w", "-t", "30"]
        with contextlib.suppress(subprocess.TimeoutExpired):
            if _run(stop, user, cwd=base, timeout=40).returncode == 0:
                return
    print(f"pgcluster: could not stop the server in {data}", file=sys.stderr)


def _run(cmd: list, user: pwd.struct_passwd | None, *, cwd: Path, timeout: float):
    """Run a server binary, as ``user`` if given, with its output captured."""
    as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}
    # PG* variables (PGDATA, PGPORT...) of the caller must not steer the throwaway server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return subprocess.run(  # noqa: S603 - fixed argument lists, no shell
        [str(part) for part in cmd],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
        **as_user,
    )


def _install_postgres() -> Path:
    """Install Debian's postgresql package (root with apt-get only); return its bin folder."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise PostgresError(
            "PostgreSQL server binaries (initdb, pg_ctl) were found neither on PATH nor in "
            "/usr/lib/postgresql/*/bin. Install the server (Debian: apt-get install postgresql) "
            "or point TEST_POSTGRES_URL at a running server."
        )
    print("pgcluster: installing Debian's postgresql package with apt-get", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"],
    ):
        # Progress goes to stderr so that it shows in the log but not in captured stdout.
        result = subprocess.run(  # noqa: S603 - fixed argument lists, no shell
            cmd, env=env, stdin=subprocess.DEVNULL, stdout=sys.stderr, check=False
        )
        if result.returncode != 0:
            raise PostgresError(f"{' '.join(cmd)} failed (exit {result.returncode})")
    bindir = find_pg_bindir()
    if bindir is None:
        raise PostgresError("installed the postgresql package but still found no initdb/pg_ctl")
    return bindir


def _server_user() -> pwd.struct_passwd:
    """The unprivileged system user that runs the server, created if missing."""
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(SERVER_USER)
    useradd = [
        "useradd",
        "--system",
        "--no-create-home",
        "--shell",
        "/usr/sbin/nologin",
        SERVER_USER,
    ]
    result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        useradd, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
    )
    try:  # exit 9: a concurrent run created it first
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise PostgresError(
            f"could not create the system user {SERVER_USER!r} to run PostgreSQL "
            f"(useradd exit {result.returncode}): {result.stderr.strip()}"
        ) from None


def _check_reachable_by_others(base: Path) -> None:
    for parent in base.parents:
        if not parent.stat().st_mode & 0o001:
            raise PostgresError(
                f"{SERVER_USER} cannot enter {parent} (the temp dir's parent); "
                "set TMPDIR to a folder that others may enter, such as /tmp"
            )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:]) or "(no output)"


if __name__ == "__main__":
    with throwaway_postgres() as url, contextlib.suppress(KeyboardInterrupt):
        print(url, flush=True)
        print("Serving until Ctrl-C.", file=sys.stderr)
        signal.pause()
