"""The Dataset stage: rows from the CSV or XLSX stage assembled into a ``tablib.Dataset``,
and the checks an import runs on it.

``_assemble`` takes (row number, cells) pairs, the first being the header row. It checks the
header (present, within the column cap, no name twice), then each data row (within the row and
column caps, formula-like cells named by their column, no value under a nameless column), drops
entirely blank rows and records ``dataset.source_rows``, the spreadsheet row number of each data
row, which ``source_row`` reads back. ``check_columns`` and ``check_unique`` are run by the
import resources (``lab.core.importing``) on the Dataset.
"""

import datetime
import difflib
from collections.abc import Iterable, Iterator

import tablib
from openpyxl.utils import get_column_letter

from lab.core.uploads.common import UploadError, _join, _names, limit
from lab.core.uploads.messages import _formula_error, _too_many_columns, _too_many_rows


class _FormulaLike(Exception):
    """A CSV cell that starts like a formula; becomes an UploadError once the column is known."""

    def __init__(self, row, position, value):
        super().__init__(row, position, value)
        self.row = row
        self.position = position
        self.value = value


def _assemble(rows: Iterator[tuple[int, list]], *, title: str | None, where) -> tablib.Dataset:
    """A Dataset from (row number, cells) pairs, the first pair being the header row.

    ``title`` is the sheet's name (None for a CSV file); ``where(row, position, name)`` words
    the place of a cell for a message.
    """
    sheet = f"Sheet “{title}”" if title is not None else "The file"
    names = _header(rows, title=title, sheet=sheet, where=where)
    kept = [position for position, name in enumerate(names) if name]
    dataset = tablib.Dataset(headers=[names[position] for position in kept])
    dataset.title = title
    blank = "" if title is None else None
    source_rows = []
    for number, cells in _data_rows(rows, names, sheet=sheet, where=where):
        dataset.append([cells[p] if p < len(cells) else blank for p in kept])
        source_rows.append(number)
    dataset.source_rows = source_rows
    return dataset


def _header(rows: Iterator[tuple[int, list]], *, title: str | None, sheet: str, where) -> list[str]:
    """The names of the header row (the first of ``rows``), "" for a column without a name,
    trailing ones dropped. Refused when empty, wider than the column cap, or naming a column
    twice."""
    prefix = f"Sheet “{title}”: " if title is not None else ""
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
    if len(names) > limit("IMPORT_MAX_COLUMNS"):
        raise _too_many_columns(sheet)
    _check_names_once(names, prefix=prefix)
    return names


def _check_names_once(names: list[str], *, prefix: str) -> None:
    """Refuse a header row that names a column twice (ignoring case)."""
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


def _data_rows(
    rows: Iterator[tuple[int, list]], names: list[str], *, sheet: str, where
) -> Iterator[tuple[int, list]]:
    """The rows after the header that hold a value, entirely blank ones skipped.

    Every row read counts towards the row cap, blank or not. A row is refused when it has a
    value past the column cap or under a column the header does not name; a formula-like cell
    (``_FormulaLike`` from the CSV stage) is refused with its column's name.
    """
    max_rows, max_columns = limit("IMPORT_MAX_ROWS"), limit("IMPORT_MAX_COLUMNS")
    count = 0
    while True:
        try:
            item = next(rows, None)
        except _FormulaLike as formula:
            name = names[formula.position] if formula.position < len(names) else None
            location = where(formula.row, formula.position, name)
            raise _formula_error(location, formula.value) from None
        if item is None:
            return
        number, cells = item
        count += 1
        if count > max_rows:
            raise _too_many_rows(sheet)
        if len(cells) > max_columns and any(_filled(v) for v in cells[max_columns:]):
            raise _too_many_columns(sheet)
        if not any(_filled(value) for value in cells):
            continue
        _check_named_columns(number, cells, names, where=where)
        yield number, cells


def _check_named_columns(number: int, cells: list, names: list[str], *, where) -> None:
    """Refuse a value in a column that has no name in the header row."""
    for position, value in enumerate(cells):
        if _filled(value) and (position >= len(names) or not names[position]):
            letter = get_column_letter(position + 1)
            raise UploadError(
                f"{where(number, position, None)} holds a value, but column {letter} has "
                "no name in the header row."
            )


def _header_name(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _filled(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def source_row(dataset: tablib.Dataset, index: int) -> int:
    """The spreadsheet row number (header = 1) of the data row at ``index`` of ``dataset``."""
    rows = getattr(dataset, "source_rows", None)
    if rows is not None and 0 <= index < len(rows):
        return rows[index]
    return index + 2


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
