"""The XLSX stage: the zip container judged, every XML part scanned, then openpyxl reads.

1. ``_open_zip``: the container is judged from its directory alone (entries, total unpacked
   size, compression ratio and method of each entry, encryption) and must hold a workbook, not
   a Word, PowerPoint or OpenDocument file;
2. ``_scan_xml_parts``: every XML part is streamed once through defusedxml's SAX parser with
   DTDs and entities forbidden, counting rows, cells per row, shared strings and text length
   in constant memory (``_ScanHandler``) and stopping at the caps;
3. ``_read_sheets``: openpyxl (read-only, itself parsing with defusedxml) reads the values of
   the sheets that hold data, limited to the rows and columns the scan found; formula and
   error cells are refused with the cell named, and each sheet's rows go to
   ``lab.core.uploads.dataset._assemble``.
"""

import datetime
import io
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

import openpyxl
import tablib
from defusedxml import DefusedXmlException
from defusedxml.expatreader import create_parser
from openpyxl.styles.numbers import is_datetime
from openpyxl.utils import get_column_letter

from lab.core.spreadsheets import FORMULA_TRIGGERS
from lab.core.uploads.common import (
    _OLE_MAGIC,
    _ZIP_MAGIC,
    MAX_CELL_CHARS,
    MAX_CELLS_PER_ROW,
    MAX_SHARED_STRINGS,
    RATIO_CHECK_MIN_BYTES,
    UploadError,
    _excerpt,
    _known_binary,
    _looks_like_text,
    _names,
    _size,
    limit,
)
from lab.core.uploads.dataset import _assemble
from lab.core.uploads.messages import (
    DAMAGED_WORKBOOK,
    RESAVE_HINT,
    _cell_too_long,
    _too_many_columns,
    _too_many_entries,
    _too_many_rows,
)

_CELL_REF = re.compile(r"([A-Za-z]{1,3})?([0-9]+)?")


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
