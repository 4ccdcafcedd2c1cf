"""Time the data-health report (``manage.py benchmark_health``), run after ``generate_lab``:
the whole report (every check, the duplicate detectors included) as the page builds it, and its
queries. Lines are ``label key=value ...`` like the other benchmarks'."""

import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lab.health import health_report
from people.models import Person
from publications.models import Paper

#: Seconds the report may take on the synthetic lab (3,000 people, 20,000 papers).
TARGET_SECONDS = 2.0


class Command(BaseCommand):
    help = "Time the data-health report on the current database (after generate_lab)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=3, help="Timed runs (best counts).")

    def handle(self, *args, repeat, **options):
        times = []
        for _ in range(max(repeat, 1)):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                sections = health_report()
                times.append(time.perf_counter() - start)
        best = min(times)
        counts = " ".join(f"{section.key}={section.count}" for section in sections)
        self.stdout.write(
            f"{'data health':<24} people={Person.objects.count()} papers={Paper.objects.count()} "
            f"seconds={best:.2f} target={TARGET_SECONDS} queries={len(queries)} "
            f"result={'PASS' if best <= TARGET_SECONDS else 'FAIL'}"
        )
        self.stdout.write(f"{'data health sections':<24} {counts}")
