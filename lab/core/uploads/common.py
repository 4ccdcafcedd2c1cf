"""What every stage of reading an upload shares: the caps, ``UploadError``, binary sniffing
and the small text helpers the messages are written with.

The caps are read from the settings on every use (``limit``), so a test or a deployment that
changes ``IMPORT_MAX_*`` changes every stage at once. This module imports no other stage.
"""

from collections.abc import Sequence

from django.conf import settings

from lab.core.limits import DEFAULT_LIMITS

#: Entries smaller than this unpack to little whatever their ratio; the ratio cap skips them.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
#: Excel's own limits: characters in a cell, columns in a row.
MAX_CELL_CHARS = 32_767
MAX_CELLS_PER_ROW = 16_384
MAX_SHARED_STRINGS = 1_000_000

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


class UploadError(ValueError):
    """An uploaded file cannot be imported; the message is meant for the lab admin as it is."""


def limit(name: str) -> int:
    """The cap ``name`` (a key of ``DEFAULT_LIMITS``), from the settings or its default."""
    return getattr(settings, name, DEFAULT_LIMITS[name])


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


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _names(names: Sequence[str]) -> str:
    return _join([f"“{name}”" for name in names])
