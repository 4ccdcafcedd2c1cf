"""The hints and message builders of the upload checks.

Here are the messages raised from more than one place (often by more than one stage) or built
from a cap, a location or a value, so that one problem is worded the same way wherever it is
found. A message raised in one place only is written there.
"""

from lab.core.uploads.common import MAX_CELL_CHARS, UploadError, _excerpt, _size, limit

CSV_EXCEL_HINT = (
    "Save it as CSV UTF-8: in Excel choose File > Save As > “CSV UTF-8 (Comma delimited)”; "
    "in LibreOffice tick “Edit filter settings” and pick the character set “Unicode (UTF-8)”."
)
RESAVE_HINT = "Open it in Excel or LibreOffice and save it again as an Excel Workbook (.xlsx)."
DAMAGED_WORKBOOK = "The workbook could not be read; it may be damaged. " + RESAVE_HINT


def _nul_message(line: int) -> str:
    return (
        f"The file contains binary data (a NUL byte on line {line}), so it is not a CSV text "
        "file. Save the sheet as CSV UTF-8."
    )


def _too_many_entries(count: int, cap: int) -> UploadError:
    return UploadError(
        f"The workbook holds {count:,} files inside its zip container; real spreadsheets hold "
        f"far fewer (at most {cap:,} accepted), so it is refused as a possible zip bomb."
    )


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
