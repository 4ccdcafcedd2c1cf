"""Authors as files write them: names split as BibTeX does, and the marks taken off wherever the
file put them.

A mark is one of ``publications.byline.MARK_TABLE`` (equal contribution, lead, mentee,
corresponding). Files write them before or after the name, on the family or the given name,
bare or as LaTeX: ``*Pang, Ce``, ``Hu*, Qinghao``, ``Einstein*†, A.``, ``∗Yadav, Sourabh``
(U+2217, the asterisk operator some tools export), ``Hu\\textsuperscript{*}``, ``Hu$^*$``,
``Hu$^{*\\dagger}$``, ``Zhang^{\\ddag}``, ``Zhang {\\dag}``, ``Zhang[‡]``. ``read_name`` returns
the clean name with the set of marks; the byline service then reads them as the admin's byline
field does (``Qinghao Hu*†``).
"""

import functools
import re
from dataclasses import dataclass

from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts

from publications.bibtex_import.text import decode_text
from publications.byline import MARK_BY_FIELD, MARK_TABLE

#: Other spellings of each mark of MARK_TABLE (by its field): its sign is always one.
_OTHER_SPELLINGS = {
    "equal_contribution": ("\u2217", "\u204e", "\uff0a", r"\ast", r"\textasteriskcentered"),
    "lead": (r"\dagger", r"\dag", r"\textdagger"),
    "mentee": (r"\ddagger", r"\ddag", r"\textdaggerdbl"),
    "corresponding": (r"\Letter", r"\envelope", "\U0001f582"),
}
#: spelling -> the sign of MARK_TABLE it stands for.
SPELLINGS = {mark.sign: mark.sign for mark in MARK_TABLE} | {
    spelling: MARK_BY_FIELD[field].sign
    for field, spellings in _OTHER_SPELLINGS.items()
    for spelling in spellings
}
# Commands need a non-letter after them (\dag, not the start of \dagger: longest first).
_ONE = "|".join(
    re.escape(spelling) + (r"(?![A-Za-z])" if spelling.startswith("\\") else "")
    for spelling in sorted(SPELLINGS, key=len, reverse=True)
)
_SEVERAL = rf"(?:{_ONE})(?:[\s,]*(?:{_ONE}))*"
_MARKS = re.compile(
    "|".join(
        (
            rf"\$\s*(?:\^\s*)?\{{?\s*(?P<math>{_SEVERAL})\s*\}}?\s*\$",  # $^*$ $^{*\dag}$ $\dag$
            rf"\\textsuperscript\s*\{{\s*(?P<sup>{_SEVERAL})\s*\}}",  # \textsuperscript{*}
            rf"\^\s*\{{\s*(?P<caret>{_SEVERAL})\s*\}}|\^\s*(?P<bare_caret>{_ONE})",  # ^{*} ^*
            rf"\{{\s*(?P<braced>{_SEVERAL})\s*\}}|\[\s*(?P<bracketed>{_SEVERAL})\s*\]",
            rf"(?P<bare>{_ONE})",
        )
    )
)
_SIGN_ORDER = [mark.sign for mark in MARK_TABLE]
# Hugo Blox and al-folio users bold or underline their own name: \textbf{Qinghao Hu}. The
# command is typography, not part of the name (left on, the name would be one family name).
_EMPHASIS = re.compile(
    r"\\(?:textbf|textit|emph|underline|uline|textsc|textsl|textrm|mbox)\s*\{([^{}]*)\}"
)


@dataclass(frozen=True)
class ReadName:
    name: str  # decoded, without marks: "Ixeia Sánchez Pérez"
    given: str
    family: str
    marks: str  # signs of MARK_TABLE, in its order: "*†"
    error: str = ""

    @property
    def byline(self) -> str:
        """As the byline service reads it: the name, then its marks."""
        return f"{self.name}{self.marks}"


def take_marks(raw: str) -> tuple[str, str]:
    """(the raw name without its marks, the marks' signs in MARK_TABLE's order)."""
    found: set[str] = set()

    def collect(match: re.Match) -> str:
        text = next(group for group in match.groups() if group)
        for spelling in re.findall(_ONE, text):
            found.add(SPELLINGS[spelling])
        return " "

    cleaned = _MARKS.sub(collect, raw) if any(s in raw for s in _FIRST_CHARACTERS) else raw
    cleaned = " ".join(cleaned.split()).strip(" ,")
    cleaned = cleaned.replace(" ,", ",")
    return cleaned, "".join(sign for sign in _SIGN_ORDER if sign in found)


_FIRST_CHARACTERS = frozenset(spelling[0] for spelling in SPELLINGS)


_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_BRACE = re.compile(r"(?<!\\)[{}]")


def split_names(field: str) -> list[str]:
    """The names of an ``author`` field, split at the "and"s outside braces, as BibTeX does.

    Not bibtexparser's ``split_multiple_persons_names``: it drops the backslash of a name
    that starts with a command (``and \\textbf{Qinghao Hu}`` gives ``extbf{Qinghao Hu}``)."""
    field = field.strip()
    if not field:
        return []
    names, start, depth, counted = [], 0, 0, 0
    for match in _AND.finditer(field):
        for brace in _BRACE.findall(field, counted, match.start()):
            depth += 1 if brace == "{" else -1
        counted = match.start()
        if depth <= 0:
            names.append(field[start : match.start()])
            start = match.end()
    names.append(field[start:])
    return [name.strip() for name in names if name.strip()]


@functools.lru_cache(maxsize=16384)  # co-authors repeat from entry to entry
def read_name(raw: str) -> ReadName:
    """One author of an ``author`` field: marks taken off, split into given and family names
    as BibTeX splits them ("Sánchez Pérez, Ixeia" says which is which), LaTeX decoded."""
    if "\\" in raw:
        raw = _EMPHASIS.sub(r"\1", raw)
    cleaned, marks = take_marks(raw)
    try:
        parts = parse_single_name_into_parts(cleaned)
    except InvalidNameError as error:
        return ReadName("", "", "", marks, error=f"cannot be read: {error.reason}")
    name = decode_text(" ".join([*parts.first, *parts.von, *parts.last, *parts.jr]))
    given = decode_text(" ".join(parts.first))
    family = decode_text(" ".join([*parts.von, *parts.last, *parts.jr]))
    return ReadName(name, given, family, marks)
