"""Measure the citation exports at scale (``manage.py benchmark_exports``).

Run after ``manage.py generate_lab``, on its database. For each format (BibTeX, CSL-JSON, RIS,
al-folio, Hugo Blox's zip, and the paper admin's CSV and XLSX exports) and each number of
papers (``--papers``: the first N of the default order; all by default), the download of those
papers is made through ``publications.exports.papers_response`` as the site makes it (a long
list streams), or through the paper admin's export view's last step (``_do_file_export``, for a
lab admin, in the change list's order), and read to the end, chunk by chunk, as a server sends
it. Printed per export: the time, the number of
queries, the size of the file, and two memory figures, each the growth over the process before
the export:

- ``traced_mb``: the peak of memory allocated by Python objects during the export
  (tracemalloc, in a second run: tracing slows Python down, so the time comes from the first);
- ``rss_mb``: the growth of the process's peak resident memory (Linux: ``/proc/self/status``
  VmHWM, reset through ``/proc/self/clear_refs`` before the export), which also counts the
  database driver's own buffers; "-" where the system does not allow it.

A streamed export's memory does not grow with the number of papers (docs/benchmarks.md,
"Exports in constant memory"). Every figure line starts with ``export`` and ends with the
figures as ``key=value`` pairs, so scripts can parse them.
"""

import gc
import time
import tracemalloc
from pathlib import Path

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test import RequestFactory, override_settings

from lab.core.admin import LabCSV, LabXLSX
from lab.core.cache import invalidate_pages
from publications.exports import papers_response
from publications.models import Paper

FORMATS = ("bib", "json", "ris", "alfolio.bib", "hugoblox.zip", "admin.csv", "admin.xlsx")
#: The admin's export formats (lab.core.admin.LabCSV, LabXLSX), by the names above.
ADMIN_FORMATS = {"admin.csv": LabCSV, "admin.xlsx": LabXLSX}
#: The growth allowed (issue 14: under 50 MB over an idle process, whatever the number).
MEMORY_TARGET_MB = 50
_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _status_kb(name: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> int | None:
    """Reset the process's peak resident memory to its current one; that one, in kB."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return None
    return _status_kb("VmRSS")


def _admin_response(papers, fmt: str):
    """The paper admin's export of ``papers`` (its change list's order), as its export view
    makes it for a lab admin."""
    model_admin = admin.site._registry[Paper]
    # As after a write: the change list's count is not the one kept from the export before
    # (lab.core.changelists), so each admin export's queries are its own.
    invalidate_pages()
    request = RequestFactory().post("/admin/publications/paper/export/", SERVER_NAME="localhost")
    request.user = get_user_model()(is_active=True, is_staff=True, is_superuser=True)
    queryset = model_admin.get_export_queryset(request)
    if papers.query.high_mark is not None:  # the first N: the same order, no slice
        queryset = queryset.filter(pk__in=list(papers.values_list("pk", flat=True)))
    return model_admin._do_file_export(ADMIN_FORMATS[fmt](), request, queryset)


def _download(papers, fmt: str) -> int:
    """Make the download and read it to the end; its size in bytes."""
    request = RequestFactory().get("/", SERVER_NAME="localhost")
    with override_settings(ALLOWED_HOSTS=["localhost"]):  # al-folio's links to the site's pages
        if fmt in ADMIN_FORMATS:
            response = _admin_response(papers, fmt)
        else:
            response = papers_response(papers, fmt, filename="bench", request=request)
    if not response.streaming:
        return len(response.content)
    try:
        return sum(len(chunk) for chunk in response.streaming_content)
    finally:
        # As a server ends the response (the Hugo Blox zip's file is closed), but without the
        # request_finished signal, which would close this command's database connection.
        request_finished.disconnect(close_old_connections)
        try:
            response.close()
        finally:
            request_finished.connect(close_old_connections)


def measure(papers, fmt: str) -> dict:
    gc.collect()
    before_kb = _reset_peak_rss()
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        size = _download(papers, fmt)
    seconds = time.perf_counter() - started
    peak_kb = _status_kb("VmHWM") if before_kb is not None else None
    gc.collect()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    _download(papers, fmt)
    traced = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return {
        "seconds": seconds,
        "queries": counter.count,
        "bytes": size,
        "traced_mb": traced / 2**20,
        "rss_mb": None if peak_kb is None else (peak_kb - before_kb) / 2**10,
    }


class Command(BaseCommand):
    help = "Time the BibTeX, CSL-JSON and al-folio exports and measure their memory."

    def add_arguments(self, parser):
        parser.add_argument(
            "--papers",
            type=int,
            nargs="*",
            default=[],
            help="Numbers of papers to export (the first N); all of them by default.",
        )
        parser.add_argument("--formats", nargs="*", default=list(FORMATS), choices=FORMATS)

    def handle(self, *args, papers, formats, **options):
        total = Paper.objects.count()
        if not total:
            raise CommandError("No papers: run `manage.py generate_lab` first.")
        counts = sorted({min(n, total) for n in papers} or {total})
        self.stdout.write(
            f"database vendor={connection.vendor} papers={total} "
            f"people={Paper.authors.through.objects.values('person').distinct().count()}"
        )
        worst = 0.0
        for count in counts:
            queryset = Paper.objects.all() if count == total else Paper.objects.all()[:count]
            for fmt in formats:
                figures = measure(queryset, fmt)
                rss = "-" if figures["rss_mb"] is None else f"{figures['rss_mb']:.1f}"
                worst = max(worst, figures["traced_mb"], figures["rss_mb"] or 0)
                self.stdout.write(
                    f"export format={fmt} papers={count} seconds={figures['seconds']:.2f} "
                    f"queries={figures['queries']} mb={figures['bytes'] / 2**20:.1f} "
                    f"traced_mb={figures['traced_mb']:.1f} rss_mb={rss}"
                )
        verdict = "met" if worst < MEMORY_TARGET_MB else "NOT met"
        self.stdout.write(
            f"target memory growth < {MEMORY_TARGET_MB} MB: {verdict} (worst={worst:.1f})"
        )
