"""Time the paper import (``manage.py benchmark_paper_import``): BibTeX and RIS files of
generated entries, previewed (``bibtex_plan``) and imported (``bibtex_import``), each in a
transaction that is rolled back, so the database is left as it was.

The entries are what a lab's files hold: ``--authors`` authors each from a pool of names that
repeat from paper to paper (a lab's co-authors), twenty venues, DOIs, pages, volumes, keywords.
The same papers are written as BibTeX and as RIS (RIS through ``publications.ris.LabRisWriter``,
as the site's download writes it). Each format is measured at ``--entries`` and at
``--small`` entries: the number of SELECTs must be the same at both sizes (a constant number of
queries); the INSERTs are one per kind of record, split in batches on SQLite only by its limit
of parameters per statement. Printed per format and stage: entries, seconds, entries/s, the
queries and SELECTs at both sizes, and PASS or FAIL against the target (``TARGET`` entries/s
and the same SELECTs). Every line starts with a fixed label and ends with ``key=value`` pairs,
as the other benchmark commands print them.

It runs on whatever ``DATABASE_URL`` holds: the setup line gives the papers and people already
there, so runs into an empty database and into the synthetic lab (``generate_lab``) compare
the cost per entry as the database grows (it must not grow: the look-ups are by the values the
file holds). Django's query log (kept when DEBUG is on) is off while measuring, as in
production: it formats every parameter of every query, which a look-up of 20,000 slugs feels;
the queries are counted by an execute wrapper instead. ``cpu_seconds`` is the process's time,
which a busy machine disturbs less than the seconds on the clock.

Each stage of the big file runs ``--repeat`` times; the fastest run is judged (what else the
machine did slows the others) and the median is printed beside it. Before every run the
project's caches of values (``functools.lru_cache``: names, venues, slugs) are emptied, so a
run gains nothing from the one before it having read the same file.
"""

import gc
import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager
from operator import itemgetter

import django
import rispy
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings

from people.models import Person
from publications.bibtex_import import bibtex_import, bibtex_plan
from publications.models import Paper
from publications.ris import LabRisWriter

TARGET = 2000  # entries per second, preview and import, on SQLite (issue 13, point 6)
FORMATS = ("bibtex", "ris")
VENUES = [(f"International Conference on Benchmark Systems {n}", f"BENCH{n}") for n in range(20)]
GIVEN = ("Wei", "Qinghao", "Meng", "Ana", "Peng", "Lena", "Tianwei", "Ixeia", "Omar", "Yuki")
FAMILY = ("Chen", "Hu", "Zhang", "Garcia", "Sun", "Novak", "Wen", "Pérez", "Haddad", "Sato")


class QueryCounter:
    def __init__(self):
        self.count = 0
        self.selects = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        self.selects += sql.lstrip().lstrip("(").upper().startswith("SELECT")
        return execute(sql, params, many, context)


@contextmanager
def counting():
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


def generated_papers(count: int, authors: int, *, offset: int = 0) -> list[dict]:
    """``count`` papers as plain values; names repeat across papers as co-authors do."""
    papers = []
    for n in range(offset, offset + count):
        names = [
            (GIVEN[(n + k) % len(GIVEN)] + "-" + str((n * 7 + k) % 97), FAMILY[(n + 3 * k) % 10])
            for k in range(authors)
        ]
        venue, short = VENUES[n % len(VENUES)]
        papers.append(
            {
                "key": f"bench{n}",
                "title": f"Generated Benchmark Paper Number {n} on Scheduling",
                "authors": names,
                "venue": venue,
                "short": short,
                "year": 2000 + n % 25,
                "month": 1 + n % 12,
                "doi": f"10.9999/bench.{n}",
                "pages": f"{n % 500 + 1}–{n % 500 + 12}",
                "volume": str(n % 40 + 1),
                "keywords": [f"topic {n % 30}", f"area {n % 7}"],
                "url": f"https://example.org/papers/{n}",
            }
        )
    return papers


def as_bibtex(papers: list[dict]) -> str:
    entries = []
    for paper in papers:
        authors = " and ".join(f"{family}, {given}" for given, family in paper["authors"])
        entries.append(
            f"@inproceedings{{{paper['key']},\n"
            f"  author = {{{authors}}},\n"
            f"  title = {{{paper['title']}}},\n"
            f"  booktitle = {{{paper['venue']}}},\n"
            f"  abbr = {{{paper['short']}}},\n"
            f"  year = {{{paper['year']}}},\n"
            f"  month = {{{paper['month']}}},\n"
            f"  volume = {{{paper['volume']}}},\n"
            f"  pages = {{{paper['pages'].replace('–', '--')}}},\n"
            f"  doi = {{{paper['doi']}}},\n"
            f"  url = {{{paper['url']}}},\n"
            f"  keywords = {{{', '.join(paper['keywords'])}}},\n"
            "}\n"
        )
    return "\n".join(entries)


def as_ris(papers: list[dict]) -> str:
    records = []
    for paper in papers:
        first, _, last = paper["pages"].partition("–")
        records.append(
            {
                "type_of_reference": "CONF",
                "id": paper["key"],
                "title": paper["title"],
                "authors": [f"{family}, {given}" for given, family in paper["authors"]],
                "secondary_title": paper["venue"],
                "alternate_title1": paper["short"],
                "year": str(paper["year"]),
                "date": f"{paper['year']}/{paper['month']:02d}//",
                "volume": paper["volume"],
                "start_page": first,
                "end_page": last,
                "doi": paper["doi"],
                "urls": [paper["url"]],
                "keywords": paper["keywords"],
            }
        )
    return rispy.dumps(records, implementation=LabRisWriter)


WRITERS = {"bibtex": as_bibtex, "ris": as_ris}
PROJECT_PACKAGES = ("lab", "people", "publications")


def clear_value_caches() -> int:
    """Empty the caches of values (``functools.lru_cache``) of the project's functions, which
    keep what they read per name, venue, slug and title; returns how many were emptied."""
    cleared = 0
    for name, module in list(sys.modules.items()):
        if module is None or name.partition(".")[0] not in PROJECT_PACKAGES:
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                value.cache_clear()
                cleared += 1
    return cleared


class Command(BaseCommand):
    help = (
        "Time the paper import's preview and import of generated BibTeX and RIS files (rolled "
        "back), with their queries. --check makes a missed target an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=1000, help="Entries per file.")
        parser.add_argument(
            "--small", type=int, default=10, help="Entries of the file the queries are compared to."
        )
        parser.add_argument("--authors", type=int, default=6, help="Authors per entry.")
        parser.add_argument(
            "--format",
            action="append",
            choices=FORMATS,
            help="A format to measure (repeat it; default: bibtex and ris).",
        )
        parser.add_argument(
            "--repeat",
            type=int,
            default=3,
            help="Runs of each stage of the big file; the fastest is judged, the median shown.",
        )
        parser.add_argument(
            "--check", action="store_true", help="Exit non-zero when a target is missed."
        )

    def handle(self, *args, entries, small, authors, format, repeat, check, **options):
        if entries < 1 or small < 1 or repeat < 1:
            raise CommandError("--entries, --small and --repeat must be at least 1.")
        self.line(
            "setup",
            database=connection.vendor,
            python=platform.python_version(),
            django=django.get_version(),
            cpus=os.cpu_count(),
            entries=entries,
            small=small,
            authors=authors,
            repeat=repeat,
            papers_before=Paper.objects.count(),
            people_before=Person.objects.count(),
        )
        missed = []
        for fmt in format or FORMATS:
            missed += self.measure(fmt, entries, small, authors, repeat)
        self.line("targets missed", count=len(missed), which="|".join(missed) or "-")
        if check and missed:
            raise CommandError(f"{len(missed)} target(s) missed: {', '.join(missed)}.")

    def line(self, label: str, **figures) -> None:
        text = " ".join(f"{key}={value}" for key, value in figures.items())
        self.stdout.write(f"{label:<24} {text}")

    def measure(self, fmt: str, entries: int, small: int, authors: int, repeat: int) -> list[str]:
        write = WRITERS[fmt]
        # Different papers for the two sizes, so the big file's are all new too.
        big_text = write(generated_papers(entries, authors, offset=small))
        small_text = write(generated_papers(small, authors))
        missed = []
        for stage in ("preview", "import"):
            _, _, _, small_queries = self.run(stage, fmt, small_text)
            runs = [self.run(stage, fmt, big_text) for _ in range(repeat)]
            for _, _, papers, _ in runs:
                if papers != entries:
                    raise CommandError(
                        f"{fmt} {stage}: {papers} of {entries} entries were new papers."
                    )
            # The fastest run is the code's speed; the slower ones, what else the machine did
            # meanwhile (as timeit reports it). The median shows the spread.
            seconds, cpu, _, queries = min(runs, key=itemgetter(0))
            median = statistics.median(run[0] for run in runs)
            rate = entries / seconds
            constant = queries.selects == small_queries.selects
            ok = rate >= TARGET and constant
            label = f"{fmt} {stage}"
            self.line(
                label,
                entries=entries,
                seconds=f"{seconds:.3f}",
                median_seconds=f"{median:.3f}",
                cpu_seconds=f"{cpu:.2f}",
                entries_per_second=f"{rate:.0f}",
                queries=queries.count,
                selects=queries.selects,
                queries_small=small_queries.count,
                selects_small=small_queries.selects,
                target=TARGET,
                result="PASS" if ok else "FAIL",
            )
            if not ok:
                missed.append(label.replace(" ", "_"))
        return missed

    def run(self, stage: str, fmt: str, text: str) -> tuple[float, float, int, QueryCounter]:
        """(seconds, CPU seconds, new papers, queries) of one preview or import of ``text``,
        rolled back."""
        gc.collect()
        # Each run reads its names, venues and slugs as if for the first time: a run after
        # another of the same file would find them all in the caches of values.
        clear_value_caches()
        # Read once a process, then cached: each run reads the admin log's content types.
        ContentType.objects.clear_cache()
        with transaction.atomic(), override_settings(DEBUG=False):
            user = get_user_model().objects.create(username="benchmark-paper-import")
            with counting() as queries:
                start, cpu = time.perf_counter(), time.process_time()
                if stage == "preview":
                    papers = len(bibtex_plan(text, max_bytes=None, format=fmt).new_papers)
                else:
                    result = bibtex_import(text=text, user=user, max_bytes=None, format=fmt)
                    papers = len(result.papers)
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            transaction.set_rollback(True)
        return seconds, cpu, papers, queries
