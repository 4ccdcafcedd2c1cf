"""The one-line byline, ``Qinghao Hu*; Meng Zhang*; Peng Sun``, and the one table of marks.

Authors are separated by ``;`` and carry their marks right after the name; a namesake is
picked by slug in angle brackets: ``Hao Wang <hao-wang-2>``.

``MARK_TABLE`` is the only place a mark is defined: its sign, the Authorship field that stores
it, its short label and its legend text. The model fields (verbose name and help text), the
admin's byline help, the site's legend and mark titles, the exports' byline cells and the
docs' table (checked by a test) all derive from it, so a mark reads the same everywhere.
"""

import functools
import operator
import re
from dataclasses import dataclass
from itertools import product

from django.db.models import ExpressionWrapper, IntegerField
from django.db.models.expressions import BaseExpression
from django.db.models.functions import Cast


@dataclass(frozen=True)
class Mark:
    sign: str
    #: The Authorship field that stores it.
    field: str
    #: What it means, in a few words: titles of the signs on pages, admin fields and filters,
    #: the site's legend.
    label: str
    #: What it says about the author, in a sentence: the field's help text and the docs.
    legend: str


MARK_TABLE = (
    Mark(
        "*",
        "equal_contribution",
        "equal contribution",
        "Contributed equally with the other authors marked *.",
    ),
    Mark("†", "lead", "system/project lead", "Led the system or project the paper presents."),
    Mark("‡", "mentee", "mentee", "A mentee of the lab member whose work it is."),
    Mark("✉", "corresponding", "corresponding author", "The author to write to about the paper."),
)
#: sign -> field, in the table's order.
MARKS = {mark.sign: mark.field for mark in MARK_TABLE}
MARK_FIELDS = tuple(MARKS.values())
MARK_BY_FIELD = {mark.field: mark for mark in MARK_TABLE}
#: "* equal contribution, † system/project lead, ‡ mentee, ✉ corresponding author"
MARK_SUMMARY = ", ".join(f"{mark.sign} {mark.label}" for mark in MARK_TABLE)
#: The signs after an author's name, by the values of MARK_FIELDS: (True, False, False, True)
#: -> "*✉".
MARK_SIGNS = {
    flags: "".join(sign for sign, on in zip(MARKS, flags, strict=True) if on)
    for flags in product((False, True), repeat=len(MARKS))
}


class _DriversInteger(ExpressionWrapper):
    """An integer expression read as both databases' drivers give it, an int: Django would
    otherwise pass every row's value through int() (a converter, and with it a Python loop
    over each row of the query: a tenth of a prolific person's cold page on SQLite)."""

    convert_value = staticmethod(BaseExpression._convert_value_noop)


#: A byline row's marks as one number read from the database (bit n: the n-th field of
#: MARK_FIELDS): one integer column instead of four booleans, which SQLite's driver converts
#: one by one. ``MASK_SIGNS``: the signs by that number.
MARKS_MASK = _DriversInteger(
    functools.reduce(
        operator.add,
        (Cast(name, IntegerField()) * (1 << bit) for bit, name in enumerate(MARK_FIELDS)),
    ),
    output_field=IntegerField(),
)
MASK_SIGNS = {
    sum(1 << bit for bit, on in enumerate(flags) if on): signs
    for flags, signs in MARK_SIGNS.items()
}

_SLUG = re.compile(r"<\s*([^<>]*?)\s*>")
_TRAILING_MARKS = re.compile(r"[\s" + re.escape("".join(MARKS)) + r"]+$")
_SLUG_SHAPE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: What makes an entry more than a name: a slug's brackets, a mark, a comma.
_NOT_A_PLAIN_NAME = re.compile("[<>,]|[" + re.escape("".join(MARKS)) + "]")


class BylineError(ValueError):
    """A byline that cannot be read; the message names the author and what is wrong."""


@dataclass(frozen=True)
class BylineEntry:
    name: str
    slug: str = ""
    equal_contribution: bool = False
    lead: bool = False
    mentee: bool = False
    corresponding: bool = False

    @property
    def marks(self) -> str:
        return "".join(sign for sign, field in MARKS.items() if getattr(self, field))


def parse_byline(byline: str) -> list[BylineEntry]:
    """Read a byline into entries, in order. Raises BylineError naming the faulty author."""
    entries = []
    parts = [part.strip() for part in re.split(r"[;\n]", byline)]
    for number, part in enumerate((p for p in parts if p), start=1):
        entries.append(_parse_entry(part, number))
    if not entries:
        raise BylineError("The byline is empty: list the authors separated by “;”.")
    return entries


def _parse_entry(text: str, number: int) -> BylineEntry:
    if not _NOT_A_PLAIN_NAME.search(text):
        # The usual entry, a name alone (what the checks below would make of it).
        return BylineEntry(name=" ".join(text.split()))
    where = f"Author {number} (“{text}”)"
    slugs = _SLUG.findall(text)
    if len(slugs) > 1:
        raise BylineError(f"{where} names more than one slug.")
    slug = slugs[0] if slugs else ""
    if slug and not _SLUG_SHAPE.match(slug):
        raise BylineError(f"{where}: “{slug}” is not a slug (lowercase letters, digits, hyphens).")
    rest = _SLUG.sub(" ", text)
    marks_match = _TRAILING_MARKS.search(rest)
    marks = marks_match.group(0) if marks_match else ""
    name = " ".join(rest[: len(rest) - len(marks)].split())
    if not name:
        raise BylineError(f"{where} has no name.")
    if any(sign in name for sign in MARKS):
        raise BylineError(f"{where}: marks ({' '.join(MARKS)}) go after the name, not inside it.")
    if "," in name:
        raise BylineError(f"{where} contains a comma: separate authors with “;”.")
    if "<" in name or ">" in name:
        raise BylineError(f"{where}: a slug goes in one pair of angle brackets, “<hao-wang-2>”.")
    flags = {field: sign in marks for sign, field in MARKS.items()}
    return BylineEntry(name=name, slug=slug, **flags)


def format_entry(entry: BylineEntry, *, with_slug: bool = False) -> str:
    slug = f" <{entry.slug}>" if with_slug and entry.slug else ""
    return f"{entry.name}{entry.marks}{slug}"


def format_byline(entries, *, with_slug=lambda entry: False) -> str:
    return "; ".join(format_entry(entry, with_slug=with_slug(entry)) for entry in entries)


def coauthors_of(bylines, names) -> dict[str, set[str]]:
    """For each of ``names``, the other names on the bylines (one-line bylines, as cells and
    BibTeX entries give them) it appears on: the evidence a duplicate suggestion weighs."""
    wanted = set(names)
    found: dict[str, set[str]] = {name: set() for name in wanted}
    for byline in bylines:
        try:
            listed = [entry.name for entry in parse_byline(byline or "")]
        except BylineError:
            continue
        for name in wanted.intersection(listed):
            found[name].update(other for other in listed if other != name)
    return found
