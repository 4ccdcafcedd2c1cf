"""The citation fields of a paper: their shapes, how loose input is tidied, and their checks.

Three layers, each for its own writer:

- the ``*_PATTERN`` regexes are the database's check constraints (Paper.Meta), so no writer,
  bulk inserts included, can store an ISBN, ISSN or PDF location of the wrong shape;
- the ``normalize_*`` functions turn what sources write (``ISBN 978 1 4503 1234 5``,
  ``03029743``, ``pp. 123-135``) into the stored form; ``Paper.clean`` applies them, and an
  importer that writes in bulk (no ``full_clean``) calls them itself before its insert;
- the ``validate_*`` functions check what a pattern cannot (an ISBN's or ISSN's check digit, a
  PDF location's parts) with a message that says what is expected; they are the model fields'
  validators, so forms, the admin and spreadsheet imports report them against the field.

Why the PDF field takes a relative file name: al-folio writes ``pdf = {paper.pdf}`` for
``assets/pdf/paper.pdf`` on the lab's site. The name is kept as given and shown as the file
name, or linked under ``settings.PAPER_PDF_BASE_URL`` when that is set (``pdf_href``).
"""

import re
from urllib.parse import quote, urljoin

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

#: ISBN-10 (last character may be X) or ISBN-13, digits with optional single hyphens between.
ISBN_PATTERN = r"^([0-9](-?[0-9]){8}-?[0-9X]|[0-9](-?[0-9]){12})$"
ISSN_PATTERN = r"^[0-9]{4}-[0-9]{3}[0-9X]$"
#: A PDF location is an http(s) URL ...
PDF_URL_PATTERN = r"^https?://\S+$"
#: ... or a relative file path: no scheme (no colon), no leading slash, no backslash ...
PDF_PATH_PATTERN = r"^[^/\\:\s][^\\:]*$"
#: ... and no ".." segment (checked apart: the database's regexes have no lookahead in common).
PDF_PARENT_PATTERN = r"(^|/)\.\.(/|$)"

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"  # hyphen ... minus sign
_DASH_RE = re.compile(f"[{_DASHES}]")
_ISBN_PREFIX = re.compile(r"^\s*ISBN(?:-1[03])?\s*:?\s*", re.IGNORECASE)
_ISSN_PREFIX = re.compile(r"^\s*e?ISSN\s*:?\s*", re.IGNORECASE)
_PAGES_PREFIX = re.compile(r"^\s*pp?\.\s*", re.IGNORECASE)
# A page "number" as journals print them: 123, e1234, S12, 12a, xiv.
_PAGE = r"(?:[A-Za-z]{0,3}[0-9]+[A-Za-z]{0,2}|[ivxlcdmIVXLCDM]+)"
_PAGE_RANGE = re.compile(rf"^({_PAGE})\s*(?:-{{1,3}}|[{_DASHES}])\s*({_PAGE})$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

PAGE_DASH = "\u2013"  # en dash, as typeset citations print a range


def normalize_pages(text: str) -> str:
    """``pp. 123-135`` and ``123--135`` -> ``123–135`` (en dash between first and last page);
    several ranges ``1-5, 7-9`` each so. What does not read as pages is kept as given."""
    text = _PAGES_PREFIX.sub("", " ".join(str(text or "").split()))
    parts = []
    for part in text.split(","):
        part = part.strip()
        match = _PAGE_RANGE.match(part)
        parts.append(f"{match[1]}{PAGE_DASH}{match[2]}" if match else part)
    return ", ".join(part for part in parts if part)


def normalize_isbn(text: str) -> str:
    """``ISBN 978 1 4503 1234 5`` -> ``978-1-4503-1234-5``: the prefix dropped, spaces and
    dashes of any kind as single hyphens, x as X. The hyphens a source gives are kept (they
    mark the group and publisher); it is not re-hyphenated."""
    text = _ISBN_PREFIX.sub("", str(text or ""))
    text = _DASH_RE.sub("-", text.strip()).upper()
    text = re.sub(r"[\s-]+", "-", text)
    return text.strip("-")


def normalize_issn(text: str) -> str:
    """``0302 9743``, ``03029743``, ``ISSN: 2375-026x`` -> ``0302-9743``, ``2375-026X``."""
    text = _ISSN_PREFIX.sub("", str(text or ""))
    compact = re.sub(rf"[\s{_DASHES}-]", "", text).upper()
    if re.fullmatch(r"[0-9]{7}[0-9X]", compact):
        return f"{compact[:4]}-{compact[4:]}"
    return text.strip()


def isbn_check_character(digits: str) -> str:
    """The check character of an ISBN given its other digits (9 for ISBN-10, 12 for -13)."""
    if len(digits) == 9:
        remainder = sum((10 - i) * int(d) for i, d in enumerate(digits)) % 11
        check = (11 - remainder) % 11
        return "X" if check == 10 else str(check)
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return str((10 - total % 10) % 10)


def validate_isbn(value: str) -> None:
    if not re.fullmatch(ISBN_PATTERN, value):
        raise ValidationError(
            "Enter an ISBN of 10 or 13 digits, hyphens allowed between them (an ISBN-10 may "
            "end in X), e.g. 978-1-939133-39-7.",
            code="isbn_format",
        )
    digits = value.replace("-", "")
    if len(digits) == 13 and not digits.startswith(("978", "979")):
        raise ValidationError(
            "%(value)s is not an ISBN: an ISBN-13 starts with 978 or 979.",
            code="isbn_prefix",
            params={"value": value},
        )
    expected = isbn_check_character(digits[:-1])
    if digits[-1] != expected:
        raise ValidationError(
            "%(value)s is not a valid ISBN: its check digit should be %(expected)s; a digit "
            "is mistyped.",
            code="isbn_checksum",
            params={"value": value, "expected": expected},
        )


def issn_check_character(digits: str) -> str:
    """The check character of an ISSN given its first seven digits."""
    remainder = sum((8 - i) * int(d) for i, d in enumerate(digits)) % 11
    check = (11 - remainder) % 11
    return "X" if check == 10 else str(check)


def validate_issn(value: str) -> None:
    if not re.fullmatch(ISSN_PATTERN, value):
        raise ValidationError(
            "Enter an ISSN as two groups of four digits, e.g. 0302-9743 (the last may be X).",
            code="issn_format",
        )
    expected = issn_check_character(value.replace("-", "")[:7])
    if value[-1] != expected:
        raise ValidationError(
            "%(value)s is not a valid ISSN: its check digit should be %(expected)s; a digit "
            "is mistyped.",
            code="issn_checksum",
            params={"value": value, "expected": expected},
        )


_http_url = URLValidator(schemes=["http", "https"])
PDF_LOCATION_HELP = (
    "An http(s) URL, or a file name relative to the lab's PDF folder as al-folio writes it "
    "(e.g. paper.pdf for assets/pdf/paper.pdf)."
)


def is_relative_pdf(value: str) -> bool:
    """Whether a stored PDF location is a relative file name rather than a URL."""
    return bool(value) and not _SCHEME.match(value)


def validate_pdf_location(value: str) -> None:
    """An http(s) URL, or a relative file path: no other scheme, no leading slash (a path on
    some unknown host), no ``..`` (out of the PDF folder), no backslash, no control
    characters."""
    if _SCHEME.match(value):
        if not value.lower().startswith(("http://", "https://")):
            raise ValidationError(
                "Enter an http:// or https:// URL, or a relative file name such as "
                "paper.pdf; other schemes are not links a visitor can follow.",
                code="pdf_scheme",
            )
        try:
            _http_url(value)
        except ValidationError:
            raise ValidationError(
                "Enter a valid URL, e.g. https://example.org/paper.pdf.", code="pdf_url"
            ) from None
        return
    problem = None
    if value.startswith("/"):
        problem = "it starts with “/”: give the file name relative to the PDF folder"
    elif "\\" in value:
        problem = "it has a backslash: use “/” between folders"
    elif re.search(PDF_PARENT_PATTERN, value):
        problem = "it has a “..” part, which would leave the PDF folder"
    elif ":" in value:
        problem = "it has a colon, which a file name relative to the PDF folder cannot have"
    elif _CONTROL.search(value) or value != value.strip():
        problem = "it has control characters or surrounding spaces"
    if problem:
        raise ValidationError(
            "Enter an http(s) URL or a relative file name such as paper.pdf: %(problem)s.",
            code="pdf_path",
            params={"problem": problem},
        )


def pdf_href(value: str) -> str:
    """Where a link to a stored PDF location goes: a URL as it is; a relative file name under
    ``settings.PAPER_PDF_BASE_URL`` (quoted), or "" (no link) when that is not set."""
    if not value:
        return ""
    if not is_relative_pdf(value):
        return value
    base = getattr(settings, "PAPER_PDF_BASE_URL", "")
    if not base:
        return ""
    return urljoin(base if base.endswith("/") else f"{base}/", quote(value))
