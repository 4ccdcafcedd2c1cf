"""The simulated users: each a thread with its own client, all at the same time.

- **visitors** (not logged in): pages and downloads drawn from ``plan.PAGE_KINDS``, one visit
  of 5 to 15 requests after another, each visit from a new client address (a new visitor);
- **members** (logged in through the site's log-in form): the same mix, never from the page
  cache;
- **the lab admin** (logged in through the admin's log-in form), in two browser tabs: one edits
  papers through the admin change form (real POSTs with the CSRF token, a pause between
  saves), the other imports BibTeX files through the paper admin (preview, then confirm);
- **the health check**: the trivial view ``/healthz/`` every PROBE_INTERVAL seconds, as a load
  balancer asks it: the baseline the pages are compared with, in the same moments;
- **a scraper**: one client address asking for a whole-list download again and again, to
  check that the download limit holds across the workers under load (its 429s are expected).

Every request becomes a ``Result``; ``problem`` says what was wrong with the answer (a 5xx,
a connection error, an unexpected status or content), empty when it was as expected.
Visitors and members send requests back to back (no think time): ``--concurrency`` of them
keep the server busy.
"""

from __future__ import annotations

import ipaddress
import random
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from devtools.loadtest.client import Client, Response, form_with
from devtools.loadtest.plan import Edit, ImportFile, Lab, draw_page

#: Seconds between two health checks.
PROBE_INTERVAL = 0.05
#: Seconds the lab admin waits after a save before opening the next paper, and after an
#: import before the next: a curator at full speed (by hand, opening, editing and saving a
#: form takes longer). Every save and import invalidates the whole page cache.
EDIT_PAUSE = 5.0
IMPORT_PAUSE = 30.0
VISIT_LENGTH = (5, 15)
LOG_OUT_MARK = b">Log out</button>"  # the site frame's log-out button: someone is logged in
ADMIN_CHANGELIST = "/admin/publications/paper/"
IMPORT_PATH = "/admin/publications/paper/import-bibtex/"


@dataclass(frozen=True)
class Result:
    role: str  # visitor, member, admin, health check, scraper
    kind: str  # the page kind or the admin's step
    phase: str  # warm-up or measured
    started: float  # time.time() when the request was sent
    elapsed: float  # seconds until the whole answer was read
    status: int  # 0 for a connection error
    problem: str = ""  # what was wrong with the answer; "" when as expected
    limited: bool = False  # a 429 from the download limit, where one was expected


class Run:
    """What every user thread shares: the phase, the end, the request budget."""

    def __init__(self, *, port: int, end: float, max_requests: int, seed: int):
        self.port = port
        self.end = end  # time.monotonic() at which every user stops
        self.phase = "warm-up"
        self.max_requests = max_requests
        self.stopped = threading.Event()
        self.seed = seed
        self._sent = 0
        self._lock = threading.Lock()
        self._addresses = self._address_pool(seed)

    def going(self) -> bool:
        if self.stopped.is_set() or time.monotonic() >= self.end:
            return False
        with self._lock:
            if self._sent >= self.max_requests:
                return False
            self._sent += 1
        return True

    def wait(self, seconds: float) -> None:
        self.stopped.wait(max(0.0, min(seconds, self.end - time.monotonic())))

    def new_address(self) -> str:
        with self._lock:
            return next(self._addresses)

    @staticmethod
    def _address_pool(seed: int) -> Iterator[str]:
        """Client addresses of a /16 of 10.0.0.0/8 picked by the run's seed and time, so the
        download limit's counts of an earlier run (kept in Redis for its window) never apply."""
        second = random.Random(f"{seed}-{time.time()}").randrange(256)  # noqa: S311
        network = ipaddress.ip_network(f"10.{second}.0.0/16")
        return (str(address) for address in network.hosts())


@dataclass
class User:
    """One simulated user's thread: ``results`` are read after it has ended."""

    run: Run
    role: str
    results: list[Result] = field(default_factory=list)

    def record(self, kind: str, response: Response, problem: str = "", *, limited=False):
        self.results.append(
            Result(
                role=self.role,
                kind=kind,
                phase=self.run.phase,
                started=time.time() - response.elapsed,
                elapsed=response.elapsed,
                status=response.status,
                problem=problem,
                limited=limited,
            )
        )


def answer_problem(response: Response, *, expected: int = 200) -> str:
    if response.error:
        return f"connection: {response.error}"
    if response.status != expected:
        return f"HTTP {response.status} (expected {expected})"
    return ""


def page_problem(kind, response: Response, *, member: bool) -> str:
    """What is wrong with a visitor's or member's answer, or ""."""
    problem = answer_problem(response)
    if problem:
        return problem
    if kind.download:
        if not response.header("Content-Disposition").startswith("attachment;"):
            return "a download without Content-Disposition: attachment"
        return ""
    if not response.header("Content-Type").startswith("text/html"):
        return f"Content-Type {response.header('Content-Type')!r}"
    if member and LOG_OUT_MARK not in response.body:
        return "a member's page without the log-out button (session lost?)"
    if not member and LOG_OUT_MARK in response.body:
        return "a visitor was served a logged-in page"
    return ""


def browse(user: User, lab: Lab, client_for_visit, *, member: bool) -> None:
    """Request pages until the run ends; ``client_for_visit()`` gives the client of each visit
    (a new visitor) or the same logged-in client."""
    rng = random.Random(f"{user.run.seed}-{user.role}-{id(user)}")  # noqa: S311
    while True:
        client = client_for_visit()
        for _request in range(rng.randint(*VISIT_LENGTH)):
            if not user.run.going():
                return
            kind, path = draw_page(lab, rng)
            response = client.get(path)
            user.record(kind.name, response, page_problem(kind, response, member=member))


def visitor(user: User, lab: Lab) -> None:
    browse(user, lab, lambda: Client(user.run.port, user.run.new_address()), member=False)


def member(user: User, lab: Lab, client: Client) -> None:
    browse(user, lab, lambda: client, member=True)


def log_in(user: User, client: Client, path: str, username: str, password: str) -> bool:
    """Log in through the form at ``path`` (GET for the CSRF token, then POST); True when the
    answer is the redirect a successful log-in gives."""
    page = client.get(path)
    form = form_with(page.text, "username") if page.status == 200 else None
    if form is None:
        user.record("log-in", page, answer_problem(page) or "no log-in form")
        return False
    form.replace("username", username)
    form.replace("password", password)
    answer = client.post(path, form.fields)
    user.record("log-in", answer, answer_problem(answer, expected=302))
    return answer.status == 302


def health_check(user: User) -> None:
    client = Client(user.run.port, "127.0.0.1")
    while user.run.going():
        response = client.get("/healthz/")
        problem = answer_problem(response) or ("" if response.body == b"ok\n" else "not ok")
        user.record("trivial view (/healthz/)", response, problem)
        user.run.wait(PROBE_INTERVAL)


def scraper(user: User, path: str, requests: int, spread_over: float) -> None:
    """``requests`` downloads of ``path`` from one address, evenly over ``spread_over`` s."""
    client = Client(user.run.port, user.run.new_address())
    interval = spread_over / max(1, requests)
    for _number in range(requests):
        if not user.run.going():
            return
        response = client.get(path)
        if response.status == 429:
            problem = "" if response.header("Retry-After").isdigit() else "429 without Retry-After"
            user.record("download limit", response, problem, limited=True)
        else:
            user.record("download limit", response, answer_problem(response))
        user.run.wait(interval)


# -- The lab admin -----------------------------------------------------------------------------


def _messages(html: str) -> str:
    """The admin's messages and form errors on a page, as plain text."""
    found = re.findall(r'<li class="(?:success|info|warning|error)">(.*?)</li>', html, re.S)
    found += re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    text = " ".join(" ".join(re.sub(r"<[^>]+>", " ", part).split()) for part in found)
    return text[:300]


def editor(user: User, client: Client, edits: list[Edit]) -> None:
    """Edit one paper after another through the change form, EDIT_PAUSE apart."""
    for edit in edits:
        if not user.run.going():
            return
        edit_paper(user, client, edit)
        user.run.wait(EDIT_PAUSE)


def edit_paper(user: User, client: Client, edit: Edit) -> None:
    path = edit.form_path
    page = client.get(path)
    form = form_with(page.text, "title") if page.status == 200 else None
    user.record("admin: change form", page, answer_problem(page) or ("" if form else "no form"))
    if form is None:
        return
    byline = [name.strip() for name in form.value("byline").split(";")]
    byline[0], byline[1] = byline[1], byline[0]
    form.replace("byline", "; ".join(byline))
    form.replace("title", edit.new_title)
    form.replace("note", edit.new_note)
    answer = client.post(path, [*form.fields, ("_save", "Save")])
    problem = answer_problem(answer, expected=302)
    if answer.status == 200:  # the form again, with its errors: nothing was saved
        edit.outcome = "refused"
        problem += f": {_messages(answer.text) or 'the form has errors'}"
    else:
        edit.outcome = "saved" if answer.status == 302 else "unknown"
    user.record("admin: save", answer, problem)
    if edit.outcome != "saved":
        return
    changelist = client.get(answer.header("Location") or ADMIN_CHANGELIST)
    saved = "was changed successfully" in changelist.text
    user.record(
        "admin: change list",
        changelist,
        answer_problem(changelist) or ("" if saved else "no “changed successfully” message"),
    )


def importer(user: User, client: Client, files: list[ImportFile]) -> None:
    """Import one BibTeX file after another through the paper admin, IMPORT_PAUSE apart."""
    for upload in files:
        if not user.run.going():
            return
        import_file(user, client, upload)
        user.run.wait(IMPORT_PAUSE)


def preview_import(user: User, client: Client, upload: ImportFile) -> Response | None:
    """Open the BibTeX import page and post the file's text: the preview (nothing written)."""
    page = client.get(IMPORT_PATH)
    form = form_with(page.text, "bibtex_text") if page.status == 200 else None
    user.record("admin: import page", page, answer_problem(page) or ("" if form else "no form"))
    if form is None:
        return None
    form.replace("bibtex_text", upload.bibtex())
    return client.post(IMPORT_PATH, form.fields)


def import_file(user: User, client: Client, upload: ImportFile) -> None:
    answer = preview_import(user, client, upload)
    if answer is None:
        return
    step = "admin: import preview"
    # A fresh preview instead of an import means the records changed since the preview:
    # confirm again, as the lab admin would (at most twice more).
    for _attempt in range(3):
        confirm = form_with(answer.text, "payload") if answer.status == 200 else None
        user.record(step, answer, answer_problem(answer) or ("" if confirm else "no confirm"))
        if confirm is None:
            return
        upload.outcome = "unknown"  # a confirmation is on its way
        answer = client.post(IMPORT_PATH, confirm.fields)
        if answer.status != 200:
            break
        step = "admin: import preview again"
    user.record("admin: import confirm", answer, answer_problem(answer, expected=302))
    if answer.status != 302:
        return
    upload.outcome = "imported"
    changelist = client.get(answer.header("Location") or ADMIN_CHANGELIST)
    wanted = f"Imported {len(upload.entries)} papers"
    user.record(
        "admin: change list",
        changelist,
        answer_problem(changelist) or ("" if wanted in changelist.text else f"no “{wanted}”"),
    )
