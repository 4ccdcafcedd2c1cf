"""Browser tests: Playwright drives the system's headless Chromium against pytest-django's
``live_server``. ``playwright install`` cannot download here, so the browser is the one
``tools/browsers.py`` finds (and the test run installs when missing).

Every test that uses ``page`` (or watches a context of its own with ``browser_problems``) fails
when anything went wrong in the browser meanwhile: a Content-Security-Policy violation, an
error in the console, an uncaught JavaScript error, or a script, stylesheet, image or fetch
answered with an error (``BrowserProblems``; checked after the test's own assertions)."""

import contextlib
import json
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, connections, transaction
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from lab.groups import LAB_ADMINS, MEMBERS
from people.models import Person
from tests.factories import UserFactory
from tools.browsers import BrowserError, find_chromium

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # the tests may run as root (CI containers), where the sandbox cannot start
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000  # a page of the live server that takes longer is a failure, not a wait
PASSWORD = "correct horse battery"  # UserFactory's

# The axe-core rules behind the checks: one h1, landmarks, labelled fields, alt text,
# named controls, contrast, a title and a language.
AXE_RULES = [
    "page-has-heading-one",
    "landmark-one-main",
    "region",
    "label",
    "image-alt",
    "color-contrast",
    "button-name",
    "link-name",
    "document-title",
    "html-has-lang",
]


class SeedData:
    """The seed fixture (fixtures/lab.json), fast to load again.

    ``loaddata`` takes seconds (it looks up every natural key), and the live server's database
    is emptied after each test. So the first load reads the rows back, and later loads insert
    those rows in one bulk insert per table, with the same primary keys.
    """

    FIXTURE = "lab"

    def __init__(self):
        self.rows: dict = {}

    def models(self) -> list:
        [path] = [Path(d) / f"{self.FIXTURE}.json" for d in settings.FIXTURE_DIRS]
        labels = dict.fromkeys(record["model"] for record in json.loads(path.read_text()))
        models = [apps.get_model(label) for label in labels]
        # The rows of many-to-many fields (advisors, affiliations) live in tables of their own.
        return models + [
            field.remote_field.through
            for model in models
            for field in model._meta.local_many_to_many
            if field.remote_field.through._meta.auto_created
        ]

    def load(self) -> None:
        if not self.rows:
            call_command("loaddata", self.FIXTURE, verbosity=0)
            self.rows = {model: list(model._base_manager.all()) for model in self.models()}
            return
        # Foreign keys are checked at commit, so the order of the tables does not matter.
        with transaction.atomic():
            for model, rows in self.rows.items():
                model._base_manager.bulk_create(rows)
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), list(self.rows)):
                    cursor.execute(sql)


seed = SeedData()

# Every page reports its Content-Security-Policy violations to its console, saying what was
# refused, by which directive and where: the browser's own message does not for every kind.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    `Content-Security-Policy violation: ${event.effectiveDirective} refused `
    + `${event.blockedURI || "inline code"} on ${event.documentURI} `
    + `(${event.sourceFile || "the page"}, line ${event.lineNumber}) ${event.sample}`
  );
});
"""


class BrowserProblems:
    """What went wrong in the pages of the browser contexts it watches: Content-Security-Policy
    violations, console errors, uncaught JavaScript errors, and scripts, stylesheets, images and
    fetches answered with an error. A page a test opens may itself answer an error (a lockout
    is a 429, a missing record a 404): that is the test's to check, so documents are not
    counted, nor the console's "Failed to load resource" that the browser logs for them."""

    def __init__(self):
        self.found: list[str] = []
        self.contexts: list = []

    def watch(self, context) -> None:
        """Watch every page of ``context``, popups included; call before opening any."""
        context.add_init_script(CSP_REPORTER)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.found.append(f"uncaught error: {error.error}"))
        context.on("response", self._response)
        self.contexts.append(context)

    def _console(self, message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            where = message.page.url if message.page else message.location.get("url")
            self.found.append(f"console error on {where}: {message.text}")

    def _response(self, response) -> None:
        kind = response.request.resource_type
        if response.status >= 400 and kind != "document":
            self.found.append(f"{response.status} for the {kind} {response.url}")

    def take(self) -> list[str]:
        """What was found so far, once every open page's events have arrived; forgotten."""
        for context in self.contexts:
            for tab in context.pages:
                with contextlib.suppress(PlaywrightError):  # closed, or navigating away
                    tab.evaluate("() => new Promise((done) => setTimeout(done, 50))")
        found, self.found = list(dict.fromkeys(self.found)), []
        return found


PROBLEMS = pytest.StashKey[BrowserProblems]()


@pytest.fixture
def browser_problems(request) -> BrowserProblems:
    """The watch of this test's browser contexts; the test fails if it found anything."""
    problems = BrowserProblems()
    request.node.stash[PROBLEMS] = problems
    return problems


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a browser test's own assertions: nothing may have gone wrong in its pages."""
    result = yield
    problems = item.stash.get(PROBLEMS, None)
    if problems is not None:
        found = problems.take()
        if found:
            pytest.fail("Problems in the browser:\n" + "\n".join(found), pytrace=False)
    return result


@pytest.fixture(scope="session")
def chromium_path() -> str:
    try:
        executable = find_chromium()
    except BrowserError as error:
        pytest.fail(str(error))
    if executable is None:
        pytest.fail(
            "Chromium is not installed: run `python tools/browsers.py` (as root on Debian it "
            "installs it) or set LAB_CHROMIUM to a Chromium or Chrome executable"
        )
    return str(executable)


@pytest.fixture
def lab_data(transactional_db, django_db_serialized_rollback):
    """The seed data, and an empty page cache so that no page rendered for an earlier test is
    served. The live server's tests commit, so the database is emptied after each one; the
    serialized rollback restores what the migrations created (the groups, their permissions)."""
    cache.clear()
    seed.load()
    yield
    cache.clear()


@pytest.fixture
def browser(request, chromium_path, monkeypatch):
    """Chromium, started for one test, after the test's database is set up.

    Playwright's sync API marks an asyncio event loop as running on this thread between its
    calls. Django then (1) refuses ORM calls ("SynchronousOnlyOperation"): the test code is
    synchronous and shares no connection with a coroutine, so that check is switched off for
    the test; and (2) hands out other database connections than the ones pytest-django set up
    (it keeps them per event loop context). So the database is set up before Playwright starts,
    the extra connections are closed before it stops, and Playwright runs per test, not per
    session (pytest-django sets up each test's database while a session-wide one would run).
    """
    if "live_server" in request.fixturenames:
        request.getfixturevalue("lab_data")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        connections.close_all()  # those opened while the loop was marked running
        playwright.stop()


@pytest.fixture
def page(live_server, lab_data, browser, browser_problems):
    """A fresh browser tab (own cookies) at desktop width, on the live server, watched."""
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORTS["desktop"], accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    browser_problems.watch(context)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def browser_member(lab_data):
    """A member linked to the seed's Hao Wang (set up before the browser starts)."""
    user = UserFactory(username="hwang", groups=[Group.objects.get(name=MEMBERS)])
    person = Person.objects.get(slug="hao-wang")
    person.user = user
    person.save(update_fields=["user"])
    return user


@pytest.fixture
def browser_lab_admin(lab_data):
    return UserFactory(
        username="curator", is_staff=True, groups=[Group.objects.get(name=LAB_ADMINS)]
    )


def log_in(page, username: str, path: str = "/accounts/login/") -> None:
    """Log in through the login form at ``path`` (the site's or the admin's)."""
    page.goto(path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.wait_for_load_state()


def h1(page) -> str:
    """The text of the page's only h1 (fails when there are none or several)."""
    return " ".join(page.locator("h1").inner_text().split())


def screenshot(page, name: str) -> list[Path]:
    """Full-page screenshots of the current page at desktop and phone widths, in
    test-artifacts/screenshots/<name>-<desktop|phone>.png; the tab is left at desktop width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{name}-{kind}.png"
        page.screenshot(path=path, full_page=True)
        paths.append(path)
    page.set_viewport_size(VIEWPORTS["desktop"])
    return paths


def axe_violations(page, rules: list[str] = AXE_RULES) -> list[str]:
    """axe-core's violations of ``rules`` on the current page, one readable line per element.
    axe-core is the copy bundled with axe-playwright-python; no network is needed."""
    if not page.evaluate("() => 'axe' in window"):
        page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "rule", "values": rules}, "resultTypes": ["violations"]}
    results = page.evaluate("options => axe.run(document, options)", options)
    return [
        f"{violation['id']}: {' '.join(node['target'])}: {' '.join(node['failureSummary'].split())}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]
