"""The load test's figures and targets, printed.

Latencies are per page kind (and per kind of user), over the measured phase only: p50, p95
and p99 by the nearest-rank method (the value below which that share of the requests
finished), in milliseconds, from sending the request to having read the whole answer. Errors
are counted over the whole run, warm-up and log-ins included: any 5xx, connection error or
timeout, unexpected status or content, a line of gunicorn's log that says a worker or a
request was lost, a worker that was replaced.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from devtools.loadtest.plan import PAGE_KINDS
from devtools.loadtest.users import Result

TRIVIAL = "trivial view (/healthz/)"
#: The targets (issue 12): worker memory growth under 10 % between the start and the end of
#: the measured phase; visitor pages' p99 under 10 times the trivial view's p99.
MEMORY_TARGET = 0.10
P99_TARGET = 10.0
ROLES = ("health check", "visitor", "member", "admin", "scraper", "log-in")
PAGE_NAMES = [kind.name for kind in PAGE_KINDS]
VISITOR_PAGES = {kind.name for kind in PAGE_KINDS if not kind.download}
SHOWN_PROBLEMS = 10


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least ``share`` (0-100) of them at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


@dataclass
class Row:
    role: str
    kind: str
    times: list[float]
    problems: int

    def ms(self, share: float) -> float:
        return percentile(self.times, share) * 1000 if self.times else float("nan")


def rows(results: Iterable[Result]) -> list[Row]:
    """One row per role and kind, in the order of ROLES and of the page table."""
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    problems: Counter = Counter()
    for result in results:
        key = (result.role, result.kind)
        if result.phase == "measured":
            times[key].append(result.elapsed)
        if result.problem:
            problems[key] += 1
        times.setdefault(key, [])

    def order(key):
        role, kind = key
        place = PAGE_NAMES.index(kind) if kind in PAGE_NAMES else len(PAGE_NAMES)
        return (ROLES.index(role) if role in ROLES else len(ROLES), place, kind)

    return [Row(role, kind, times[(role, kind)], problems[(role, kind)]) for role, kind in
            sorted(times, key=order)]  # fmt: skip


def problem_lines(results: Iterable[Result]) -> list[str]:
    """The distinct problems, most frequent first, with where they happened."""
    counted = Counter((r.role, r.kind, r.problem) for r in results if r.problem)
    return [
        f"{count} x {role}, {kind}: {problem}"
        for (role, kind, problem), count in counted.most_common()
    ]


def write_table(write: Callable[[str], None], table: list[Row], seconds: float) -> None:
    write(
        f"{'user':<13} {'page or step':<30} {'requests':>8} {'per s':>6} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}"
    )
    for row in table:
        count = len(row.times)
        times = " ".join(
            f"{row.ms(share):>8.1f}" if row.times else f"{'-':>8}" for share in (50, 95, 99, 100)
        )
        write(
            f"{row.role:<13} {row.kind:<30} {count:>8} {count / seconds:>6.1f} {times} "
            f"{row.problems:>6}"
        )


def visitor_p99_ratio(results: list[Result]) -> tuple[float, float, float]:
    """(visitor pages' p99, the trivial view's p99, their ratio), seconds, measured phase."""
    measured = [r for r in results if r.phase == "measured"]
    pages = [r.elapsed for r in measured if r.role == "visitor" and r.kind in VISITOR_PAGES]
    trivial = [r.elapsed for r in measured if r.kind == TRIVIAL]
    if not pages or not trivial:
        return float("nan"), float("nan"), float("inf")
    pages_p99, trivial_p99 = percentile(pages, 99), percentile(trivial, 99)
    return pages_p99, trivial_p99, pages_p99 / trivial_p99


def memory_growth(start: dict[int, int], end: dict[int, int]) -> float:
    """How much the workers alive at both times grew, together (a worker replaced in between
    starts small again, which would hide a leak; it is an error of its own)."""
    both = set(start) & set(end)
    before, after = sum(start[pid] for pid in both), sum(end[pid] for pid in both)
    return (after - before) / before if before else float("inf")


def megabytes(memory: dict[int, int]) -> str:
    each = ", ".join(f"{memory[pid] / 2**20:.0f}" for pid in sorted(memory))
    return f"{sum(memory.values()) / 2**20:.0f} MB in all ({each} MB; pids {sorted(memory)})"


@dataclass
class Target:
    name: str
    figure: str
    target: str
    passed: bool

    def line(self) -> str:
        return (
            f"{self.name:<44} {self.figure:>26} {self.target:>12}  "
            f"{'PASS' if self.passed else 'FAIL'}"
        )
