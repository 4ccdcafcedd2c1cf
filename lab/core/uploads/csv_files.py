"""The CSV stage: bytes decoded to text, then read row by row into a Dataset.

Binary files, NUL bytes, UTF-16 and other encodings are refused before decoding as UTF-8 (with
or without a byte order mark); control characters are refused before parsing. The delimiter is
guessed from the header line (comma, else semicolon, else tab). Each cell is checked as it is
read: its length, and whether it starts like a formula (``_FormulaLike``, worded by the
assembler once the column's name is known); an apostrophe escaping one of our own exports is
removed. The rows go to ``lab.core.uploads.dataset._assemble``, which counts them against the caps.

Named ``csv_files`` so that no module of the package is called ``csv`` next to the standard
library's.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator

import tablib
from openpyxl.utils import get_column_letter

from lab.core.spreadsheets import FORMULA_TRIGGERS
from lab.core.uploads.common import (
    _OLE_MAGIC,
    _ZIP_MAGIC,
    MAX_CELL_CHARS,
    UploadError,
    _known_binary,
)
from lab.core.uploads.dataset import _assemble, _FormulaLike
from lab.core.uploads.messages import CSV_EXCEL_HINT, _cell_too_long, _nul_message

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# "+" followed only by digits and phone/number punctuation is a value, not a formula.
_SIGNED_NUMBER = re.compile(r"\+[0-9 ().,/eE+-]*")


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


def _csv_where(row: int, position: int, name: str | None) -> str:
    if name:
        return f"Row {row}, column “{name}”"
    return f"Row {row}, column {get_column_letter(position + 1)}"
