"""Faults: a database or a Redis that cannot be reached.

Redis (``lab.core.redis_cache.TolerantRedisCache``): pages are served uncached and sessions read
from the database, with one warning; a stuck Redis costs a page its socket timeout, once; and
when Redis answers again after an outage, what went stale in it meanwhile is not served.

The database (``lab.middleware``): the site, run by gunicorn in another process, answers a
plain 503 page with ``Retry-After`` (DEBUG on or off) and is served again, without a restart,
once the database is back. PostgreSQL is reached through a TCP forwarder the test stops and
starts; SQLite's file is taken away and put back.
"""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils.html import escape

from publications.models import Paper
from tests.factories import PaperFactory
from tests.scratch import ROOT, database_copy, seeded_template, vendor

REDIS_SERVER = shutil.which("redis-server")
SERVER_START_SECONDS = 30


def free_port() -> int:
    """A port nothing listens on (asked of the kernel, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TcpForwarder:
    """Forwards 127.0.0.1:``port`` to 127.0.0.1:``target``. ``stop`` closes the port and cuts
    every open connection, as a dead server would; ``start`` opens the same port again."""

    def __init__(self, target: int):
        self.target = target
        self.port = free_port()
        self._listener = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def stop(self) -> None:
        with_closed(self._listener)  # shutdown first: a bare close leaves accept() waiting
        with self._lock:
            for sock in self._sockets:
                with_closed(sock)
            self._sockets.clear()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                with_closed(client)
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        with_closed(source)
        with_closed(sink)


def with_closed(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@contextmanager
def forwarder(target: int):
    proxy = TcpForwarder(target)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


@contextmanager
def black_hole():
    """A port that accepts connections (the kernel completes them) and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as listener:
        yield listener.getsockname()[1]


def fetch(url: str, timeout: float = 20) -> tuple[int, dict, str, float]:
    """(status, headers, body, seconds) of a GET, whatever the status."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http://127.0.0.1
            status, headers, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, dict(error.headers), error.read()
        error.close()
    return status, headers, body.decode(), time.monotonic() - started


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "faults-test-k7#p2VqL!x9Zr4mT0sWc8yHn3bGf6dJaE1uQoR5iYt",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
}


@contextmanager
def site(tmp_path: Path, **env: str):
    """The site served by gunicorn (one worker) in another process with these settings;
    yields (base URL, the process, its log file)."""
    port = free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}},
        "DJANGO_SETTINGS_MODULE": "lab.settings",
        **env,
    }
    command = [
        sys.executable, "-m", "gunicorn", "lab.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--timeout", "60", "--no-control-socket",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited ({process.returncode}):\n{log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not listen within {SERVER_START_SECONDS} s")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def unavailable_page() -> str:
    return render_to_string("503.html", {"lab_name": "Lab Records"})


def assert_plain_503(status: int, headers: dict, body: str) -> None:
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "no-store" in headers["Cache-Control"]
    assert body == unavailable_page()  # no traceback, no settings, no error text


# --- the database ------------------------------------------------------------------------------


def unreachable_database_url(tmp_path: Path) -> str:
    if vendor() == "postgresql":
        return f"postgres://postgres@127.0.0.1:{free_port()}/lab"
    return f"sqlite:///{tmp_path / 'no-such-directory' / 'db.sqlite3'}"


@pytest.mark.parametrize("debug", ["true", "false"])
def test_unreachable_database_answers_a_plain_503_page(debug, tmp_path):
    settings = {**PRODUCTION} if debug == "false" else {"DEBUG": "true"}

    with site(tmp_path, DATABASE_URL=unreachable_database_url(tmp_path), **settings) as (
        url,
        _,
        log,
    ):
        pages = [fetch(f"{url}{path}") for path in ("/publications/", "/people/", "/")]

    for status, headers, body, _ in pages:
        assert_plain_503(status, headers, body)
    warnings = [line for line in log.read_text().splitlines() if "Database unreachable" in line]
    # One warning a minute, whatever the number of requests.
    assert len(warnings) == 1
    assert warnings[0].startswith("Database unreachable (OperationalError: ")
    assert warnings[0].endswith("answered 503 to GET /publications/.")


def test_postgresql_server_that_never_answers_gives_a_503_after_the_connect_timeout(tmp_path):
    """lab/settings.py's connect_timeout (5 s): without it the request would hang for good."""
    with (
        black_hole() as port,
        site(tmp_path, DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/lab") as (url, _, _log),
    ):
        status, headers, body, seconds = fetch(f"{url}/publications/")

    assert_plain_503(status, headers, body)
    assert 4 < seconds < 10


@contextmanager
def outage_switch(database):
    """(database URL for the site, stop, start): what cuts the site off its database."""
    if vendor() == "postgresql":
        port = int(database.url.rsplit(":", 1)[1].split("/", 1)[0])
        with forwarder(port) as proxy:
            yield database.url.replace(f":{port}/", f":{proxy.port}/"), proxy.stop, proxy.start
        return
    # SQLite: the directory of the file goes away (a lost mount) and comes back.
    path = Path(database.name)
    directory = path.parent / "database"
    directory.mkdir()
    moved = directory / path.name
    path.rename(moved)
    away = directory.with_name("database-away")
    yield (
        f"sqlite:///{moved}",
        lambda: directory.rename(away),
        lambda: away.rename(directory),
    )


# "0": a connection per request (DEBUG's default); "60": kept between requests (production's
# default), so the request during the outage finds a connection that no longer works. (An open
# SQLite file stays readable when its directory goes away, so that cut is PostgreSQL's only.)
@pytest.mark.parametrize(
    "conn_max_age",
    [
        "0",
        pytest.param(
            "60",
            marks=pytest.mark.skipif(
                vendor() != "postgresql", reason="an open SQLite file cannot be cut off"
            ),
        ),
    ],
)
def test_site_serves_pages_again_once_the_database_is_back_without_a_restart(
    conn_max_age, tmp_path, django_db_blocker
):
    with database_copy(seeded_template(), tmp_path) as database:
        wrapper = database.wrapper()
        try:
            with django_db_blocker.unblock(), wrapper.cursor() as cursor:
                cursor.execute("SELECT slug, title FROM publications_paper ORDER BY slug LIMIT 3")
                papers = [(slug, escape(title)) for slug, title in cursor.fetchall()]
        finally:
            wrapper.close()
        with (
            outage_switch(database) as (database_url, stop, start),
            site(
                tmp_path, DATABASE_URL=database_url, DEBUG="true", CONN_MAX_AGE=conn_max_age
            ) as (url, process, log),
        ):
            before = fetch(f"{url}/papers/{papers[0][0]}/")
            stop()
            cached = fetch(f"{url}/papers/{papers[0][0]}/")
            during = fetch(f"{url}/papers/{papers[1][0]}/")
            start()
            after = fetch(f"{url}/papers/{papers[1][0]}/")
            again = fetch(f"{url}/papers/{papers[2][0]}/")
            still_running = process.poll() is None

    assert (before[0], papers[0][1] in before[2]) == (200, True)
    # A visitor's page cached before the outage is served from the cache meanwhile.
    assert (cached[0], cached[2]) == (200, before[2])
    assert_plain_503(*during[:3])
    assert (after[0], papers[1][1] in after[2]) == (200, True)
    assert (again[0], papers[2][1] in again[2]) == (200, True)
    assert still_running
    assert "Database unreachable (OperationalError" in log.read_text()


@pytest.mark.skipif(vendor() != "sqlite", reason="SQLite's lock")
def test_sqlite_database_locked_past_its_timeout_answers_503(tmp_path):
    """A long import holds SQLite's write lock: a page that waited its 5 s in vain is a 503."""
    with (
        database_copy(seeded_template(), tmp_path) as database,
        site(tmp_path, DATABASE_URL=database.url, DEBUG="true") as (url, _, _log),
    ):
        locker = sqlite3.connect(database.name, isolation_level=None)
        try:
            locker.execute("BEGIN EXCLUSIVE")
            status, headers, body, seconds = fetch(f"{url}/people/")
        finally:
            locker.close()
        unlocked = fetch(f"{url}/people/")

    assert_plain_503(status, headers, body)
    assert 4 < seconds < 15
    assert unlocked[0] == 200


# --- Redis -------------------------------------------------------------------------------------


def tolerant_cache(location: str, **options) -> dict:
    return {
        "default": {
            "BACKEND": "lab.core.redis_cache.TolerantRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, **options},
        }
    }


def redis_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "lab.core.redis_cache"]


def test_the_redis_client_is_made_once_per_connection_pool(settings):
    """Django makes a redis.Redis per cache call; ReusingRedisCacheClient keeps one per pool
    (the machine's Redis, a database of the test's own)."""
    from django.core.cache import caches

    from lab.core.redis_cache import ReusingRedisCacheClient

    settings.CACHES = tolerant_cache("redis://127.0.0.1:6379/11")
    cache = caches["default"]
    cache.set("reused-client", "value")

    assert cache.get("reused-client") == "value"
    assert isinstance(cache._cache, ReusingRedisCacheClient)
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client("any key") is client  # one server: one pool for both
    assert cache.delete("reused-client") and cache.get("reused-client") is None


@pytest.mark.django_db
def test_dead_redis_pages_are_served_uncached_with_one_warning(client, settings, caplog):
    port = free_port()
    # Asked again at every call: the warning is still logged once.
    settings.CACHES = tolerant_cache(f"redis://127.0.0.1:{port}/0", RETRY_SECONDS=0)
    PaperFactory(title="Served Without Redis")

    first = client.get("/publications/")
    Paper.objects.update(title="Changed Without a Signal")  # a cached page would not show it
    second = client.get("/publications/")

    assert first.status_code == second.status_code == 200
    assert "Served Without Redis" in first.content.decode()
    assert "Changed Without a Signal" in second.content.decode()
    warnings = redis_warnings(caplog)
    assert len(warnings) == 1
    assert warnings[0].startswith(
        f"Redis cache at 127.0.0.1:{port}/0 is unreachable (ConnectionError: "
    )
    assert warnings[0].endswith(
        "pages are served uncached and sessions read from the database; asking Redis again in "
        "0 s."
    )


@pytest.mark.django_db
def test_dead_redis_a_member_logs_in_sees_member_pages_and_logs_out(client, settings, member):
    settings.CACHES = tolerant_cache(f"redis://127.0.0.1:{free_port()}/0")

    logged_in = client.post(
        "/accounts/login/", {"username": "member", "password": "correct horse battery"}
    )
    page = client.get("/publications/")
    logged_out = client.post("/accounts/logout/")
    after = client.get("/publications/")

    assert (logged_in.status_code, logged_in["Location"]) == (302, "/")
    assert page.status_code == 200
    assert "Log out" in page.content.decode()
    assert logged_out.status_code == 302
    assert "Log in" in after.content.decode()


def test_stuck_redis_costs_one_page_its_socket_timeout(tmp_path):
    """lab/settings.py's timeouts: a Redis that accepts connections and never answers."""
    with (
        black_hole() as port,
        database_copy(seeded_template(), tmp_path) as database,
        site(
            tmp_path, DATABASE_URL=database.url, REDIS_URL=f"redis://127.0.0.1:{port}/0"
        ) as (url, _, log),
    ):
        pages = [fetch(f"{url}/people/") for _ in range(3)]

    assert [status for status, *_ in pages] == [200, 200, 200]
    assert pages[0][3] < 3  # connect answered, then the 0.5 s read timeout, once
    assert pages[1][3] < 1 and pages[2][3] < 1  # Redis left alone for 5 s
    text = log.read_text()
    assert f"Redis cache at 127.0.0.1:{port}/0 is unreachable (TimeoutError: " in text


@pytest.fixture
def redis_port(tmp_path):
    """A throwaway Redis server of the test's own (redis-server, on a free port)."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("redis-server did not answer within 10 s")
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


RETRY = 0.2


@pytest.mark.django_db
def test_redis_back_after_an_outage_serves_no_page_that_went_stale(
    client, settings, caplog, redis_port, django_assert_num_queries
):
    with forwarder(redis_port) as proxy:
        settings.CACHES = tolerant_cache(
            f"redis://127.0.0.1:{proxy.port}/0", RETRY_SECONDS=RETRY
        )
        paper = PaperFactory(title="Before the Outage")
        client.get(paper.get_absolute_url())
        with django_assert_num_queries(0):
            cached = client.get(paper.get_absolute_url())

        proxy.stop()
        paper.title = "Saved During the Outage"
        paper.save()  # the page cache's bump is lost: Redis still holds the old page
        during = client.get(paper.get_absolute_url())
        proxy.start()
        time.sleep(RETRY * 2)
        after = client.get(paper.get_absolute_url())

    assert "Before the Outage" in cached.content.decode()
    assert "Saved During the Outage" in during.content.decode()
    assert "Saved During the Outage" in after.content.decode()
    assert redis_warnings(caplog)[-1].startswith(
        f"Redis cache at 127.0.0.1:{proxy.port}/0 answers again: emptied it, because "
    )


@pytest.mark.django_db
def test_redis_back_after_an_outage_a_log_out_made_meanwhile_holds(
    client, settings, member, redis_port
):
    with forwarder(redis_port) as proxy:
        settings.CACHES = tolerant_cache(
            f"redis://127.0.0.1:{proxy.port}/0", RETRY_SECONDS=RETRY
        )
        client.post(
            "/accounts/login/", {"username": "member", "password": "correct horse battery"}
        )
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        assert "Log out" in client.get("/publications/").content.decode()

        proxy.stop()
        client.post("/accounts/logout/")  # the session's row goes; Redis keeps its copy
        proxy.start()
        time.sleep(RETRY * 2)
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie  # the old cookie, replayed
        replayed = client.get("/publications/")

    assert "Log in" in replayed.content.decode()
    assert "Log out" not in replayed.content.decode()
