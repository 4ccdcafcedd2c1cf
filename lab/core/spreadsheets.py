"""Spreadsheet downloads that are safe to open: CSV and XLSX from a tablib Dataset.

Formula injection (OWASP "CSV Injection"): a spreadsheet program treats a cell whose text
starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and a control character in front (tab,
CR, NUL, or any other that a reader or openpyxl drops) can smuggle one past naive checks. A
byline or title typed by anyone with an account could then run ``=HYPERLINK(...)`` or worse on
the computer of whoever opens the download. Every exported text cell that starts with one of
those characters gets a leading apostrophe, the convention
spreadsheet programs themselves use for "this is text". Numbers, booleans, dates and empty cells
are left alone, so a year stays a number that sorts and sums. django-import-export's own
``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` strips only a leading ``=`` and only on the admin
path, hence this module.

CSV is written as UTF-8 *with* a byte order mark: Excel opens a BOM-less CSV in the machine's
legacy code page and turns "Ixeia Sánchez Pérez" into mojibake, while LibreOffice, pandas
(``encoding="utf-8-sig"``) and Python's ``csv`` with ``utf-8-sig`` read the BOM fine. Rows end in
CRLF as RFC 4180 says.

XLSX is written with openpyxl's write-only mode, which streams rows to the file instead of
building a worksheet object per cell, so memory stays flat for large exports.
"""

import csv
import datetime
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence

import tablib
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: A text cell starting with one of these is escaped: the formula signs, and every control
#: character (U+0000 to U+001F: tab, CR, NUL, ...), which some readers drop.
FORMULA_TRIGGERS = ("=", "+", "-", "@", *map(chr, range(0x20)))
_TRIGGERS = frozenset(FORMULA_TRIGGERS)
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPREADSHEET_FORMATS = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}
# Records an export reads per query (with their prefetches), LabResource.iter_queryset.
EXPORT_CHUNK_SIZE = 2000


def escape_cell(value):
    """The cell with a leading apostrophe when it is text a spreadsheet would run as a formula.

    Only strings change: ``"=1+1"`` -> ``"'=1+1"``, ``"-x"`` -> ``"'-x"``; ``2024``, ``-3``,
    ``True``, ``None`` and dates come back as they are.
    """
    if isinstance(value, str) and value[:1] in _TRIGGERS:
        return "'" + value
    return value


def escaped_row(row: Iterable) -> list:
    """A row for CSV: each cell as ``escape_cell`` gives it, None as an empty cell. Inlined
    rather than a call per cell: a big export escapes hundreds of thousands of cells."""
    return [
        "" if v is None else "'" + v if isinstance(v, str) and v[:1] in _TRIGGERS else v
        for v in row
    ]


class EscapedExportMixin:
    """For django-import-export resources: escape every exported cell, and load the rows in
    one go.

    ``export_field`` is the one place every cell passes through, whichever path exports (the
    admin, a command, a site download). ``iter_queryset`` is overridden because the library
    pages through a queryset that has prefetches by 100 records, which costs a count query plus
    a query per page and prefetch: here the records are read ``EXPORT_CHUNK_SIZE`` at a time
    with their prefetches (Django's ``iterator(chunk_size)``), so a long export neither holds
    every record in memory nor runs a query per hundred.
    """

    def export_field(self, field, instance, **kwargs):
        return escape_cell(super().export_field(field, instance, **kwargs))

    def iter_queryset(self, queryset):
        if isinstance(queryset, QuerySet):
            yield from queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE)
        else:
            yield from queryset


def csv_bytes(headers: Sequence, rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(escaped_row(headers))
    writer.writerows(map(escaped_row, rows))
    return buffer.getvalue().encode("utf-8-sig")


def csv_chunks(
    headers: Sequence, rows: Iterable[Sequence], *, rows_per_chunk: int
) -> Iterator[bytes]:
    """The bytes of ``csv_bytes`` in pieces, written as ``rows`` are read: the BOM and the
    header row with the first ``rows_per_chunk`` rows, then ``rows_per_chunk`` rows at a time
    (a long list streams; only the current piece is in memory)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(escaped_row(headers))
    for count, row in enumerate(rows, 1):
        writer.writerow(escaped_row(row))
        if count % rows_per_chunk == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _xlsx_value(value):
    if isinstance(value, str):
        # XML 1.0 cannot hold most control characters and openpyxl refuses them: they are
        # dropped *before* escaping, so that "\x01=1" cannot turn into the formula "=1".
        return escape_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        # XLSX has no time zones: write the site's local time, as the pages show it.
        return timezone.make_naive(value)
    return value


def xlsx_bytes(headers: Sequence, rows: Iterable[Sequence], *, title: str = "Export") -> bytes:
    """One sheet as XLSX bytes, written like ``write_xlsx_sheets``."""
    buffer = io.BytesIO()
    write_xlsx_sheets(buffer, [(title or "Export", headers, rows)])
    return buffer.getvalue()


def attachment(content: bytes | str, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def attachment_or_stream(chunks: Iterable[bytes], *, content_type: str, filename: str):
    """One piece: the file whole (an HttpResponse, which the page cache keeps for visitors and
    which has a Content-Length). More: a StreamingHttpResponse that writes the rest as the
    client reads it."""
    chunks = iter(chunks)
    first = next(chunks, b"")
    second = next(chunks, None)
    if second is None:
        return attachment(first, content_type=content_type, filename=filename)
    response = StreamingHttpResponse(
        itertools.chain((first, second), chunks), content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def dataset_response(dataset: tablib.Dataset, fmt: str, *, filename: str) -> HttpResponse:
    """The dataset as a CSV or XLSX download named ``<filename>.<fmt>``; 404 for another fmt."""
    if fmt == "csv":
        content = csv_bytes(dataset.headers or [], dataset)
    elif fmt == "xlsx":
        content = xlsx_bytes(dataset.headers or [], dataset, title=dataset.title or filename)
    else:
        raise Http404(f"No download in the format “{fmt}”.")
    return attachment(content, content_type=SPREADSHEET_FORMATS[fmt], filename=f"{filename}.{fmt}")


# --- streaming: big exports and workbooks (lab.workbook) ---------------------------------------
#
# The functions above take rows that are already in memory (a tablib Dataset). The ones below
# take iterables and write as they go, so an export of 20,000 papers keeps only the current row
# in memory: XLSX through openpyxl's write-only mode (each sheet is streamed to a temporary file
# and zipped on save), CSV straight to the output. See docs/workbook.md.


def sheet_title(title: str) -> str:
    """A valid worksheet name: no []:*?/\\ and at most 31 characters."""
    return _SHEET_TITLE_FORBIDDEN.sub("-", title)[:31] or "Sheet"


def write_xlsx_sheets(target, sheets: Iterable[tuple[str, Sequence, Iterable[Sequence]]]) -> None:
    """Write ``(title, headers, rows)`` sheets to ``target`` (a path or a binary file object)
    as one XLSX workbook, every cell escaped, the header row bold, rows streamed."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=sheet_title(title))
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=_xlsx_value(header))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        append = sheet.append
        for row in rows:
            append([_xlsx_value(value) for value in row])
    workbook.save(target)


def write_csv(target, headers: Sequence, rows: Iterable[Sequence]) -> None:
    """Write a CSV like ``csv_bytes`` (UTF-8 with BOM, CRLF, cells escaped) to a text file
    object, row by row."""
    writer = csv.writer(target, lineterminator="\r\n")
    target.write("\ufeff")
    writer.writerow(escaped_row(headers))
    writer.writerows(map(escaped_row, rows))


def ods_bytes(sheets: Iterable[tuple[str, Sequence, Iterable[Sequence]]]) -> bytes:
    """``(title, headers, rows)`` sheets as one OpenDocument spreadsheet (tablib with odfpy),
    cells escaped, numbers numeric. Built in memory: meant for the workbook, not huge lists."""
    book = tablib.Databook()
    for title, headers, rows in sheets:
        dataset = tablib.Dataset(headers=[escape_cell(h) for h in headers])
        dataset.title = sheet_title(title)
        for row in rows:
            dataset.append([_ods_value(value) for value in row])
        book.add_sheet(dataset)
    return book.export("ods")


def _ods_value(value):
    value = _xlsx_value(value)
    if isinstance(value, datetime.date):
        # tablib's ODS workbook does not declare its date styles: write dates as ISO text.
        return value.isoformat()
    return value
