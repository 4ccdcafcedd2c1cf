"""Measure spreadsheet export and import at scale (``manage.py benchmark_spreadsheets``).

Export (run after ``manage.py generate_lab``, on its database): the papers with their bylines,
as the whole-lab workbook and big downloads write them (``lab.workbook.paper_rows``), to XLSX
and CSV. Each time is divided by the time of writing the very same cell values, already in
memory, with openpyxl's write-only mode (XLSX) in the same run, so the ratios compare across
machines. The CSV baseline is a plain ``csv.writer`` of the same values plus the time of running
the export's queries and fetching their rows (``read_only``), the least any exporter of these
rows does; the ratio to the plain writer alone is printed beside it (docs/workbook.md, "The CSV
target"). Also printed: the number of queries, and the peak memory (tracemalloc) of the XLSX
export for a small and the full number of papers: a streamed export's peak does not grow with
the row count.

Import (``--import``, only into an EMPTY database: it writes): a generated workbook of people,
venues and papers with six-author bylines, read from XLSX and imported with
``lab.workbook.import_workbook``, then imported again unchanged. Printed: rows per second and
queries per row of each step.

Cold downloads (``--cold``): the most prolific person's papers as the site sends them (BibTeX,
CSV, XLSX: ``/people/<slug>/papers.<format>``), asked for by a visitor through Django's test
client and the full middleware stack, with the whole cache cleared (not timed) before every
timed request: no cached page, fragment or response is left, as on the first download after any
write. Printed per format: the best time, the queries of the first request and of the last
timed one (equal when the clearing works: a cache hit would run none), and the size.

Every figure line starts with a fixed label and ends with the figures as ``key=value`` pairs,
so tests and scripts can parse them.
"""

import csv
import gc
import io
import os
import platform
import random
import tempfile
import time
import tracemalloc
from collections import deque
from contextlib import contextmanager

import django
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import Workbook

from devtools.management.commands.benchmark_pages import most_prolific_person
from lab.core.spreadsheets import write_csv, write_xlsx_sheets
from lab.core.uploads import read_workbook
from lab.workbook import SHEETS, import_workbook
from people.models import Institution, Person
from publications.models import Paper, Venue
from publications.resources import PaperAdminResource
from publications.rows import CHUNK_SIZE, paper_queries, paper_rows

XLSX_TARGET = 3.0
CSV_TARGET = 2.0
QUERY_TARGET = 5
IMPORT_QUERY_TARGET = 5.0
# An import with history at most this many times as long as without it.
HISTORY_TARGET = 1.5
#: The downloads timed cold (--cold), of the most prolific person's papers.
COLD_FORMATS = ("bib", "csv", "xlsx")


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def counting():
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


def papers_queryset(count: int, total: int):
    """The first ``count`` of the ``total`` papers; all of them unsliced, as the workbook
    exports them."""
    papers = Paper.objects.all()
    return papers if count >= total else papers[:count]


def export_xlsx(papers, target) -> None:
    resource = PaperAdminResource()
    rows = paper_rows(resource, papers)
    write_xlsx_sheets(target, [("papers", resource.get_export_headers(), rows)])


def export_csv(papers, target) -> None:
    resource = PaperAdminResource()
    rows = paper_rows(resource, papers, native=False)
    write_csv(target, resource.get_export_headers(), rows)


def plain_xlsx(headers, rows, target) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("papers")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(target)


def lab_csv(headers, rows, target) -> None:
    write_csv(target, headers, rows)


def read_only(papers) -> None:
    """Run the export's five queries and fetch every row, doing nothing with them: what any
    export of these papers spends reading the database."""
    people, rows, authorships, awards, keywords = paper_queries(PaperAdminResource(), papers)
    list(people)
    for query in (rows, authorships, awards, keywords):
        deque(query.iterator(chunk_size=CHUNK_SIZE), maxlen=0)


def plain_csv(headers, rows, target) -> None:
    writer = csv.writer(target, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)


def timed(function, *args) -> float:
    gc.collect()
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def best_of(repeat: int, function, *args) -> float:
    return min(timed(function, *args) for _ in range(repeat))


def peak_memory(function, *args) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class Command(BaseCommand):
    help = "Measure the spreadsheet export (and with --import, the import) at scale."

    def add_arguments(self, parser):
        parser.add_argument("--papers", type=int, default=20_000, help="Papers to export.")
        parser.add_argument(
            "--small", type=int, default=5_000, help="Papers of the small memory run."
        )
        parser.add_argument("--repeat", type=int, default=3, help="Timed runs (best counts).")
        parser.add_argument("--no-export", action="store_true", help="Skip the export part.")
        parser.add_argument(
            "--import",
            dest="run_import",
            action="store_true",
            help="Also import a generated workbook (needs an EMPTY database: it writes).",
        )
        parser.add_argument(
            "--import-papers", type=int, default=10_000, help="Papers of the import workbook."
        )
        parser.add_argument("--authors", type=int, default=6, help="Authors per paper (import).")
        parser.add_argument(
            "--cold",
            action="store_true",
            help="Also time the most prolific person's downloads (BibTeX, CSV, XLSX) through "
            "the site, with the cache cleared before every timed request.",
        )

    def handle(self, *args, **options):
        self.line(
            "setup",
            database=connection.vendor,
            python=platform.python_version(),
            django=django.get_version(),
            cpus=os.cpu_count(),
        )
        if not options["no_export"]:
            self.export_part(options)
        if options["cold"]:
            self.cold_part(options["repeat"])
        if options["run_import"]:
            self.import_part(options)

    def line(self, label: str, **figures) -> None:
        text = " ".join(f"{key}={value}" for key, value in figures.items())
        self.stdout.write(f"{label:<24} {text}")

    # --- export ---------------------------------------------------------------------------

    def export_part(self, options):
        total = Paper.objects.count()
        if total == 0:
            raise CommandError("The database has no papers: run manage.py generate_lab.")
        count = min(options["papers"], total)
        small = min(options["small"], count)
        papers = papers_queryset(count, total)
        with tempfile.TemporaryDirectory() as folder:
            xlsx_path = os.path.join(folder, "papers.xlsx")
            csv_path = os.path.join(folder, "papers.csv")
            # The values in memory are dropped when the timings return, before the memory runs.
            self.export_timings(papers, count, options["repeat"], xlsx_path, csv_path)
            self.export_memory(total, small, count, xlsx_path)

    def export_timings(self, papers, count, repeat, xlsx_path, csv_path) -> None:
        resource = PaperAdminResource()
        headers = resource.get_export_headers()
        values = list(paper_rows(resource, papers))
        text_values = list(paper_rows(resource, papers, native=False))
        authors = sum(row[headers.index("authors")].count(";") + 1 for row in values if row[3])
        self.export_xlsx_timing(papers, count, authors, headers, values, repeat, xlsx_path)
        self.export_csv_timing(papers, count, headers, text_values, repeat, csv_path)

    def export_xlsx_timing(self, papers, count, authors, headers, values, repeat, path) -> None:
        with counting() as queries:
            export_xlsx(papers, path)
        ours = best_of(repeat, export_xlsx, papers, path)
        plain = best_of(repeat, plain_xlsx, headers, values, path)
        size = os.path.getsize(path)
        writer_only = best_of(repeat, write_xlsx_sheets, path, [("papers", headers, values)])
        self.line(
            "export xlsx",
            papers=count,
            authors=authors,
            seconds=f"{ours:.2f}",
            plain_openpyxl_seconds=f"{plain:.2f}",
            ratio=f"{ours / plain:.2f}",
            target=XLSX_TARGET,
            queries=queries.count,
            query_target=QUERY_TARGET,
            bytes=size,
        )
        # The same values, already in memory, through the lab's writer (escaping included):
        # what the spreadsheet format costs apart from reading the database.
        self.line(
            "export xlsx writer only",
            seconds=f"{writer_only:.2f}",
            ratio=f"{writer_only / plain:.2f}",
        )

    def export_csv_timing(self, papers, count, headers, text_values, repeat, path) -> None:
        def to_csv(function, *args):
            with open(path, "w", newline="", encoding="utf-8") as file:
                function(*args, file)

        with counting() as queries:
            to_csv(export_csv, papers)
        ours = best_of(repeat, to_csv, export_csv, papers)
        plain = best_of(repeat, to_csv, plain_csv, headers, text_values)
        read = best_of(repeat, read_only, papers)
        writer_only = best_of(repeat, to_csv, lab_csv, headers, text_values)
        self.line(
            "export csv",
            papers=count,
            seconds=f"{ours:.2f}",
            read_seconds=f"{read:.2f}",
            plain_csv_seconds=f"{plain:.2f}",
            baseline_seconds=f"{read + plain:.2f}",
            ratio=f"{ours / (read + plain):.2f}",
            target=CSV_TARGET,
            queries=queries.count,
        )
        # Against the plain writer alone, values already in memory: the database read by
        # itself is more than twice that writer, so no exporter that reads the rows can
        # be within 2x of it (docs/workbook.md, "The CSV target").
        self.line(
            "export csv vs writer",
            ratio=f"{ours / plain:.2f}",
            read_ratio=f"{read / plain:.2f}",
        )
        self.line(
            "export csv writer only",
            seconds=f"{writer_only:.2f}",
            ratio=f"{writer_only / plain:.2f}",
        )

    def export_memory(self, total, small, count, path) -> None:
        peaks = {}
        for n in sorted({small, count}):
            with counting() as queries:
                peaks[n] = peak_memory(export_xlsx, papers_queryset(n, total), path)
            self.line(
                "export xlsx memory",
                papers=n,
                peak_mib=f"{peaks[n] / 2**20:.1f}",
                queries=queries.count,
            )
        if len(peaks) == 2:
            self.line(
                "export memory growth",
                ratio=f"{peaks[count] / peaks[small]:.2f}",
                rows_ratio=f"{count / small:.2f}",
            )

    # --- cold downloads -------------------------------------------------------------------

    def cold_part(self, repeat: int) -> None:
        person = most_prolific_person()
        papers = Paper.objects.by(person).works().count()  # what the download lists
        # Production-like: no query log, no debug pages; the test client's host.
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
            visitor = Client(raise_request_exception=False)
            for fmt in COLD_FORMATS:
                url = reverse("publications:person-download", args=[person.slug, fmt])
                self.cold_download(visitor, url, fmt, papers, repeat)
        cache.clear()  # nothing of the run is left for the site

    def cold_download(self, visitor, url, fmt, papers, repeat) -> None:
        def get():
            cache.clear()  # pages, fragments, responses, download counters: all gone
            with counting() as queries:
                gc.collect()
                start = time.perf_counter()
                response = visitor.get(url)
                size = len(b"".join(response)) if response.streaming else len(response.content)
                seconds = time.perf_counter() - start
            return seconds, queries.count, response.status_code, size

        _seconds, first_queries, status, size = get()
        runs = [get() for _ in range(repeat)]
        self.line(
            "download cold",
            format=fmt,
            url=url,
            papers=papers,
            seconds=f"{min(run[0] for run in runs):.3f}",
            queries=runs[-1][1],
            first_queries=first_queries,
            status=status,
            bytes=size,
        )

    # --- import ---------------------------------------------------------------------------

    def import_part(self, options):
        if Paper.objects.exists() or Person.objects.exists() or Venue.objects.exists():
            raise CommandError(
                "--import needs an empty database (it writes): create one, migrate it and point "
                "DATABASE_URL at it."
            )
        if Institution.objects.exists():
            raise CommandError("--import needs an empty database (it has institutions).")
        count, per_paper = options["import_papers"], options["authors"]
        content = generated_workbook(count, per_paper)
        start = time.perf_counter()
        sheets = read_workbook(content, filename="bench.xlsx")
        read_seconds = time.perf_counter() - start
        self.line(
            "import read xlsx",
            papers=count,
            bytes=len(content),
            seconds=f"{read_seconds:.2f}",
        )
        # First the same import without history, rolled back (a dry run writes everything,
        # then rolls back): what history costs is the ratio of the next line to this one.
        steps = (
            ("import new, no history", True, False),
            ("import new", False, True),
            ("import unchanged", False, True),
        )
        timings = {}
        for label, dry_run, history in steps:
            gc.collect()
            with override_settings(SIMPLE_HISTORY_ENABLED=history), counting() as queries:
                start = time.perf_counter()
                outcome = import_workbook(sheets, dry_run=dry_run)
                seconds = time.perf_counter() - start
            timings[label] = seconds
            if not outcome.ok:
                problems = "; ".join(outcome.problems[:5])
                raise CommandError(f"The generated workbook did not import: {problems}")
            rows = sum(sheet.rows for sheet in outcome.sheets)
            papers_sheet = next(s for s in outcome.sheets if s.name == "papers")
            self.line(
                label,
                rows=rows,
                papers=papers_sheet.rows,
                seconds=f"{seconds:.2f}",
                rows_per_second=f"{rows / seconds:.0f}",
                queries=queries.count,
                queries_per_row=f"{queries.count / rows:.2f}",
                target=IMPORT_QUERY_TARGET,
                summary="|".join(outcome.summary_lines()).replace(" ", "_"),
            )
        ratio = timings["import new"] / timings["import new, no history"]
        self.line(
            "import history cost",
            ratio=f"{ratio:.2f}",
            target=HISTORY_TARGET,
            result="PASS" if ratio <= HISTORY_TARGET else "FAIL",
        )


def generated_workbook(papers: int, authors: int, *, seed: int = 7) -> bytes:
    """An XLSX workbook of a lab: people, venues, and papers with ``authors``-author bylines
    (every sheet present, the others empty), as a lab admin would upload it."""
    rng = random.Random(seed)  # noqa: S311 (test data)
    people = max(authors * 2, papers // 3)
    names = [f"Author{n:05d} Person{n % 97:02d}" for n in range(people)]
    venue_count = 50
    sheets = {sheet.name: sheet.make_resource(include_private=False) for sheet in SHEETS}
    headers = {name: resource.get_export_headers() for name, resource in sheets.items()}

    def row(sheet, **values):
        return [values.get(column, "") for column in headers[sheet]]

    person_rows = (
        row("people", name=name, slug=f"author{n:05d}", match_by_name=True)
        for n, name in enumerate(names)
    )
    venue_rows = (
        row("venues", slug=f"venue-{n}", name=f"Symposium {n}", kind="conference")
        for n in range(venue_count)
    )

    def paper_rows():
        for n in range(papers):
            byline = "; ".join(names[i] for i in rng.sample(range(people), authors))
            yield row(
                "papers",
                slug=f"paper-{n:05d}",
                title=f"Scaling Systems for Workload {n}",
                authors=byline,
                venue=f"venue-{n % venue_count}",
                year=2000 + n % 25,
                status="published",
                selected=False,
                authors_complete=True,
            )

    content = {"people": person_rows, "venues": venue_rows, "papers": paper_rows()}
    buffer = io.BytesIO()
    write_xlsx_sheets(
        buffer,
        ((name, headers[name], content.get(name, ())) for name in headers),
    )
    return buffer.getvalue()
