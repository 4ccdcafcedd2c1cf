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
"""

import codecs
import csv
import datetime
import difflib
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

import openpyxl
import tablib
from defusedxml import DefusedXmlException
from defusedxml.expatreader import create_parser
from django.conf import settings
from import_export.formats import base_formats
from openpyxl.styles.numbers import is_datetime
from openpyxl.utils import get_column_letter

from lab.core.spreadsheets import FORMULA_TRIGGERS

DEFAULT_LIMITS = {
    "IMPORT_MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 50_000,
    "IMPORT_MAX_COLUMNS": 100,
    "IMPORT_MAX_SHEETS": 50,
    "IMPORT_MAX_ZIP_ENTRIES": 1000,
    "IMPORT_MAX_UNCOMPRESSED_BYTES": 200 * 1024 * 1024,
    "IMPORT_MAX_COMPRESSION_RATIO": 100,
}
#: Entries smaller than this unpack to little whatever their ratio; the ratio cap skips them.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
#: Excel's own limits: characters in a cell, columns in a row.
MAX_CELL_CHARS = 32_767
MAX_CELLS_PER_ROW = 16_384
MAX_SHARED_STRINGS = 1_000_000

CSV_EXCEL_HINT = (
    "Save it as CSV UTF-8: in Excel choose File > Save As > “CSV UTF-8 (Comma delimited)”; "
    "in LibreOffice tick “Edit filter settings” and pick the character set “Unicode (UTF-8)”."
)
RESAVE_HINT = "Open it in Excel or LibreOffice and save it again as an Excel Workbook (.xlsx)."
DAMAGED_WORKBOOK = "The workbook could not be read; it may be damaged. " + RESAVE_HINT

# Signatures of binary files people upload by mistake (first bytes of the file).
_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
]
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# "+" followed only by digits and phone/number punctuation is a value, not a formula.
_SIGNED_NUMBER = re.compile(r"\+[0-9 ().,/eE+-]*")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})?([0-9]+)?")


class UploadError(ValueError):
    """An uploaded file cannot be imported; the message is meant for the lab admin as it is."""


def limit(name: str) -> int:
    """The cap ``name`` (a key of ``DEFAULT_LIMITS``), from the settings or its default."""
    return getattr(settings, name, DEFAULT_LIMITS[name])


# --- public API ---------------------------------------------------------------------------------


def read_dataset(source, *, filename: str | None, kind: str | None = None) -> tablib.Dataset:
    """The rows of one uploaded CSV or XLSX file (the single sheet with data, for XLSX).

    ``source`` is bytes, text (CSV only) or a file object such as Django's ``UploadedFile``.
    The kind of file comes from ``filename``'s extension, or from ``kind`` ("csv" or "xlsx")
    when given (the admin's format classes know the format, not the name).
    Raises ``UploadError`` for anything that cannot be imported.
    """
    kind = kind or kind_from_filename(filename)
    data = read_upload(source)
    if kind == "csv":
        return _read_csv(data)
    if kind == "xlsx":
        sheets = _read_xlsx(_as_bytes(data), single=True)
        return next(iter(sheets.values()))
    raise ValueError(f"Unknown kind {kind!r}")


def read_workbook(source, *, filename: str | None) -> dict[str, tablib.Dataset]:
    """Sheet name -> rows of every worksheet that holds data in an uploaded XLSX workbook.

    Sheets without any cell value are left out. Each sheet is checked like ``read_dataset``.
    CSV and ODS files are refused: a workbook import needs one sheet per kind of record.
    """
    if PurePath(filename or "").suffix.lower() in (".ods", ".fods"):
        raise UploadError(
            "OpenDocument spreadsheets (.ods) cannot be imported: in LibreOffice choose "
            "File > Save As and pick “Excel 2007-365 (.xlsx)”."
        )
    if kind_from_filename(filename) != "xlsx":
        raise UploadError(
            "A whole-lab import needs an Excel workbook (.xlsx) with one sheet per kind of record."
        )
    return _read_xlsx(_as_bytes(read_upload(source)), single=False)


def kind_from_filename(filename: str | None) -> str:
    """"csv" or "xlsx" from the file name's extension; UploadError for anything else."""
    extension = PurePath(filename or "").suffix.lower()
    if extension == ".csv":
        return "csv"
    if extension == ".xlsx":
        return "xlsx"
    if extension == ".xls":
        raise UploadError(
            "Old Excel 97-2003 files (.xls) cannot be imported. " + RESAVE_HINT
        )
    if extension == ".xlsm":
        raise UploadError(
            "Macro-enabled workbooks (.xlsm) cannot be imported. " + RESAVE_HINT
        )
    if extension in (".ods", ".fods"):
        raise UploadError(
            "OpenDocument spreadsheets (.ods) cannot be imported: in LibreOffice choose "
            "File > Save As and pick “Excel 2007-365 (.xlsx)”, or save the sheet as CSV UTF-8."
        )
    if not extension:
        raise UploadError("The file name has no extension: upload a .csv or .xlsx file.")
    raise UploadError(
        f"Files of type “{_excerpt(extension, 10)}” cannot be imported: "
        "upload a .csv or .xlsx file."
    )


def check_upload_size(upload) -> None:
    """Refuse an upload whose declared size (``UploadedFile.size``) is over the cap, unread."""
    size = getattr(upload, "size", None)
    cap = limit("IMPORT_MAX_UPLOAD_BYTES")
    if size is not None and size > cap:
        raise UploadError(_too_big(size, cap))


def read_upload(source) -> bytes | str:
    """The content of ``source`` (bytes, str or file object), read no further than the cap."""
    cap = limit("IMPORT_MAX_UPLOAD_BYTES")
    if isinstance(source, str):
        size = len(source.encode("utf-8", "surrogatepass"))
        if size > cap:
            raise UploadError(_too_big(size, cap))
        return source
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        check_upload_size(source)
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read(cap + 1)
        if isinstance(data, str):
            return read_upload(data)
    if len(data) > cap:
        raise UploadError(_too_big(len(data), cap, at_least=not isinstance(source, bytes)))
    return data


def check_columns(headers: Iterable[str], *, required: Iterable[str], allowed: Iterable[str]):
    """Raise UploadError naming the missing ``required`` columns and the columns not ``allowed``.

    ``allowed`` is every column the import reads (``required`` ones count as allowed too).
    """
    headers = list(headers)
    required = list(required)
    allowed = list(dict.fromkeys([*required, *allowed]))
    missing = [name for name in required if name not in headers]
    unknown = [name for name in headers if name not in allowed]
    problems = []
    if missing:
        columns = "the column" if len(missing) == 1 else "the columns"
        problems.append(f"The file lacks {columns} {_names(missing)}.")
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, allowed, n=1)
            hints.append(f"“{name}” (did you mean “{close[0]}”?)" if close else f"“{name}”")
        columns = "a column" if len(unknown) == 1 else "columns"
        problems.append(
            f"The file has {columns} this import does not know: {_join(hints)}. "
            f"The columns it reads are {_names(allowed)}."
        )
    if problems:
        raise UploadError(" ".join(problems))


def check_unique(dataset: tablib.Dataset, column: str) -> None:
    """Raise UploadError when two rows have the same value in ``column`` (blank cells ignored).

    Values are compared without surrounding spaces and ignoring case; the message names the
    spreadsheet rows: "Rows 4 and 9 both have slug “hao-wang”."
    """
    if column not in (dataset.headers or []):
        raise UploadError(f"The file has no column “{column}”.")
    index = dataset.headers.index(column)
    seen: dict[object, list[int]] = {}
    first_value: dict[object, object] = {}
    for position, row in enumerate(dataset):
        value = row[index]
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        key = value.strip().casefold() if isinstance(value, str) else value
        seen.setdefault(key, []).append(source_row(dataset, position))
        first_value.setdefault(key, value)
    duplicates = [(rows, first_value[key]) for key, rows in seen.items() if len(rows) > 1]
    if not duplicates:
        return
    messages = []
    for rows, value in duplicates[:5]:
        both = "both have" if len(rows) == 2 else "all have"
        shown = value.strip() if isinstance(value, str) else value
        messages.append(f"Rows {_join([str(r) for r in rows])} {both} {column} “{shown}”.")
    if len(duplicates) > 5:
        messages.append(f"({len(duplicates) - 5} more values are repeated.)")
    raise UploadError(
        " ".join(messages) + f" Each {column} may appear only once in a file."
    )


def source_row(dataset: tablib.Dataset, index: int) -> int:
    """The spreadsheet row number (header = 1) of the data row at ``index`` of ``dataset``."""
    rows = getattr(dataset, "source_rows", None)
    if rows is not None and 0 <= index < len(rows):
        return rows[index]
    return index + 2


class SafeCSV(base_formats.CSV):
    """django-import-export's CSV import format with this module's checks.

    It asks the admin for the raw bytes (``is_binary``/``get_read_mode``) so that decoding
    errors are ours to word, instead of a UnicodeDecodeError raised while the admin reads its
    temporary file. Import only: exports have their own escaped path (lab.core.spreadsheets).
    """

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def can_export(self):
        return False

    def create_dataset(self, in_stream, **kwargs):
        return read_dataset(in_stream, filename=None, kind="csv")


class SafeXLSX(base_formats.XLSX):
    """django-import-export's XLSX import format with this module's checks (import only)."""

    def can_export(self):
        return False

    def create_dataset(self, in_stream, **kwargs):
        return read_dataset(in_stream, filename=None, kind="xlsx")


# --- CSV ----------------------------------------------------------------------------------------


def _read_csv(data: bytes | str) -> tablib.Dataset:
    if isinstance(data, bytes):
        text = _decode_csv(data)
    else:
        text = data.removeprefix("\ufeff")
        if not text:
            raise UploadError("The file is empty (0 bytes).")
    _check_control_characters(text)
    return _assemble(_csv_rows(text), title=None, where=_csv_where)


def _decode_csv(data: bytes) -> str:
    if not data:
        raise UploadError("The file is empty (0 bytes).")
    if data.startswith(_ZIP_MAGIC):
        raise UploadError(
            "This is not a CSV file: it looks like an Excel workbook or another zip archive. "
            "Import a workbook as .xlsx, or save the sheet as CSV UTF-8."
        )
    if data.startswith(_OLE_MAGIC):
        raise UploadError(
            "This is not a CSV file: it looks like an old Excel 97-2003 (.xls) or Word file. "
            + CSV_EXCEL_HINT
        )
    what = _known_binary(data)
    if what:
        raise UploadError(f"This is not a CSV file: it is {what}.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UploadError("The file is saved as UTF-16 (“Unicode Text”). " + CSV_EXCEL_HINT)
    nul = data.find(b"\0")
    if nul >= 0:
        raise UploadError(_nul_message(data.count(b"\n", 0, nul) + 1))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise UploadError(
            f"The file is not UTF-8 text (the first unreadable character is on line {line}). "
            + CSV_EXCEL_HINT
        ) from None


def _nul_message(line: int) -> str:
    return (
        f"The file contains binary data (a NUL byte on line {line}), so it is not a CSV text "
        "file. Save the sheet as CSV UTF-8."
    )


def _check_control_characters(text: str) -> None:
    match = _CONTROL_CHARS.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        if match.group() == "\0":
            raise UploadError(_nul_message(line))
        raise UploadError(
            f"Line {line} contains a control character (U+{ord(match.group()):04X}) that a CSV "
            "text file cannot hold; the file is damaged or is not a CSV file."
        )


def _csv_rows(text: str) -> Iterator[tuple[int, list]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        if ";" in first_line:
            delimiter = ";"
        elif "\t" in first_line:
            delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise UploadError(_cell_too_long(f"Row {number}")) from None
            if "unexpected end of data" in str(error):
                problem = "opens a quote (\") that is never closed"
            elif "expected after" in str(error):
                problem = "has text right after a closing quote (\")"
            else:
                problem = "cannot be read as CSV"
            raise UploadError(f"Row {number} {problem}; check the quotes in that row.") from None
        yield number, [_csv_cell(value, number, position) for position, value in enumerate(cells)]


def _csv_cell(value: str, row: int, position: int) -> str:
    if len(value) > MAX_CELL_CHARS:
        raise UploadError(_cell_too_long(f"Row {row}, column {get_column_letter(position + 1)}"))
    if not value:
        return value
    if value[0] == "'" and value[1:2] and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    if value[0] in "=@\t\r" or (value[0] == "+" and not _SIGNED_NUMBER.fullmatch(value)):
        raise _FormulaLike(row, position, value)
    return value


class _FormulaLike(Exception):
    """A CSV cell that starts like a formula; becomes an UploadError once the column is known."""

    def __init__(self, row, position, value):
        super().__init__(row, position, value)
        self.row = row
        self.position = position
        self.value = value


def _csv_where(row: int, position: int, name: str | None) -> str:
    if name:
        return f"Row {row}, column “{name}”"
    return f"Row {row}, column {get_column_letter(position + 1)}"


# --- XLSX ---------------------------------------------------------------------------------------


@dataclass
class _PartStats:
    """What the streaming scan learnt about one worksheet part."""

    max_row: int = 0  # last row number holding a value
    max_column: int = 0  # last column number holding a value
    too_many_rows: bool = False
    too_many_columns: bool = False
    has_values: bool = False


@dataclass
class _ScanState:
    part: str
    max_rows: int
    max_columns: int
    stats: _PartStats = field(default_factory=_PartStats)
    root: str | None = None
    row: int = 0
    column: int = 0
    cells_in_row: int = 0
    cell_has_value: bool = False
    in_text: bool = False
    text_length: int = 0
    strings: int = 0


class _StopScan(Exception):
    """The scan saw enough of a worksheet to know it is over a cap."""


class _ScanHandler(ContentHandler):
    """Counts rows, cells and strings of one XML part without building a tree."""

    def __init__(self, state: _ScanState):
        super().__init__()
        self.state = state

    def startElement(self, name, attrs):
        state = self.state
        local = name.rpartition(":")[2]
        if state.root is None:
            state.root = local
        if state.root == "worksheet":
            if local == "row":
                row = attrs.get("r")
                state.row = int(row) if row and row.isdigit() else state.row + 1
                state.column = 0
                state.cells_in_row = 0
            elif local == "c":
                state.cells_in_row += 1
                if state.cells_in_row > MAX_CELLS_PER_ROW:
                    raise UploadError(
                        f"The workbook's part “{state.part}” has a row with more than "
                        f"{MAX_CELLS_PER_ROW:,} cells, more than Excel itself allows; "
                        "the file is refused."
                    )
                state.column = _column_number(attrs.get("r"), state.column + 1)
                state.cell_has_value = False
            elif local in ("v", "f", "is"):
                state.cell_has_value = True
        elif state.root == "sst" and local == "si":
            state.strings += 1
            if state.strings > MAX_SHARED_STRINGS:
                raise UploadError(
                    f"The workbook holds more than {MAX_SHARED_STRINGS:,} different texts; "
                    "the file is refused. Split the data into smaller files."
                )
            state.text_length = 0
        if local == "t":
            state.in_text = True
            if state.root == "worksheet":
                state.text_length = 0

    def endElement(self, name):
        state = self.state
        local = name.rpartition(":")[2]
        if local == "t":
            state.in_text = False
        elif local == "c" and state.root == "worksheet" and state.cell_has_value:
            stats = state.stats
            stats.has_values = True
            stats.max_row = max(stats.max_row, state.row)
            stats.max_column = max(stats.max_column, state.column)
            if stats.max_row > state.max_rows + 1:
                stats.too_many_rows = True
                raise _StopScan
            if stats.max_column > state.max_columns:
                stats.too_many_columns = True
                raise _StopScan

    def characters(self, content):
        state = self.state
        if state.in_text:
            state.text_length += len(content)
            if state.text_length > MAX_CELL_CHARS:
                raise UploadError(
                    f"The workbook's part “{state.part}” holds a text of more than "
                    f"{MAX_CELL_CHARS:,} characters, the most a spreadsheet cell can hold."
                )


def _column_number(reference: str | None, default: int) -> int:
    if not reference:
        return default
    letters = _CELL_REF.fullmatch(reference)
    if not letters or not letters.group(1):
        return default
    number = 0
    for letter in letters.group(1).upper():
        number = number * 26 + ord(letter) - 64
    return number


def _read_xlsx(data: bytes, *, single: bool) -> dict[str, tablib.Dataset]:
    archive = _open_zip(data)
    try:
        stats = _scan_xml_parts(archive)
    finally:
        archive.close()
    return _read_sheets(data, stats, single=single)


def _open_zip(data: bytes) -> zipfile.ZipFile:
    if not data:
        raise UploadError("The file is empty (0 bytes).")
    if data.startswith(_OLE_MAGIC):
        raise UploadError(
            "This is an old Excel 97-2003 file (.xls) or a password-protected workbook, which "
            "cannot be imported: remove any password and save it as an Excel Workbook (.xlsx)."
        )
    if not data.startswith(_ZIP_MAGIC):
        what = _known_binary(data)
        if what:
            raise UploadError(f"This is not an Excel workbook (.xlsx): it is {what}.")
        if _looks_like_text(data):
            raise UploadError(
                "This is not an Excel workbook (.xlsx): it is a text file. If it is a CSV file, "
                "give it the .csv extension (or choose the csv format)."
            )
        raise UploadError("This is not an Excel workbook (.xlsx), or it is damaged. " + RESAVE_HINT)
    declared = _declared_zip_entries(data)
    max_entries = limit("IMPORT_MAX_ZIP_ENTRIES")
    if declared is not None and declared > max_entries:
        raise _too_many_entries(declared, max_entries)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # BadZipFile, and worse for a mangled directory
        raise UploadError(
            "The workbook is damaged (its zip container cannot be read). " + RESAVE_HINT
        ) from None
    try:
        _check_zip_directory(archive.infolist())
        _check_workbook_kind(archive)
    except BaseException:
        archive.close()
        raise
    return archive


def _declared_zip_entries(data: bytes) -> int | None:
    """The entry count in the zip's end-of-central-directory record, read before zipfile does."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 12:
        return None
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    return None if count == 0xFFFF else count


def _too_many_entries(count: int, cap: int) -> UploadError:
    return UploadError(
        f"The workbook holds {count:,} files inside its zip container; real spreadsheets hold "
        f"far fewer (at most {cap:,} accepted), so it is refused as a possible zip bomb."
    )


def _check_zip_directory(entries: Sequence[zipfile.ZipInfo]) -> None:
    max_entries = limit("IMPORT_MAX_ZIP_ENTRIES")
    if len(entries) > max_entries:
        raise _too_many_entries(len(entries), max_entries)
    total = sum(entry.file_size for entry in entries)
    max_total = limit("IMPORT_MAX_UNCOMPRESSED_BYTES")
    if total > max_total:
        raise UploadError(
            f"The workbook would unpack to {_size(total)}, more than the {_size(max_total)} "
            "accepted, so it is refused as a possible zip bomb. Split the data into smaller files."
        )
    max_ratio = limit("IMPORT_MAX_COMPRESSION_RATIO")
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise UploadError(
                "The workbook is encrypted (password-protected): remove the password and "
                "save it again."
            )
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadError(
                f"The workbook's part “{_excerpt(entry.filename)}” uses a compression method "
                "that Excel and LibreOffice never use; the file is refused. " + RESAVE_HINT
            )
        if entry.file_size > RATIO_CHECK_MIN_BYTES:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if ratio > max_ratio:
                raise UploadError(
                    f"The workbook's part “{_excerpt(entry.filename)}” is compressed "
                    f"{ratio:,.0f} to 1, far more than real spreadsheets (at most {max_ratio} to 1 "
                    "accepted), so the file is refused as a possible zip bomb."
                )


def _check_workbook_kind(archive: zipfile.ZipFile) -> None:
    names = set(archive.namelist())
    if "xl/workbook.xml" in names or any(n.endswith("/workbook.xml") for n in names):
        return
    if "word/document.xml" in names:
        raise UploadError("This is a Word document (.docx), not an Excel workbook (.xlsx).")
    if "ppt/presentation.xml" in names:
        raise UploadError("This is a PowerPoint file (.pptx), not an Excel workbook (.xlsx).")
    if "content.xml" in names and "META-INF/manifest.xml" in names:
        raise UploadError(
            "This is an OpenDocument file (such as .ods), not an Excel workbook: in LibreOffice "
            "choose File > Save As and pick “Excel 2007-365 (.xlsx)”."
        )
    raise UploadError("This is a zip archive, not an Excel workbook (.xlsx).")


def _scan_xml_parts(archive: zipfile.ZipFile) -> dict[str, _PartStats]:
    """Stream every XML part once: refuse DTDs/entities, collect worksheet sizes."""
    max_rows, max_columns = limit("IMPORT_MAX_ROWS"), limit("IMPORT_MAX_COLUMNS")
    stats = {}
    for entry in archive.infolist():
        if entry.is_dir():
            continue
        state = _ScanState(part=entry.filename, max_rows=max_rows, max_columns=max_columns)
        try:
            with archive.open(entry) as stream:
                start = stream.read(512)
                if not _looks_like_xml(start):
                    continue
                parser = create_parser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
                parser.setContentHandler(_ScanHandler(state))
                parser.feed(start)
                while chunk := stream.read(64 * 1024):
                    parser.feed(chunk)
                parser.close()
        except _StopScan:
            pass
        except DefusedXmlException:
            raise UploadError(
                f"The workbook's part “{_excerpt(entry.filename)}” declares XML entities or a "
                "document type (DTD), which spreadsheets never use and which XML “entity bomb” "
                "attacks rely on; the file is refused."
            ) from None
        except (SAXException, ValueError) as error:
            if isinstance(error, UploadError):
                raise
            raise UploadError(
                f"The workbook is damaged: its part “{_excerpt(entry.filename)}” is not valid "
                "XML. " + RESAVE_HINT
            ) from None
        except Exception:  # zipfile.BadZipFile, zlib.error, EOFError... from a damaged part
            raise UploadError(
                f"The workbook is damaged: its part “{_excerpt(entry.filename)}” cannot be "
                "unpacked. " + RESAVE_HINT
            ) from None
        if state.root == "worksheet":
            stats[entry.filename] = state.stats
    return stats


def _caused_by(error: BaseException, kind: type) -> bool:
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def _looks_like_xml(start: bytes) -> bool:
    """Parts that start with "<" (or with nothing but blanks) are XML to scan; images are not."""
    stripped = start.lstrip(b"\xef\xbb\xbf \t\r\n")
    return not stripped or stripped.startswith(b"<")


def _read_sheets(data: bytes, stats: dict[str, _PartStats], *, single: bool):
    if not openpyxl.DEFUSEDXML:  # pragma: no cover - guarded by tests/test_uploads.py
        raise UploadError("Workbook imports are switched off on this server (no defusedxml).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
    except UploadError:
        raise
    except Exception as error:
        # openpyxl wraps what defusedxml raises in a ValueError of its own.
        if _caused_by(error, DefusedXmlException):
            raise UploadError(
                "The workbook declares XML entities, which spreadsheets never use and which XML "
                "“entity bomb” attacks rely on; the file is refused."
            ) from None
        raise UploadError(DAMAGED_WORKBOOK) from None
    try:
        return _workbook_datasets(workbook, stats, single=single)
    except UploadError:
        raise
    except Exception:
        raise UploadError(DAMAGED_WORKBOOK) from None
    finally:
        workbook.close()


def _workbook_datasets(workbook, stats: dict[str, _PartStats], *, single: bool):
    worksheets = list(workbook.worksheets)
    max_sheets = limit("IMPORT_MAX_SHEETS")
    if len(worksheets) > max_sheets:
        raise UploadError(
            f"The workbook has {len(worksheets):,} sheets; at most {max_sheets} are accepted."
        )
    sized = []
    for sheet in worksheets:
        sheet_stats = stats.get(getattr(sheet, "_worksheet_path", None))
        if sheet_stats is None:
            # Not a part the scan saw as a worksheet: use the largest one seen as the bound.
            sheet_stats = _PartStats(
                max_row=max((s.max_row for s in stats.values()), default=0),
                max_column=max((s.max_column for s in stats.values()), default=0),
                too_many_rows=any(s.too_many_rows for s in stats.values()),
                too_many_columns=any(s.too_many_columns for s in stats.values()),
                has_values=any(s.has_values for s in stats.values()),
            )
        if sheet_stats.too_many_rows:
            raise _too_many_rows(f"Sheet “{sheet.title}”")
        if sheet_stats.too_many_columns:
            raise _too_many_columns(f"Sheet “{sheet.title}”")
        if sheet_stats.has_values:
            sized.append((sheet, sheet_stats))
    if single:
        if not sized:
            raise UploadError("The workbook is empty: no sheet holds any data.")
        if len(sized) > 1:
            raise UploadError(
                f"The workbook has {len(sized)} sheets with data "
                f"({_names([sheet.title for sheet, _ in sized])}); this import reads one sheet. "
                "Delete the other sheets, or use the whole-lab workbook import."
            )
    datasets = {}
    for sheet, sheet_stats in sized:
        rows = sheet.iter_rows(
            min_row=1, max_row=sheet_stats.max_row, min_col=1, max_col=sheet_stats.max_column
        )
        title = sheet.title
        datasets[title] = _assemble(
            _xlsx_rows(rows, title),
            title=title,
            where=lambda row, position, name, title=title: _xlsx_where(title, row, position, name),
        )
    return datasets


def _xlsx_rows(rows, title: str) -> Iterator[tuple[int, list]]:
    for number, cells in enumerate(rows, start=1):
        yield number, [_xlsx_value(cell, title, number) for cell in cells]


def _xlsx_value(cell, title: str, row: int):
    value = cell.value
    if value is None:
        return None
    data_type = cell.data_type
    if data_type == "f":
        formula = getattr(value, "text", None) or str(value)
        raise UploadError(
            f"Sheet “{title}”, cell {cell.coordinate} holds a formula ({_excerpt(formula)}); "
            "formulas are not imported — type the value instead."
        )
    if data_type == "e":
        raise UploadError(
            f"Sheet “{title}”, cell {cell.coordinate} holds an error value ({_excerpt(value)}); "
            "type the value instead."
        )
    if isinstance(value, str):
        if len(value) > MAX_CELL_CHARS:
            raise UploadError(_cell_too_long(f"Sheet “{title}”, cell {cell.coordinate}"))
        if value[:1] == "'" and value[1:2] and value[1] in FORMULA_TRIGGERS:
            return value[1:]
        return value
    if isinstance(value, datetime.datetime) and is_datetime(cell.number_format) == "date":
        return value.date()
    return value


def _xlsx_where(title: str, row: int, position: int, name: str | None) -> str:
    return f"Sheet “{title}”, cell {get_column_letter(position + 1)}{row}"


# --- common -------------------------------------------------------------------------------------


def _assemble(rows: Iterator[tuple[int, list]], *, title: str | None, where) -> tablib.Dataset:
    """A Dataset from (row number, cells) pairs, the first pair being the header row."""
    max_rows, max_columns = limit("IMPORT_MAX_ROWS"), limit("IMPORT_MAX_COLUMNS")
    prefix = f"Sheet “{title}”: " if title is not None else ""
    sheet = f"Sheet “{title}”" if title is not None else "The file"
    names: list[str] = []
    try:
        first = next(rows, None)
    except _FormulaLike as formula:
        raise _formula_error(where(1, formula.position, None), formula.value) from None
    if first is not None:
        names = [_header_name(value) for value in first[1]]
        while names and not names[-1]:
            names.pop()
    if not names:
        raise UploadError(
            prefix + "The first row is empty: it must hold the column names (the header row)."
        )
    if len(names) > max_columns:
        raise _too_many_columns(sheet)
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            continue
        key = name.casefold()
        if key in seen:
            raise UploadError(
                prefix + f"The header row names the column “{name}” twice (columns "
                f"{get_column_letter(seen[key] + 1)} and {get_column_letter(position + 1)}); "
                "each column name may appear only once."
            )
        seen[key] = position
    kept = [position for position, name in enumerate(names) if name]
    dataset = tablib.Dataset(headers=[names[position] for position in kept])
    dataset.title = title
    source_rows = []
    count = 0
    while True:
        try:
            item = next(rows, None)
        except _FormulaLike as formula:
            name = names[formula.position] if formula.position < len(names) else None
            location = where(formula.row, formula.position, name)
            raise _formula_error(location, formula.value) from None
        if item is None:
            break
        number, cells = item
        count += 1
        if count > max_rows:
            raise _too_many_rows(sheet)
        if len(cells) > max_columns and any(_filled(v) for v in cells[max_columns:]):
            raise _too_many_columns(sheet)
        if not any(_filled(value) for value in cells):
            continue
        for position, value in enumerate(cells):
            if _filled(value) and (position >= len(names) or not names[position]):
                letter = get_column_letter(position + 1)
                raise UploadError(
                    f"{where(number, position, None)} holds a value, but column {letter} has "
                    "no name in the header row."
                )
        blank = "" if title is None else None
        dataset.append([cells[p] if p < len(cells) else blank for p in kept])
        source_rows.append(number)
    dataset.source_rows = source_rows
    return dataset


def _header_name(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _filled(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _formula_error(where: str, value: str) -> UploadError:
    return UploadError(
        f"{where} starts like a formula ({_excerpt(value)}); formulas are not imported — type "
        "the value instead, or start the cell with an apostrophe (') if it really is text."
    )


def _too_many_rows(sheet: str) -> UploadError:
    cap = limit("IMPORT_MAX_ROWS")
    return UploadError(
        f"{sheet} has more than {cap:,} rows; import at most {cap:,} rows at a time."
    )


def _too_many_columns(sheet: str) -> UploadError:
    return UploadError(
        f"{sheet} has more than {limit('IMPORT_MAX_COLUMNS'):,} columns; "
        "delete the columns the import does not need."
    )


def _cell_too_long(where: str) -> str:
    return (
        f"{where}: a cell holds more than {MAX_CELL_CHARS:,} characters, the most a spreadsheet "
        "cell can hold."
    )


def _too_big(size: int, cap: int, *, at_least: bool = False) -> str:
    shown = f"more than {_size(cap)}" if at_least else _size(size)
    return (
        f"The file is {shown}; the largest file you can import is {_size(cap)}. "
        "Split it into smaller files."
    )


def _size(count: int) -> str:
    if count < 1024 * 1024:
        return f"{count:,} bytes"
    return f"{count / (1024 * 1024):,.1f}".removesuffix(".0") + " MB"


def _known_binary(data: bytes) -> str | None:
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            return what
    return None


def _looks_like_text(data: bytes) -> bool:
    start = data[:4096]
    if b"\0" in start:
        return False
    try:
        start.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(start) - 3  # a character cut at the end of the sample
    return True


def _excerpt(value, length: int = 30) -> str:
    text = str(value).replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= length else text[:length] + "…"


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _names(names: Sequence[str]) -> str:
    return _join([f"“{name}”" for name in names])

