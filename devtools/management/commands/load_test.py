"""A bounded load test of the site as production serves it (``manage.py load_test``).

Run it after ``manage.py generate_lab``, on PostgreSQL and with ``REDIS_URL``, on a database
you can throw away: the lab admin's edits and imports stay in it. It starts gunicorn on a free
port of 127.0.0.1 with the production settings (devtools/loadtest/server.py), sends it the
traffic of visitors, members, a lab admin editing and importing, a health check and a scraper
at the same time (devtools/loadtest/users.py) for ``--warmup`` plus ``--duration`` seconds,
then checks the database and prints the figures and targets (docs/benchmarks.md, "Load test").
Exits non-zero when a target is missed.
"""

import math
import os
import platform
import random
import secrets
import tempfile
import urllib.parse
from pathlib import Path

import django
import gunicorn
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count

from devtools.loadtest import plan, report
from devtools.loadtest.checks import check_edits, check_imports
from devtools.loadtest.drive import Crowd, Login, Outcome, drive
from devtools.loadtest.server import (
    Gunicorn,
    collect_static,
    production_config,
    site_environment,
)
from devtools.loadtest.users import EDIT_PAUSE, IMPORT_PAUSE
from devtools.management.commands.benchmark_pages import _cpu, _database
from lab.groups import LAB_ADMINS, MEMBERS
from people.models import Institution, Person
from publications.models import Authorship, Paper, Venue


class Command(BaseCommand):
    help = (
        "Load-test the site as production serves it: gunicorn (DEBUG=false) on 127.0.0.1 with "
        "visitors, members and a lab admin (editing papers and importing BibTeX) at the same "
        "time, against a trivial view. Needs PostgreSQL, REDIS_URL and a generated lab "
        "(generate_lab); writes to the database. Exits non-zero when a target is missed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--duration", type=float, default=600, help="Measured seconds (default 600)."
        )
        parser.add_argument(
            "--warmup", type=float, default=60, help="Seconds of traffic before (default 60)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=production_config()["workers"],
            help="gunicorn workers (default: production's, gunicorn.conf.py: 2 x CPUs + 1).",
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=8,
            help="Visitors and members at the same time (a quarter of them members; default 8).",
        )
        parser.add_argument(
            "--max-requests",
            type=int,
            default=1_000_000,
            help="Stop after this many requests in all, whatever the time (default 1,000,000).",
        )
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, duration, warmup, workers, concurrency, max_requests, seed, **opts):
        self._check_set_up(duration, warmup, workers, concurrency, max_requests)
        token = secrets.token_hex(3)
        rng = random.Random(seed)  # noqa: S311 - reproducible traffic, not secrets
        lab = plan.read_lab()
        runtime = warmup + duration
        edits = plan.edits(math.ceil(runtime / EDIT_PAUSE) + 10, token=token, rng=rng)
        files = plan.import_files(math.ceil(runtime / IMPORT_PAUSE) + 2, token=token, rng=rng)
        counts_before = self._counts()
        members = max(1, concurrency // 4)
        logins, accounts = self._logins(token, members)
        try:
            crowd = Crowd(
                visitors=concurrency - members,
                members=logins[1:],
                admin=logins[0],
                scraper_path=self._cheap_download(),
                scraper_requests=3 * settings.DOWNLOAD_RATE_LIMIT,
            )
            outcome = self._serve(
                workers, lab, crowd, edits, files, warmup, duration, max_requests, seed
            )
            edit_check = check_edits(edits, admin=accounts[0])
            import_check = check_imports(files)
        finally:
            for account in accounts:
                account.delete()
        failures = self._report(
            outcome, crowd, (edit_check, import_check), counts_before, workers, duration
        )
        if failures:
            raise CommandError(f"{len(failures)} target(s) missed: {', '.join(failures)}.")

    # -- set-up ----------------------------------------------------------------------------------

    def _check_set_up(self, duration, warmup, workers, concurrency, max_requests) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                f"The load test runs on PostgreSQL (the database is {connection.vendor}): set "
                "DATABASE_URL=postgres://... to a database with a generated lab."
            )
        if not settings.REDIS_URL:
            raise CommandError(
                "The load test needs Redis, shared by the workers as in production: set "
                "REDIS_URL, e.g. redis://127.0.0.1:6379/14 (a Redis database of its own)."
            )
        if duration <= 0 or warmup < 0:
            raise CommandError("--duration must be above 0 and --warmup at least 0.")
        if workers < 1 or concurrency < 2 or max_requests < 1:
            raise CommandError(
                "--workers and --max-requests must be at least 1 and --concurrency at least 2 "
                "(a visitor and a member)."
            )
        if not Authorship.objects.exists():
            raise CommandError("The database has no authored papers: run manage.py generate_lab.")

    def _logins(self, token: str, members: int) -> tuple[list[Login], list]:
        """A temporary lab admin and ``members`` member logins (deleted after the run)."""
        model = get_user_model()
        logins, accounts = [], []
        for number in range(members + 1):
            login = Login(
                f"load-{'admin' if number == 0 else 'member'}-{token}-{number}",
                secrets.token_urlsafe(18),
            )
            account = model.objects.create_user(
                login.username, password=login.password, is_staff=number == 0
            )
            account.groups.add(Group.objects.get(name=LAB_ADMINS if number == 0 else MEMBERS))
            logins.append(login)
            accounts.append(account)
        return logins, accounts

    def _cheap_download(self) -> str:
        """The papers download of the person with the fewest papers: the scraper's target."""
        person = (
            Person.objects.annotate(paper_total=Count("authorships"))
            .filter(paper_total__gt=0)
            .order_by("paper_total", "pk")
            .first()
        )
        return f"/people/{person.slug}/papers.bib"

    def _counts(self) -> dict[str, int]:
        return {
            "people": Person.objects.count(),
            "papers": Paper.objects.count(),
            "authorships": Authorship.objects.count(),
            "venues": Venue.objects.count(),
            "institutions": Institution.objects.count(),
        }

    def _serve(self, workers, lab, crowd, edits, files, warmup, duration, max_requests, seed):
        with tempfile.TemporaryDirectory(prefix="lab-load-") as base:
            environment = site_environment(Path(base))
            self.stdout.write("Collecting the static files, starting gunicorn...")
            collect_static(environment)
            with Gunicorn(environment, workers=workers, log=Path(base) / "gunicorn.log") as server:
                outcome = drive(
                    server,
                    lab=lab,
                    crowd=crowd,
                    edits=edits,
                    files=files,
                    warmup=warmup,
                    duration=duration,
                    max_requests=max_requests,
                    seed=seed,
                )
        return outcome

    # -- the report ------------------------------------------------------------------------------

    def _report(self, outcome: Outcome, crowd, checks, counts, workers, duration):
        write = self.stdout.write
        self._report_setup(outcome, crowd, counts, workers, duration)
        write("")
        table = report.rows(outcome.results)
        report.write_table(write, table, outcome.measured_seconds)
        measured = [r for r in outcome.results if r.phase == "measured"]
        write("")
        write(
            f"requests: {len(measured) / outcome.measured_seconds:.1f} per second in all "
            f"({len(measured)} in {outcome.measured_seconds:.0f} s measured, "
            f"{len(outcome.results)} with the warm-up and log-ins; the log-ins and every kind on "
            f"every worker took {outcome.burst_seconds:.0f} s before the warm-up)"
        )
        seconds = outcome.measured_seconds
        write(
            f"CPU in the measured phase: gunicorn workers {outcome.worker_cpu:.0f} s "
            f"({outcome.worker_cpu / seconds:.2f} cores), the load test's own clients "
            f"{outcome.client_cpu:.0f} s ({outcome.client_cpu / seconds:.2f} cores), of "
            f"{os.cpu_count()} cores"
        )
        write(f"worker memory at the start: {report.megabytes(outcome.memory_start)}")
        write(f"worker memory at the end:   {report.megabytes(outcome.memory_end)}")
        samples = " ".join(f"{sample / 2**20:.0f}" for sample in outcome.memory_samples)
        write(f"worker memory, every tenth of the measured phase (MB, all workers): {samples}")
        if outcome.replaced_workers:
            write(f"workers gone during the run (killed or crashed): {outcome.replaced_workers}")
        for check, label in zip(checks, ("admin edits", "imports"), strict=True):
            write(f"{label}: {check.summary}")
        problems = report.problem_lines(outcome.results) + outcome.log_problems
        if problems:
            write("")
            write(f"errors ({len(problems)} distinct):")
            for line in problems[: report.SHOWN_PROBLEMS]:
                write(f"  {line}")
        for check in checks:
            for line in check.problems[: report.SHOWN_PROBLEMS]:
                write(f"  {line}")
        targets = self._targets(outcome, crowd, checks)
        write("")
        write(f"{'target':<44} {'figure':>26} {'target':>12}  result")
        for target in targets:
            write(target.line())
        failures = [target.name for target in targets if not target.passed]
        write(f"targets missed: {len(failures)}")
        return failures

    def _report_setup(self, outcome, crowd, counts, workers, duration) -> None:
        write = self.stdout.write
        config = production_config()
        redis = urllib.parse.urlsplit(settings.REDIS_URL)
        write(
            f"Load test: {duration:.0f} s measured, gunicorn {gunicorn.__version__} with "
            f"{workers} {config['worker_class']} workers of {config['threads']} threads "
            f"(gunicorn.conf.py) on 127.0.0.1, DEBUG=false"
        )
        write(
            f"machine:  {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({_cpu()}),"
            f" Python {platform.python_version()}, Django {django.get_version()}"
        )
        for label, load in (("start", outcome.load_start), ("end", outcome.load_end)):
            if load:
                loads = " / ".join(f"{value:.1f}" for value in load)
                write(f"load:     at the {label} of the measured phase, 1 / 5 / 15 min: {loads}")
        write(f"database: {_database()}; cache: Redis {redis.hostname}:{redis.port}{redis.path}")
        write("data:     " + ", ".join(f"{count} {name}" for name, count in counts.items()))
        write(
            f"users:    {crowd.visitors} visitors and {len(crowd.members)} "
            f"member{'s' if len(crowd.members) != 1 else ''} at once (no "
            f"think time), 1 lab admin (edits {EDIT_PAUSE:g} s apart, a BibTeX import of "
            f"{plan.IMPORT_ENTRIES} papers every {IMPORT_PAUSE:g} s), the health check, 1 scraper"
        )

    def _targets(self, outcome: Outcome, crowd, checks) -> list[report.Target]:
        errors = sum(1 for result in outcome.results if result.problem)
        errors += len(outcome.log_problems) + len(outcome.replaced_workers)
        lost = sum(len(check.problems) for check in checks)
        growth = report.memory_growth(outcome.memory_start, outcome.memory_end)
        pages_p99, trivial_p99, ratio = report.visitor_p99_ratio(outcome.results)
        asked, answered, refused, allowed = self._scraper(outcome)
        return [
            report.Target(
                "errors (5xx, connection, unexpected answers)", str(errors), "0", errors == 0
            ),
            report.Target("lost or half-written records", str(lost), "0", lost == 0),
            report.Target(
                "worker memory growth",
                f"{growth:+.1%}",
                f"<{report.MEMORY_TARGET:.0%}",
                growth < report.MEMORY_TARGET,
            ),
            report.Target(
                "visitor pages p99 / trivial view p99",
                f"{pages_p99 * 1000:.0f} / {trivial_p99 * 1000:.0f} ms = {ratio:.1f}x",
                f"<{report.P99_TARGET:g}x",
                ratio < report.P99_TARGET,
            ),
            report.Target(
                "download limit holds (scraper, one address)",
                f"{answered} answered, {refused} 429",
                f"<={allowed}",
                asked > 0 and min(asked, settings.DOWNLOAD_RATE_LIMIT) <= answered <= allowed,
            ),
        ]

    def _scraper(self, outcome: Outcome) -> tuple[int, int, int, int]:
        """(asked, answered, refused, the most the limit lets through in the windows the
        scraper's requests spanned). The first DOWNLOAD_RATE_LIMIT must be answered: its
        address is new to the limit."""
        asked = [r for r in outcome.results if r.role == "scraper"]
        if not asked:
            return 0, 0, 0, 0
        window = settings.DOWNLOAD_RATE_WINDOW
        first = min(r.started for r in asked)
        last = max(r.started + r.elapsed for r in asked)
        windows = int(last // window) - int(first // window) + 1
        answered = sum(r.status == 200 for r in asked)
        refused = sum(r.limited for r in asked)
        return len(asked), answered, refused, windows * settings.DOWNLOAD_RATE_LIMIT
