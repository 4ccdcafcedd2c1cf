"""The load test (``manage.py load_test``, devtools/loadtest) for 30 seconds, as CI runs it.

The command serves the site with gunicorn (DEBUG=false) over real HTTP on 127.0.0.1 and needs
PostgreSQL and Redis, as production does, so this runs in the suite's PostgreSQL run only
(``postgres_only``; CI requires that run) and, like the other tests that start gunicorn, is a
``smoke`` test. It runs in another process on a database of its own: a copy of the migrated
template (tests/scratch.py) with a generated lab of 300 people and 2,000 papers, which builds in
seconds. The page cache is Redis db 14, held under a lock so that two runs at once (another
checkout) do not share it; without Redis the test is skipped, except in CI (CI=true).

The whole test takes about a minute: the lab, collectstatic, gunicorn's start, the log-ins, 5 s
of warm-up and 30 s measured.
"""

import os
import re

import pytest
import redis

from tests.scratch import database_copy, manage, migrated_template

pytestmark = [pytest.mark.smoke, pytest.mark.postgres_only]

REDIS_URL = "redis://127.0.0.1:6379/14"
REDIS_LOCK = "lab-records:load-test-lock"
LAB = ("--people", "300", "--papers", "2000")
RUN = ("--duration", "30", "--warmup", "5", "--workers", "2", "--concurrency", "4")
VISITOR_PAGES = [
    "home",
    "people list",
    "publications, page 1",
    "publications, filtered",
    "publications, deep page",
    "profile",
    "paper",
]
ROW = re.compile(
    r"^(?P<user>visitor|member|admin|health check|scraper)\s+(?P<kind>\S.*?)\s+"
    r"(?P<requests>\d+)\s+(?P<rate>\d+\.\d)\s+(?P<p50>\d+\.\d)\s+(?P<p95>\d+\.\d)\s+"
    r"(?P<p99>\d+\.\d)\s+(?P<max>\d+\.\d)\s+(?P<errors>\d+)$",
    re.MULTILINE,
)
TARGETS = [
    "errors (5xx, connection, unexpected answers)",
    "lost or half-written records",
    "worker memory growth",
    "visitor pages p99 / trivial view p99",
    "download limit holds (scraper, one address)",
]


@pytest.fixture
def unblocked(django_db_blocker):
    """Database access for the scratch database (this test uses no test database)."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def redis_db():
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and Redis does not answer at {REDIS_URL}: {error}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}: the load test needs it")
    with client.lock(REDIS_LOCK, timeout=600, blocking_timeout=300):
        yield client


def count(database, sql: str) -> int:
    wrapper = database.wrapper()
    try:
        with wrapper.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]
    finally:
        wrapper.close()


def test_load_test_runs_for_30_seconds_and_meets_every_target(tmp_path, unblocked, redis_db):
    with database_copy(migrated_template(), tmp_path) as database:
        generated = manage("generate_lab", *LAB, database=database)
        assert generated.returncode == 0, generated.stdout + generated.stderr

        result = manage("load_test", *RUN, database=database, timeout=150, REDIS_URL=REDIS_URL)

        output = result.stdout
        load_dois = count(
            database, "SELECT count(*) FROM publications_paper WHERE doi LIKE '10.5555/load.%'"
        )
        edited = count(
            database, "SELECT count(*) FROM publications_paper WHERE title LIKE '%(load test %'"
        )
        leftover_logins = count(
            database, "SELECT count(*) FROM auth_user WHERE username LIKE 'load-%'"
        )

    assert result.returncode == 0, output + result.stderr
    assert "Load test: 30 s measured, gunicorn" in output
    assert "2 gthread workers of 2 threads (gunicorn.conf.py) on 127.0.0.1, DEBUG=false" in output
    assert "data:     300 people, 2000 papers, 12000 authorships" in output
    assert "users:    3 visitors and 1 member at once" in output
    rows = {(row["user"], row["kind"]): row for row in ROW.finditer(output)}
    trivial = rows[("health check", "trivial view (/healthz/)")]
    assert int(trivial["requests"]) >= 10  # every 0.05 s, each after its answer
    for page in VISITOR_PAGES:
        assert int(rows[("visitor", page)]["requests"]) > 0, page
        assert float(rows[("visitor", page)]["p99"]) > 0, page
    assert int(rows[("admin", "admin: save")]["requests"]) > 0
    assert all(row["errors"] == "0" for row in rows.values())
    assert re.search(r"^requests: \d+\.\d per second in all", output, re.MULTILINE)
    assert re.search(r"^worker memory at the start: \d+ MB in all", output, re.MULTILINE)
    assert re.search(r"^worker memory at the end:   \d+ MB in all", output, re.MULTILINE)
    for target in TARGETS:
        assert re.search(rf"^{re.escape(target)} .* PASS$", output, re.MULTILINE), target
    assert "targets missed: 0" in output
    # What the command says it wrote is what the database holds.
    saved = int(re.search(r"^admin edits: (\d+) edits saved", output, re.MULTILINE)[1])
    imports = re.search(r"^imports: (\d+) BibTeX files imported, (\d+) papers", output, re.M)
    files, papers = int(imports[1]), int(imports[2])
    assert saved > 0 and edited == saved
    assert files > 0 and load_dois == papers == 100 * files
    assert leftover_logins == 0
