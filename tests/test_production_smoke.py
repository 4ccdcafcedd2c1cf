"""Production smoke tests: the site as production runs it, over real HTTP.

gunicorn serves `lab.wsgi` with DEBUG=false, a SECRET_KEY and ALLOWED_HOSTS=127.0.0.1, on a free
port of 127.0.0.1, from a database made for the test (a fresh SQLite file, or, when the suite runs
on PostgreSQL (DATABASE_URL), a database of its own on that server, dropped afterwards), migrated
and seeded with `loaddata lab`, with the static files collected (hashed, compressed) into a
temporary STATIC_ROOT and a photo in a temporary MEDIA_ROOT. The pages are fetched with urllib.

SECURE_SSL_REDIRECT=false because there is no TLS here: with it every plain-HTTP request would
be answered 301 to https://, which nothing listens on. Everything else is production's, and
SECURE_PROXY_SSL_HEADER=true lets one request say it came through a TLS-terminating proxy
(X-Forwarded-Proto: https) to check what Django sends over HTTPS (HSTS).

The page cache is the real Redis at REDIS_URL (db 15, which no other test uses; only that db is
cleared, before and after, under a lock so that two runs at once do not clear each other's).
Without Redis the Redis tests are skipped locally and fail in CI (CI=true), where Redis is a
service.
"""

import contextlib
import dataclasses
import http.cookies
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from psycopg import sql

from tests.photos import encoded, two_halves

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/15"
REDIS_LOCK = "lab-records:smoke-test-lock"
PERSON = "hao-wang"
MEMBER = ("smoke-member", "smoke correct horse battery")
PHOTO = f"people/{secrets.token_hex(16)}.jpg"
STARTUP_SECONDS = 30
STOP_SECONDS = 10
HTTP_SECONDS = 10
# Only what a process needs to run; every setting comes from the site's environment below.
KEPT_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")


def without_credentials(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.hostname}:{parts.port}{parts.path}"


# Redis


@pytest.fixture(scope="module")
def redis_db() -> Iterator[redis.Redis | None]:
    """Redis db 15, cleared, held for this module; None (Redis tests skipped) when Redis does
    not answer outside CI."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and Redis does not answer at {REDIS_URL}: {error}")
        yield None
        return
    # Another run of this module at the same time (a second checkout, the other database)
    # would share db 15: wait for it rather than clear its keys.
    with client.lock(REDIS_LOCK, timeout=600, blocking_timeout=300):
        clear_except_lock(client)
        try:
            yield client
        finally:
            clear_except_lock(client)


def clear_except_lock(client: redis.Redis) -> None:
    """Clear db 15 (a FLUSHDB would drop the lock too)."""
    for key in client.scan_iter(count=500):
        if key != REDIS_LOCK.encode():
            client.delete(key)


def need_redis(redis_db):
    if redis_db is None:
        pytest.skip(
            f"Redis does not answer at {REDIS_URL}: the shared page cache is not tested "
            "(CI=true makes this a failure)"
        )


# The database


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A fresh SQLite file, or a new database on the PostgreSQL of DATABASE_URL."""
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path_factory.mktemp('smoke-db') / 'smoke.sqlite3'}"
        return
    name = f"lab_smoke_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urllib.parse.urlsplit(server)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def run_sql(database_url: str, statement: str, params: tuple) -> None:
    """Write to the site's database behind Django's back: no signal, no cache invalidation."""
    if database_url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            db.execute(statement.replace("%s", "?"), params)
            db.commit()
    else:
        with psycopg.connect(database_url, autocommit=True) as db:
            db.execute(statement, params)


# The site


@dataclasses.dataclass
class Site:
    environment: dict[str, str]
    database_url: str
    media_root: Path
    photo: bytes
    logs: Path


def manage(environment: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


SEED_SCRIPT = f"""
from django.contrib.auth.models import Group, User
from people.models import Person

person = Person.objects.get(slug={PERSON!r})
member = User.objects.create_user({MEMBER[0]!r}, password={MEMBER[1]!r})
member.groups.add(Group.objects.get(name="Members"))
person.photo = {PHOTO!r}
person.bio = "The bio before any edit."
person.user = member
person.save()
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, database_url, redis_db) -> Site:
    """The production site's environment, database, static and media files, ready to serve."""
    base = tmp_path_factory.mktemp("smoke-site")
    media_root = base / "media"
    (media_root / "people").mkdir(parents=True)
    photo = encoded(two_halves((120, 120)), "JPEG")
    (media_root / PHOTO).write_bytes(photo)
    (base / "outside.jpg").write_bytes(b"outside MEDIA_ROOT")
    environment = {name: os.environ[name] for name in KEPT_ENVIRONMENT if name in os.environ}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "lab.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",  # no TLS locally (module docstring)
        "SECURE_PROXY_SSL_HEADER": "true",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        "STATIC_ROOT": str(base / "static"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    if redis_db is not None:
        environment["REDIS_URL"] = REDIS_URL
    manage(environment, "migrate", "--noinput", "-v", "0")
    manage(environment, "loaddata", "lab", "-v", "0")
    manage(environment, "collectstatic", "--noinput", "-v", "0")
    manage(environment, "shell", "-v", "0", "-c", SEED_SCRIPT)
    logs = base / "logs"
    logs.mkdir()
    return Site(environment, database_url, media_root, photo, logs)


# gunicorn


@dataclasses.dataclass
class Server:
    url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(site: Site, name: str, workers: int = 2) -> Iterator[Server]:
    """gunicorn serving the site on a free port; stopped (its whole process group, if need be)
    when the block ends, however it ends."""
    port = free_port()
    log = site.logs / f"gunicorn-{name}.log"
    command = [
        sys.executable, "-m", "gunicorn", "lab.wsgi",
        "--config", str(ROOT / "gunicorn.conf.py"),  # production's: threaded workers
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--graceful-timeout", "5",
        "--no-control-socket",  # its default path is shared by every gunicorn of the user
        "--access-logfile", "-",
        "--error-logfile", "-",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=site.environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", log)
    try:
        wait_until_serving(process, server)
        yield server
    finally:
        stop(process)


def wait_until_serving(process: subprocess.Popen, server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{server.log_text()}")
        try:
            fetch(f"{server.url}/admin/login/", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within {STARTUP_SECONDS} s:\n{server.log_text()}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL to the group after STOP_SECONDS."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_SECONDS)
    # The group holds only what this test started: the master and its workers.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=STOP_SECONDS)


@pytest.fixture(scope="module")
def server(site) -> Iterator[Server]:
    with gunicorn(site, "smoke") as running:
        yield running


# HTTP


@dataclasses.dataclass
class Response:
    status: int
    headers: dict[str, str]
    cookies: http.cookies.SimpleCookie
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


_OPENER = urllib.request.build_opener(_NoRedirects)


def fetch(url, *, headers=None, data=None, cookies=None, timeout=HTTP_SECONDS) -> Response:
    """One request; ``cookies`` are sent by hand (the site's cookies are Secure, and a cookie
    jar would keep them from plain HTTP)."""
    headers = dict(headers or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in cookies.items())
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 - http only
    try:
        answer = _OPENER.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        answer = error
    with answer:
        jar = http.cookies.SimpleCookie()
        for header in answer.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return Response(answer.status, dict(answer.headers.items()), jar, answer.read())


def assert_security_headers(response: Response, *, framed: bool = True) -> None:
    """What Django's middleware really sends over plain HTTP in production mode."""
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    if framed:
        assert response.headers["X-Frame-Options"] == "DENY"
    # HSTS is sent only on HTTPS requests (SecurityMiddleware checks request.is_secure()).
    assert "Strict-Transport-Security" not in response.headers


# The smoke tests


def test_smoke_home_page(server):
    response = fetch(f"{server.url}/")

    assert response.status == 200, server.log_text()
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>" in response.text and "Hao Wang" in response.text
    assert_security_headers(response)


def test_smoke_profile_with_its_photo(server, site):
    page = fetch(f"{server.url}/people/{PERSON}/")
    photo_url = re.search(r'<img class="avatar avatar-large" src="([^"]+)"', page.text)
    photo = fetch(f"{server.url}{photo_url[1]}")

    assert page.status == 200
    assert_security_headers(page)
    assert photo_url[1] == f"/media/{PHOTO}"
    assert photo.status == 200
    assert photo.headers["Content-Type"] == "image/jpeg"
    assert photo.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert photo.body == site.photo
    assert_security_headers(photo)


def test_smoke_stylesheet_is_the_hashed_collected_file(server):
    home = fetch(f"{server.url}/")
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', home.text)[1]

    plain = fetch(f"{server.url}{href}")
    gzipped = fetch(f"{server.url}{href}", headers={"Accept-Encoding": "gzip"})

    assert re.fullmatch(r"/static/lab/site\.[0-9a-f]{12}\.css", href)
    assert plain.status == 200
    assert plain.headers["Content-Type"].startswith("text/css")
    assert plain.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert b"{" in plain.body
    assert (gzipped.status, gzipped.headers["Content-Encoding"]) == (200, "gzip")
    # WhiteNoise answers before XFrameOptionsMiddleware runs: no X-Frame-Options on static
    # files (a stylesheet is never framed); SecurityMiddleware, outside it, still adds its own.
    assert_security_headers(plain, framed=False)
    assert "X-Frame-Options" not in plain.headers


def test_smoke_download(server):
    response = fetch(f"{server.url}/publications/download.csv")

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    assert len(response.text.splitlines()) > 10
    assert_security_headers(response)


def test_smoke_admin_login_page(server):
    response = fetch(f"{server.url}/admin/login/")

    assert response.status == 200
    assert 'name="csrfmiddlewaretoken"' in response.text
    assert response.cookies["csrftoken"]["secure"] is True
    assert_security_headers(response)


def test_smoke_hsts_is_sent_over_https(server):
    """Behind a TLS-terminating proxy (X-Forwarded-Proto: https) the request is secure."""
    response = fetch(f"{server.url}/", headers={"X-Forwarded-Proto": "https"})

    assert response.status == 200
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


def test_smoke_runs_productions_threaded_workers(server):
    """gunicorn.conf.py is what serves: threaded workers, so a long download is not killed by
    the worker timeout (docs/benchmarks.md, "Load test")."""
    assert "Using worker: gthread" in server.log.read_text(errors="replace")


def test_smoke_debug_is_off(server):
    response = fetch(f"{server.url}/no-such-page/")

    assert response.status == 404
    assert "URLconf" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize(
    "path", ["/media/../outside.jpg", "/media/%2e%2e/outside.jpg", "/media/..%2Foutside.jpg"]
)
def test_smoke_media_paths_out_of_media_root_are_404(server, site, path):
    assert (site.media_root.parent / "outside.jpg").is_file()

    assert fetch(f"{server.url}{path}").status == 404


def test_smoke_page_cache_is_in_redis(server, redis_db):
    need_redis(redis_db)

    fetch(f"{server.url}/venues/")

    keys = {key.decode() for key in redis_db.scan_iter(count=500)}
    assert ":1:lab:pages:generation" in keys
    # The key ends with the path (and the query string, however lab.core.cache writes it).
    assert any(re.fullmatch(r":1:lab:page:\d+:/venues/\??", key) for key in keys), keys


class Visitor:
    """A browser of one server: cookies kept by hand."""

    def __init__(self, server: Server):
        self.server = server
        self.cookies: dict[str, str] = {}

    def get(self, path: str) -> Response:
        return self._remember(fetch(f"{self.server.url}{path}", cookies=self.cookies))

    def post(self, path: str, data: dict[str, str]) -> Response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(path).text)[1]
        form = {**data, "csrfmiddlewaretoken": token}
        return self._remember(fetch(f"{self.server.url}{path}", data=form, cookies=self.cookies))

    def _remember(self, response: Response) -> Response:
        self.cookies |= {name: morsel.value for name, morsel in response.cookies.items()}
        return response


def test_two_app_servers_share_the_page_cache_and_its_invalidation(site, redis_db):
    """A write through one app server shows at once on a page another one had cached."""
    need_redis(redis_db)
    with gunicorn(site, "a", workers=1) as a, gunicorn(site, "b", workers=1) as b:
        page = f"/people/{PERSON}/"
        assert "The bio before any edit." in fetch(f"{a.url}{page}").text
        # Changed behind Django's back (no signal): both servers still answer from the cache
        # A filled, B without ever having rendered the page, so the cache is shared and in use.
        run_sql(site.database_url, "UPDATE people_person SET bio = %s WHERE slug = %s",
                ("Changed behind the cache.", PERSON))  # fmt: skip
        assert "The bio before any edit." in fetch(f"{a.url}{page}").text
        assert "The bio before any edit." in fetch(f"{b.url}{page}").text

        member = Visitor(b)
        login = member.post("/accounts/login/", {"username": MEMBER[0], "password": MEMBER[1]})
        assert (login.status, login.headers["Location"]) == (302, "/"), b.log_text()
        edit = member.post(f"{page}edit/", {"bio": "Written through server B."})
        assert (edit.status, edit.headers.get("Location")) == (302, page), b.log_text()

        after = fetch(f"{a.url}{page}").text
        assert "Written through server B." in after
        assert "Changed behind the cache." not in after
