"""Drive the users against the running server: log in, warm up, measure, stop.

1. The logins: members through the site's log-in form, the lab admin through the admin's.
2. Warm-up: every page kind asked for by as many visitors at once as there are workers (so
   each worker has served each kind, downloads included, before its memory is read), then every
   user for ``warmup`` seconds. Warm-up answers count for errors, not for the latencies.
3. The measured phase, ``duration`` seconds: the workers' memory is read at its start and at
   its end, both while the users are running.
4. Every user stops at the end (after the request it is waiting for, at most the client's
   timeout); the run is also bounded by ``max_requests`` in all.
"""

from __future__ import annotations

import os
import random
import resource
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

from devtools.loadtest import users
from devtools.loadtest.client import REQUEST_TIMEOUT, Client
from devtools.loadtest.plan import PAGE_KINDS, Edit, ImportFile, Lab, burst_paths
from devtools.loadtest.server import Gunicorn
from devtools.loadtest.users import Result, Run, User

#: The workers' memory is read this many times in the measured phase (and at its end).
MEMORY_SAMPLES = 10


@dataclass(frozen=True)
class Login:
    username: str
    password: str


@dataclass
class Outcome:
    results: list[Result] = field(default_factory=list)
    memory_start: dict[int, int] = field(default_factory=dict)
    memory_end: dict[int, int] = field(default_factory=dict)
    memory_samples: list[int] = field(default_factory=list)  # all workers', every tenth
    measured_seconds: float = 0.0
    load_start: tuple[float, ...] = ()
    load_end: tuple[float, ...] = ()
    burst_seconds: float = 0.0  # the log-ins and the burst of every kind on every worker
    worker_cpu: float = 0.0  # CPU seconds of the workers in the measured phase
    client_cpu: float = 0.0  # CPU seconds of this process (every user) in the measured phase
    log_problems: list[str] = field(default_factory=list)  # gunicorn's log (server.py)
    replaced_workers: list[int] = field(default_factory=list)  # pids gone by the end


@dataclass
class Crowd:
    """Who takes part: ``members`` and ``admin`` are their logins."""

    visitors: int
    members: list[Login]
    admin: Login
    scraper_path: str
    scraper_requests: int


def drive(
    server: Gunicorn,
    *,
    lab: Lab,
    crowd: Crowd,
    edits: list[Edit],
    files: list[ImportFile],
    warmup: float,
    duration: float,
    max_requests: int,
    seed: int,
) -> Outcome:
    outcome = Outcome()
    run = Run(port=server.port, end=float("inf"), max_requests=max_requests, seed=seed)
    started = time.monotonic()
    gate = User(run, "log-in")
    member_clients = [_logged_in(gate, run, "/accounts/login/", login) for login in crowd.members]
    admin_client = _logged_in(gate, run, "/admin/login/?next=/admin/", crowd.admin)
    _burst(run, lab, workers=server.workers, results=outcome.results)
    _admin_burst(run, admin_client, edits, files, workers=server.workers, results=outcome.results)
    outcome.burst_seconds = time.monotonic() - started

    run.end = time.monotonic() + warmup + duration
    threads: list[tuple[threading.Thread, User]] = []

    def start(role: str, target, *args) -> None:
        user = User(run, role)
        thread = threading.Thread(
            target=_guarded, args=(target, user, *args), name=role, daemon=True
        )
        threads.append((thread, user))
        thread.start()

    start("health check", users.health_check)
    for _number in range(crowd.visitors):
        start("visitor", users.visitor, lab)
    for client in member_clients:
        start("member", users.member, lab, client)
    # Two tabs of one lab admin: the same session, each tab with its own copy of the cookies.
    start("admin", users.editor, _tab(admin_client), edits)
    start("admin", users.importer, _tab(admin_client), files)
    start("scraper", users.scraper, crowd.scraper_path, crowd.scraper_requests, warmup + duration)

    _sleep_until(run.end - duration)
    run.phase = "measured"
    measured_from = time.monotonic()
    outcome.memory_start = server.worker_memory()
    outcome.load_start = _load()
    cpu_start, client_start = server.worker_cpu(), _own_cpu()
    for tenth in range(1, MEMORY_SAMPLES):
        _sleep_until(measured_from + duration * tenth / MEMORY_SAMPLES)
        outcome.memory_samples.append(sum(server.worker_memory().values()))
    _sleep_until(run.end)
    outcome.memory_end = server.worker_memory()
    outcome.memory_samples = [
        sum(outcome.memory_start.values()),
        *outcome.memory_samples,
        sum(outcome.memory_end.values()),
    ]
    outcome.load_end = _load()
    cpu_end = server.worker_cpu()
    outcome.worker_cpu = sum(cpu_end.get(pid, 0) - used for pid, used in cpu_start.items())
    outcome.client_cpu = _own_cpu() - client_start
    outcome.measured_seconds = time.monotonic() - measured_from
    run.stopped.set()
    for thread, _user in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 5)
    outcome.log_problems = server.log_problems()
    outcome.replaced_workers = sorted(set(outcome.memory_start) - set(server.worker_pids()))
    outcome.results += gate.results
    for _thread, user in threads:
        outcome.results += user.results
    return outcome


def _guarded(target, user: User, *args) -> None:
    """Run one user; a crash of its thread is an error of the run, not a silent gap."""
    try:
        target(user, *args)
    except Exception as error:  # reported as a problem of the run
        user.results.append(
            Result(
                role=user.role,
                kind="the user's thread",
                phase=user.run.phase,
                started=time.time(),
                elapsed=0.0,
                status=0,
                problem=f"crashed: {type(error).__name__}: {error}",
            )
        )


def _logged_in(gate: User, run: Run, path: str, login: Login) -> Client:
    client = Client(run.port, run.new_address())
    if not users.log_in(gate, client, path, login.username, login.password):
        raise RuntimeError(f"{login.username} could not log in at {path}")
    return client


def _tab(client: Client) -> Client:
    return Client(client.port, client.address, dict(client.cookies))


def _at_once(run: Run, role: str, tasks: list, results: list[Result]) -> None:
    """Run each task (a function of a User) in a thread of its own, all at once: as many
    requests at the same time as there are workers land on every worker, one each (a sync
    worker busy with one request accepts no other)."""
    bursters = [User(run, role) for _task in tasks]
    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        list(pool.map(lambda task, user: task(user), tasks, bursters))
    for user in bursters:
        results += user.results


def _visit(user: User, kind, path: str) -> None:
    response = Client(user.run.port, user.run.new_address()).get(path)
    user.record(kind.name, response, users.page_problem(kind, response, member=False))


def _burst(run: Run, lab: Lab, *, workers: int, results: list[Result]) -> None:
    """Each page kind, and each whole-list download, by ``workers`` visitors at once."""
    rng = random.Random(f"{run.seed}-burst")  # noqa: S311 - traffic, not secrets
    for kind in PAGE_KINDS:
        paths = burst_paths(kind, lab, rng, workers)
        for group in range(0, len(paths), workers):
            tasks = [partial(_visit, kind=kind, path=path) for path in paths[group:][:workers]]
            _at_once(run, "visitor", tasks, results)


def _admin_get(user: User, admin: Client, kind: str, path: str) -> None:
    response = _tab(admin).get(path)
    user.record(kind, response, users.answer_problem(response))


def _admin_preview(user: User, admin: Client, upload: ImportFile) -> None:
    answer = users.preview_import(user, _tab(admin), upload)
    if answer is not None:
        user.record("admin: import preview", answer, users.answer_problem(answer))


def _admin_burst(run, admin: Client, edits, files, *, workers: int, results) -> None:
    """The lab admin's pages on every worker: change forms, the change list, import previews
    (nothing is saved or imported)."""
    change_forms = [
        partial(_admin_get, admin=admin, kind="admin: change form", path=edit.form_path)
        for edit in edits[-workers:]  # the last to be edited: the run rarely gets that far
    ]
    change_list = partial(
        _admin_get, admin=admin, kind="admin: change list", path=users.ADMIN_CHANGELIST
    )
    _at_once(run, "admin", change_forms, results)
    _at_once(run, "admin", [change_list] * workers, results)
    if files:
        preview = partial(_admin_preview, admin=admin, upload=files[0])
        _at_once(run, "admin", [preview] * workers, results)


def _sleep_until(moment: float) -> None:
    while (left := moment - time.monotonic()) > 0:
        time.sleep(min(left, 1.0))


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> tuple[float, ...]:
    """The machine's load averages (1, 5, 15 minutes): how busy it was besides the test."""
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return ()
