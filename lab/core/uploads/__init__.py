"""Uploaded spreadsheets turned into rows safely, before any import resource sees them.

Lab admins import CSV and XLSX files. Every file is checked here first, and anything wrong comes
back as an ``UploadError`` (a ``ValueError``) whose message says, in words a lab admin
understands, what is wrong and where (row, column, sheet, cell), never as a 500 or a hang.

Every check is bounded before the expensive step it protects:

- size: the upload is refused when its declared size is over ``IMPORT_MAX_UPLOAD_BYTES`` (10 MB),
  and never more than that plus one byte is read from a file object;
- CSV: decoded as UTF-8 (with or without a byte order mark) only after binary signatures, NUL
  bytes and UTF-16 have been ruled out; rows and columns are counted while reading and reading
  stops at the caps (``IMPORT_MAX_ROWS``, ``IMPORT_MAX_COLUMNS``);
- XLSX: the zip container is judged from its directory alone (number of entries, total unpacked
  size, compression ratio of each entry, compression method, encryption) before anything is
  unpacked; Python's zipfile never unpacks more than the declared size of an entry. Then every
  XML part is streamed once through defusedxml's SAX parser with DTDs forbidden, which refuses
  entity bombs and external entities at their declaration and counts rows, cells per row, shared
  strings and text length in constant memory, stopping at the caps. Only then does openpyxl
  (read-only mode, which itself parses with defusedxml: ``openpyxl.DEFUSEDXML``) read the cell
  values, limited to the rows and columns the scan found.

Cells: a formula cell in XLSX, or a CSV cell that starts like a formula (``=``, ``+``, ``@``,
tab, carriage return), is refused with the cell named, except that ``+`` followed only by digits
and phone punctuation (``+44 20 7946 0958``, ``+3``) is a plain value, and ``-`` never starts a
formula here (``-3`` is a number). A text cell that starts with an apostrophe followed by one of
the characters ``lab.core.spreadsheets.escape_cell`` escapes is an escaped value from our own
export: the one apostrophe is removed so that export then import gives back the same text.

The resulting ``tablib.Dataset`` has the stripped header names as headers, entirely blank rows
dropped, and ``dataset.source_rows``: the spreadsheet row number (header = row 1) of each data
row, so later errors can name the row the admin sees (``source_row(dataset, index)``).

ODS (OpenDocument) files are refused with a message asking for XLSX or CSV: django-import-export
4.4.3 cannot read them (UnicodeDecodeError) and odfpy's XML parsing would need its own review.

The package is split by stage; each module's docstring says what it owns:

- ``reading``: the entry points (``read_dataset``, ``read_workbook``), the size cap
  (``check_upload_size``, ``read_upload``) and the kind of file (``kind_from_filename``);
- ``csv_files``: CSV decoding and reading, cell by cell;
- ``xlsx_files``: the zip container's checks, the XML scan with defusedxml, openpyxl reading;
- ``dataset``: the rows of either stage assembled into a ``tablib.Dataset`` (header, caps,
  blank rows, ``source_rows``), and the checks an import runs on it (``check_columns``,
  ``check_unique``, ``source_row``);
- ``messages``: the hints and the messages several checks share;
- ``formats``: ``SafeCSV`` and ``SafeXLSX``, the import formats of django-import-export;
- ``common``: the caps (``limit``), ``UploadError`` and the helpers every stage uses.

Import from the package (``from lab.core.uploads import read_dataset``), not from its modules.
"""

from lab.core.uploads.common import (
    DEFAULT_LIMITS,
    MAX_CELL_CHARS,
    MAX_CELLS_PER_ROW,
    MAX_SHARED_STRINGS,
    RATIO_CHECK_MIN_BYTES,
    UploadError,
    limit,
)
from lab.core.uploads.dataset import check_columns, check_unique, source_row
from lab.core.uploads.formats import SafeCSV, SafeXLSX
from lab.core.uploads.messages import CSV_EXCEL_HINT, DAMAGED_WORKBOOK, RESAVE_HINT
from lab.core.uploads.reading import (
    check_upload_size,
    kind_from_filename,
    read_dataset,
    read_upload,
    read_workbook,
)

__all__ = [
    "CSV_EXCEL_HINT",
    "DAMAGED_WORKBOOK",
    "DEFAULT_LIMITS",
    "MAX_CELLS_PER_ROW",
    "MAX_CELL_CHARS",
    "MAX_SHARED_STRINGS",
    "RATIO_CHECK_MIN_BYTES",
    "RESAVE_HINT",
    "SafeCSV",
    "SafeXLSX",
    "UploadError",
    "check_columns",
    "check_unique",
    "check_upload_size",
    "kind_from_filename",
    "limit",
    "read_dataset",
    "read_upload",
    "read_workbook",
    "source_row",
]
