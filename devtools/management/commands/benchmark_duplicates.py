"""Time the duplicate detectors on the whole database (``manage.py benchmark_duplicates``).

Run it after ``manage.py generate_lab``. Each kind is scanned once, cold (as a lab admin's
first look would run it): people, institutions, venues, papers, and preprint/published pairs
(``people.duplicates``, ``publications.duplicates``). Printed per kind: the records, the pairs
a naive scan would compare, the pairs compared after blocking, the suggestions made, the
seconds and the queries; then the totals against the target. Last, an import preview: for
the bylines of ``--preview-entries`` papers with every author's name written another way
("Wei A. Chen" as "W. A. Chen", "Chen, Wei A."), the time ``existing_matches`` takes to find
the existing people the "new" names may be.

Every figure line starts with a fixed label and ends with the figures as ``key=value`` pairs,
as the other benchmark commands print them, so tests and scripts can parse them.
"""

import gc
import os
import platform
import time
from collections import defaultdict

import django
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from lab.core.duplicates import ScanStats
from people import duplicates as people_duplicates
from people.models import Institution, Person
from publications import duplicates as publications_duplicates
from publications.models import Authorship, Paper, Venue

TOTAL_TARGET = 10.0  # seconds for every kind's scan together
PREVIEW_TARGET = 1.0  # seconds of existing_matches for an import preview of 1,000 entries
SCANS = (
    ("person", people_duplicates.suggest_people),
    ("institution", people_duplicates.suggest_institutions),
    ("venue", publications_duplicates.suggest_venues),
    ("paper", publications_duplicates.suggest_papers),
    ("version", publications_duplicates.suggest_versions),
)


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(function, **kwargs):
    """(result, seconds, queries) of one call, cold."""
    people_duplicates.clear_cache()
    gc.collect()
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        result = function(**kwargs)
        seconds = time.perf_counter() - start
    return result, seconds, counter.count


def rewritten(name: str, index: int) -> str:
    """The name as another source would print it: initials, or family name first."""
    words = name.split()
    if len(words) < 2:
        return name
    given, family = words[:-1], words[-1]
    if index % 2:
        return f"{family}, {' '.join(given)}"
    return " ".join([*(f"{word[0]}." for word in given), family])


def preview_entries(count: int) -> dict[str, set[str]]:
    """The names an import of ``count`` papers' bylines, printed another way, would create,
    each with the co-authors listed with it (two queries)."""
    papers = Paper.objects.order_by("pk").values("pk")[:count]
    names = dict(Person.objects.values_list("pk", "name"))
    bylines = defaultdict(list)
    rows = Authorship.objects.filter(paper_id__in=papers).order_by("paper_id", "position")
    for paper, person in rows.values_list("paper_id", "person_id"):
        bylines[paper].append(names[person])
    entries: dict[str, set[str]] = defaultdict(set)
    for index, authors in enumerate(bylines.values()):
        printed = [rewritten(author, index + position) for position, author in enumerate(authors)]
        for name in printed:
            entries[name].update(other for other in printed if other != name)
    existing = set(names.values())
    return {name: coauthors for name, coauthors in entries.items() if name not in existing}


class Command(BaseCommand):
    help = (
        "Time the duplicate detectors (people, institutions, venues, papers, versions) on the "
        "whole database, and an import preview's look-up of new names. Run it after "
        "generate_lab. --check makes a missed target an error."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--preview-entries",
            type=int,
            default=1000,
            help="Papers of the import preview (default 1,000; 0 skips it).",
        )
        parser.add_argument(
            "--check", action="store_true", help="Exit non-zero when a target is missed."
        )

    def handle(self, *args, preview_entries, check, **options):
        if not Person.objects.exists():
            raise CommandError("The database has no people: run manage.py generate_lab.")
        self.setup_line()
        missed = self.scan_lines()
        if preview_entries > 0:
            missed += self.preview_line(preview_entries)
        self.line("targets missed", count=len(missed), which="|".join(missed) or "-")
        if check and missed:
            raise CommandError(f"{len(missed)} target(s) missed: {', '.join(missed)}.")

    def line(self, label: str, **figures) -> None:
        text = " ".join(f"{key}={value}" for key, value in figures.items())
        self.stdout.write(f"{label:<24} {text}")

    def setup_line(self) -> None:
        self.line(
            "setup",
            database=connection.vendor,
            python=platform.python_version(),
            django=django.get_version(),
            cpus=os.cpu_count(),
            people=Person.objects.count(),
            institutions=Institution.objects.count(),
            venues=Venue.objects.count(),
            papers=Paper.objects.count(),
            authorships=Authorship.objects.count(),
        )

    def scan_lines(self) -> list[str]:
        totals = {"seconds": 0.0, "candidate_pairs": 0, "suggestions": 0, "queries": 0}
        for kind, scan in SCANS:
            stats = ScanStats()
            suggestions, seconds, queries = timed(scan, stats=stats)
            top = f"{suggestions[0].score:.1f}" if suggestions else "-"
            self.line(
                f"scan {kind}",
                records=stats.records,
                naive_pairs=stats.naive_pairs,
                candidate_pairs=stats.candidate_pairs,
                suggestions=len(suggestions),
                top_score=top,
                seconds=f"{seconds:.2f}",
                queries=queries,
            )
            totals["seconds"] += seconds
            totals["candidate_pairs"] += stats.candidate_pairs
            totals["suggestions"] += len(suggestions)
            totals["queries"] += queries
        total = totals["seconds"]
        self.line(
            "scan total",
            seconds=f"{total:.2f}",
            target=TOTAL_TARGET,
            result="PASS" if total <= TOTAL_TARGET else "FAIL",
            candidate_pairs=totals["candidate_pairs"],
            suggestions=totals["suggestions"],
            queries=totals["queries"],
        )
        return [] if total <= TOTAL_TARGET else ["scan total"]

    def preview_line(self, count: int) -> list[str]:
        entries = preview_entries(count)
        matches, seconds, queries = timed(
            people_duplicates.existing_matches, names_with_coauthors=entries
        )
        self.line(
            "import preview",
            entries=count,
            new_names=len(entries),
            matched=sum(1 for found in matches.values() if found),
            suggestions=sum(len(found) for found in matches.values()),
            seconds=f"{seconds:.2f}",
            target=PREVIEW_TARGET,
            result="PASS" if seconds <= PREVIEW_TARGET else "FAIL",
            queries=queries,
        )
        return [] if seconds <= PREVIEW_TARGET else ["import preview"]
