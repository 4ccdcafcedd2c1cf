"""Reading an upload: its size, its kind, and the entry points that hand it to a stage.

``read_dataset`` and ``read_workbook`` read the upload no further than the size cap
(``read_upload``), tell its kind from the file name (``kind_from_filename``), and pass it to the
CSV stage (``csv_files``) or the XLSX stage (``xlsx_files``).
"""

from pathlib import PurePath

import tablib

from lab.core.uploads.common import UploadError, _excerpt, limit
from lab.core.uploads.csv_files import _read_csv
from lab.core.uploads.messages import RESAVE_HINT, _too_big
from lab.core.uploads.xlsx_files import _read_xlsx


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


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data
