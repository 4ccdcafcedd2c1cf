"""Measure the public pages against a trivial view, in-process (``manage.py benchmark_pages``).

Run it after ``manage.py generate_lab``. Every page is requested through Django's test client
and the full middleware stack, by a logged-in member (always rendered afresh) and by a visitor
(served from the page cache after the first request); with ``--cold`` also by a visitor after
the whole cache was cleared (not timed) before every request: the first view after any write,
which empties the page cache, with none of the members' cached fragments either. Each page's
median time is divided by the median time of a view that returns ``HttpResponse("ok")``
through the same middleware in the same run, so the figures compare across machines and
loads. This module is also the URLconf the benchmark runs under: the site's URLs plus the
trivial view.
"""

import gc
import os
import platform
import secrets
import statistics
import time
from dataclasses import dataclass, field

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse

from lab.core.cache import invalidate_pages
from lab.groups import MEMBERS
from people.models import Institution, Person
from publications.models import Authorship, Paper, Venue

TRIVIAL_PATH = "/__benchmark__/trivial/"
# Targets, as multiples of the trivial view's median: a member's (uncached) page, and a page
# served from the cache (throughput at least half the trivial view's: at most twice its time).
MEMBER_TARGET = 15.0
CACHED_TARGET = 2.0
# The columns of both tables, member and visitor.
TABLE_HEADER = f"{'page':<28} {'queries':>7} {'median ms':>10} {'ratio':>8} {'target':>8}  result"


def trivial(request):
    return HttpResponse("ok")


urlpatterns = [
    path(TRIVIAL_PATH.strip("/") + "/", trivial),
    path("", include("lab.urls")),
]


@dataclass
class Page:
    name: str
    url: str
    member_target: float | None = None
    queries: dict[str, int] = field(default_factory=dict)
    times: dict[str, list[float]] = field(
        default_factory=lambda: {"member": [], "visitor": [], "cold": []}
    )
    status: dict[str, int] = field(default_factory=dict)

    def median_ms(self, who: str) -> float:
        return statistics.median(self.times[who]) * 1000


def most_prolific_person() -> Person:
    """The person with the most byline rows (``paper_total``); CommandError when none."""
    prolific = (
        Person.objects.annotate(paper_total=Count("authorships"))
        .order_by("-paper_total", "slug")
        .first()
    )
    if prolific is None or prolific.paper_total == 0:
        raise CommandError("The database has no authored papers: run manage.py generate_lab.")
    return prolific


def _pages() -> tuple[list[Page], dict[str, object]]:
    """The pages to measure, on the heaviest records of the current database."""
    prolific = most_prolific_person()
    paper = (
        Paper.objects.filter(pk__in=Authorship.objects.filter(person=prolific).values("paper"))
        .annotate(author_total=Count("authorships"))
        .order_by("-author_total", "-year", "slug")
        .first()
    )
    venue = Venue.objects.annotate(paper_total=Count("papers")).order_by("-paper_total", "slug")
    venue = venue.first()
    lab = Institution.objects.filter(slug=settings.LAB_INSTITUTION).first()
    people_url = reverse("people:list")
    papers_url = reverse("publications:list")
    pages = [
        Page("home", reverse("home")),
        Page("people list", people_url, MEMBER_TARGET),
        Page("people list, everyone", f"{people_url}?group=all"),
        Page("publications, page 1", papers_url, MEMBER_TARGET),
        Page("publications, filtered", f"{papers_url}?venue={venue.slug}&year_min=2015"),
        Page("person (most papers)", prolific.get_absolute_url(), MEMBER_TARGET),
        Page(f"paper ({paper.author_total} authors)", paper.get_absolute_url(), MEMBER_TARGET),
        Page("venue (most papers)", venue.get_absolute_url()),
    ]
    if lab is not None:
        pages.append(Page("institution (the lab)", lab.get_absolute_url()))
    search_word = prolific.family_name or prolific.name.split()[-1]
    pages.append(Page("search", f"{reverse('search')}?q={search_word}"))
    facts = {
        "prolific": prolific,
        "paper": paper,
        "venue": venue,
    }
    return pages, facts


def _database() -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        name = os.path.basename(str(connection.settings_dict["NAME"]))
        return f"SQLite {sqlite3.sqlite_version} ({name})"
    if connection.vendor == "postgresql":
        version, name = connection.pg_version, connection.settings_dict["NAME"]
        return f"PostgreSQL {version // 10000}.{version % 10000} ({name})"
    return connection.vendor


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _timed_get(client: Client, url: str) -> tuple[float, int]:
    # Start from a clean heap, so the garbage of one request is not collected in (and charged
    # to) the next; cheap, as the long-lived objects are frozen out of collection (_measure).
    gc.collect()
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    return elapsed, response.status_code


def _counted_get(client: Client, url: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries), response


class Command(BaseCommand):
    help = (
        "Time the public pages against a trivial view through the same middleware, as a member "
        "(uncached) and as a visitor (page cache), and check that a write invalidates the cache. "
        "Run it after generate_lab. --check makes a missed target an error."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repeat", type=int, default=30, help="Timed requests per page (default 30)."
        )
        parser.add_argument(
            "--check", action="store_true", help="Exit non-zero when a target is missed."
        )
        parser.add_argument(
            "--cold",
            action="store_true",
            help="Also time each page for a visitor with the cache cleared before every request "
            "(cold: the first view after a write); its target is the member's.",
        )

    def handle(self, *args, repeat, check, cold=False, **options):
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        # Production-like: no query log, no debug templates; the test client's host.
        with override_settings(
            ROOT_URLCONF=__name__,
            DEBUG=False,
            ALLOWED_HOSTS=["testserver"],
            SECURE_SSL_REDIRECT=False,
        ):
            pages, facts = _pages()
            user = get_user_model().objects.create_user(
                username=f"benchmark-{secrets.token_hex(6)}", password=None
            )
            try:
                user.groups.add(Group.objects.get(name=MEMBERS))
                member = Client(raise_request_exception=False)
                member.force_login(user)
                visitor = Client(raise_request_exception=False)
                trivial_times = self._measure(pages, member, visitor, repeat, cold=cold)
                invalidation = self._check_invalidation(visitor, facts["paper"])
                member.logout()
            finally:
                user.delete()
        failures = self._report(pages, trivial_times, facts, repeat, invalidation, cold=cold)
        if check and failures:
            raise CommandError(f"{len(failures)} target(s) missed: {', '.join(failures)}.")

    def _measure(self, pages, member, visitor, repeat, *, cold) -> dict[str, list[float]]:
        clients = {"member": member, "visitor": visitor}
        if cold:
            clients["cold"] = visitor
        invalidate_pages()
        for page in pages:
            # Uncached query counts: a member's request, and a visitor's first (a cache miss);
            # then a visitor's second request, which the cache should serve without a query.
            page.queries["member"], response = _counted_get(member, page.url)
            page.status["member"] = response.status_code
            page.queries["visitor miss"], response = _counted_get(visitor, page.url)
            page.status["visitor"] = response.status_code
            page.queries["visitor hit"], _response = _counted_get(visitor, page.url)
            if cold:
                cache.clear()
                page.queries["cold"], _response = _counted_get(visitor, page.url)
        for client in clients.values():  # warm-up of the trivial view
            client.get(TRIVIAL_PATH)
        gc.collect()
        gc.freeze()
        trivial_times: dict[str, list[float]] = {who: [] for who in clients}
        # Every round times the trivial view (as many times as there are pages) and then each
        # page once, per client, so a slow moment of the machine hits them alike. The cold
        # rounds come after the others: their clearing would turn the warm visitor's first
        # request of a round into a miss.
        warm = [(who, client) for who, client in clients.items() if who != "cold"]
        cold_rounds = [[("cold", visitor)]] * repeat if cold else []
        for round_clients in [warm] * repeat + cold_rounds:
            for who, client in round_clients:
                for _page in pages:
                    trivial_times[who].append(_timed_get(client, TRIVIAL_PATH)[0])
                for page in pages:
                    if who == "cold":
                        cache.clear()  # pages, fragments, sessions' cache: all gone
                    elapsed, status = _timed_get(client, page.url)
                    page.times[who].append(elapsed)
                    if status != 200:
                        page.status[who] = status
        gc.unfreeze()
        return trivial_times

    def _check_invalidation(self, visitor, paper) -> str:
        """Edit a paper in a transaction that is rolled back: the next visitor request must be
        a cache miss showing the new title."""
        url = paper.get_absolute_url()
        visitor.get(url)
        hit_queries, _response = _counted_get(visitor, url)
        marker = f"Benchmark edit {secrets.token_hex(4)}"
        with transaction.atomic():
            paper.title = f"{paper.title} {marker}"
            paper.save()
            miss_queries, response = _counted_get(visitor, url)
            shown = marker in response.content.decode()
            transaction.set_rollback(True)
        invalidate_pages()  # forget the page rendered from the rolled-back edit
        if hit_queries == 0 and miss_queries > 0 and shown:
            return (
                f"ok (before the write: served from cache, 0 queries; after Paper.save(): "
                f"re-rendered with {miss_queries} queries, new title shown)"
            )
        return (
            f"FAILED (before the write: {hit_queries} queries; after: {miss_queries} queries, "
            f"new title {'shown' if shown else 'not shown'})"
        )

    def _report(self, pages, trivial_times, facts, repeat, invalidation, *, cold) -> list[str]:
        """Print the set-up and the two tables; return the targets missed."""
        write = self.stdout.write
        self._report_setup(facts["prolific"], repeat)
        trivial_member = statistics.median(trivial_times["member"]) * 1000
        trivial_visitor = statistics.median(trivial_times["visitor"]) * 1000
        failures = self._report_member(pages, trivial_member)
        failures += self._report_visitor(pages, trivial_visitor)
        if cold:
            trivial_cold = statistics.median(trivial_times["cold"]) * 1000
            failures += self._report_member(pages, trivial_cold, who="cold")
        write("")
        write(f"invalidation: {invalidation}")
        if not invalidation.startswith("ok"):
            failures.append("invalidation")
        missed = f" ({', '.join(failures)})" if failures else ""
        write(f"targets missed: {len(failures)}{missed}")
        return failures

    def _report_setup(self, prolific, repeat) -> None:
        write = self.stdout.write
        counts = {
            "people": Person.objects.count(),
            "papers": Paper.objects.count(),
            "authorships": Authorship.objects.count(),
            "venues": Venue.objects.count(),
            "institutions": Institution.objects.count(),
        }
        write(f"Page benchmark: median of {repeat} requests per page, in-process (test client)")
        write(
            f"machine:  {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({_cpu()}),"
            f" Python {platform.python_version()}, Django {django.get_version()}"
        )
        if hasattr(os, "getloadavg"):  # other work on the machine slows every figure
            loads = " / ".join(f"{load:.1f}" for load in os.getloadavg())
            write(f"load:     average over the last 1 / 5 / 15 minutes: {loads}")
        write(f"database: {_database()}; cache: {settings.CACHES['default']['BACKEND']}")
        write("data:     " + ", ".join(f"{count} {name}" for name, count in counts.items()))
        write(f"most prolific person: {prolific.slug} ({prolific.paper_total} papers)")

    def _report_member(self, pages, trivial_member, who="member") -> list[str]:
        """The table of the uncached requests: a member's, or (``who="cold"``) a visitor's
        after the cache was cleared; both against the member's target."""
        write = self.stdout.write
        failures = []
        write("")
        if who == "cold":
            write(f"Visitor, cold (cache cleared before each request): trivial view "
                  f"{trivial_member:.2f} ms")
        else:
            write(f"Member, logged in (uncached): trivial view {trivial_member:.2f} ms")
        write(TABLE_HEADER)
        for page in pages:
            median = page.median_ms(who)
            ratio = median / trivial_member
            status = page.status.get(who, page.status["visitor"])
            if status != 200:
                result = f"FAIL (HTTP {status})"
            elif page.member_target is None:
                result = "-"
            else:
                result = "PASS" if ratio <= page.member_target else "FAIL"
            target = f"<={page.member_target:g}x" if page.member_target else "-"
            if result.startswith("FAIL"):
                failures.append(f"{who} {page.name}")
            write(
                f"{page.name:<28} {page.queries[who]:>7} {median:>10.2f} {ratio:>7.1f}x "
                f"{target:>8}  {result}"
            )
        return failures

    def _report_visitor(self, pages, trivial_visitor) -> list[str]:
        write = self.stdout.write
        failures = []
        write("")
        write(f"Visitor, anonymous (page cache): trivial view {trivial_visitor:.2f} ms")
        write("(queries: on the first request, a cache miss / on later ones, cache hits)")
        write(TABLE_HEADER)
        for page in pages:
            median = page.median_ms("visitor")
            ratio = median / trivial_visitor
            ok = page.status["visitor"] == 200 and ratio <= CACHED_TARGET
            if page.status["visitor"] != 200:
                result = f"FAIL (HTTP {page.status['visitor']})"
            else:
                result = "PASS" if ok else "FAIL"
            if not ok:
                failures.append(f"visitor {page.name}")
            queries = f"{page.queries['visitor miss']}/{page.queries['visitor hit']}"
            write(
                f"{page.name:<28} {queries:>7} {median:>10.2f} {ratio:>7.2f}x "
                f"{f'<={CACHED_TARGET:g}x':>8}  {result}"
            )
        return failures
