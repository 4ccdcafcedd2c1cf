import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from devtools.synthetic import LabSize, flush_lab, generate_lab, lab_is_empty


class Command(BaseCommand):
    help = (
        "Fill the database with a large synthetic lab for benchmarks (devtools/synthetic): by "
        "default 3,000 people and 20,000 papers with 6 authors each. The same seed gives the same "
        "data. Refuses a database that already has lab records unless --flush is given."
    )

    def add_arguments(self, parser):
        defaults = LabSize()
        parser.add_argument("--people", type=int, default=defaults.people)
        parser.add_argument("--papers", type=int, default=defaults.papers)
        parser.add_argument("--authors-per-paper", type=int, default=defaults.authors_per_paper)
        parser.add_argument("--venues", type=int, default=defaults.venues)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--flush",
            action="store_true",
            help="First delete every people and publications record (users and groups stay).",
        )

    def handle(self, *args, people, papers, authors_per_paper, venues, seed, flush, **options):
        size = LabSize(
            people=people, papers=papers, authors_per_paper=authors_per_paper, venues=venues
        )
        try:
            size.check()
        except ValueError as error:
            raise CommandError(str(error)) from None
        started = time.perf_counter()
        if flush:
            flush_lab()
        elif not lab_is_empty():
            raise CommandError(
                "The database already has lab records; generate_lab only fills an empty one. "
                "Use --flush to delete every people and publications record first."
            )
        counts = generate_lab(size=size, seed=seed)
        elapsed = time.perf_counter() - started
        for name, count in counts.items():
            self.stdout.write(f"{name:>15}: {count}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated a synthetic lab (seed {seed}) on {connection.vendor} "
                f"in {elapsed:.1f} s."
            )
        )
