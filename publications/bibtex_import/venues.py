"""Venue names as files print them, taken apart: the series' name, its short name, and the
event's place and dates. Nothing here reads the database; ``plan`` matches the result.

Conference names carry the year's edition around the series' name, each source its own way:

- ACM DL: ``Proceedings of the 29th ACM International Conference on Information & Knowledge
  Management`` (with ``series = {CIKM '20}``);
- IEEE Xplore: ``2020 19th ACM/IEEE International Conference on Information Processing in
  Sensor Networks (IPSN)``;
- DBLP: ``21st {IEEE/ACM} International Conference on Mining Software Repositories, {MSR} 2024,
  Lisbon, Portugal, April 15-16, 2024``, or ``{CIKM} '21: The 30th {ACM} International
  Conference on ..., Virtual Event, Queensland, Australia, November 1 - 5, 2021``;
- Google Scholar and Zotero: ``21st USENIX Symposium on ... (NSDI 24)``.

``conference_parts`` gives the series' name without "Proceedings of the", ordinals and years,
the short name written in parentheses, before a colon or as its own part with a year
(``{MSR} 2024``), and, after that short name, the place and the dates as given. A journal's name
is kept whole (``journal_parts``): "Proceedings of the VLDB Endowment" is a journal, not "VLDB
Endowment"; only a short name in parentheses at its end is taken off. ``venue_key`` is what two
spellings of one series share ("&" and "and", case, punctuation, "Proceedings of", years), and
``abbreviates`` tells DBLP's ``Proc. {VLDB} Endow.`` for "Proceedings of the VLDB Endowment".
"""

import functools
import re
from dataclasses import dataclass

from publications.bibtex_import.text import decode_text
from publications.titles import normalize_title

_PROCEEDINGS = re.compile(
    r"^(?:in\s+)?(?:the\s+)?(?:proceedings|proc\.)\s+(?:of\s+)?(?:the\s+)?", re.IGNORECASE
)
#: Journals whose name starts "Proceedings of": never cut.
_JOURNAL_PROCEEDINGS = re.compile(
    r"^(?:the\s+)?(?:proceedings|proc\.)\s+(?:of\s+)?(?:the\s+)?"
    r"(?:vldb\s+endow|ieee\s*$|acm\s+on\b|"
    r"national\s+academy|royal\s+society)",
    re.IGNORECASE,
)
_ORDINAL = re.compile(
    r"\b(?:[0-9]+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
    r"tenth|eleventh|twelfth|[a-z]+teenth|[a-z]+tieth|[a-z]+ty-[a-z]+(?:st|nd|rd|th))\b",
    re.IGNORECASE,
)
_YEARISH = re.compile(r"(?:\b(?:19|20)[0-9]{2}\b|['’][0-9]{2}\b)")
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_ACRONYM = re.compile(r"^[A-Za-z][A-Za-z0-9\-+/&.]{1,49}$")
# In parentheses, up to three words: "(USENIX ATC 23)", "(NSDI '24)", "(IPSN)".
_PARENTHESISED_SHORT = re.compile(r"^(?:[A-Za-z][\w\-+/&]*\s+){0,2}[A-Za-z][\w\-+/&.]*$")
# A short name with the edition's year: "MSR 2024", "USENIX ATC '23", "EuroSys 2024".
_SHORT_WITH_YEAR = re.compile(
    r"^(?P<short>(?:[A-Za-z][\w/&+-]*\s+){0,2}[A-Za-z]*[A-Z][\w/&+-]*[A-Z0-9][\w/&+-]*)\s+"
    r"(?:(?:19|20)[0-9]{2}|['’][0-9]{2})$"
)
# DBLP's "{CIKM} '21: The 30th ...", ACM's "ASPLOS '23: Proceedings of ..." and IEEE's
# "SC24: International Conference ..." (the year glued to the short name).
_SHORT_PREFIX = re.compile(
    r"^(?P<short>[A-Za-z][\w/&+-]*?)\s*(?:(?:19|20)[0-9]{2}|['’]?[0-9]{2})\s*:\s*"
)
# ACM's "..., Volume 2" (ASPLOS prints its proceedings in volumes): the paper's volume, not
# part of the series' name.
_VOLUME_PART = re.compile(r"^(?:vol\.?|volume|part)\s+(?P<volume>[0-9IVX]+)$", re.IGNORECASE)
_MONTH_WORD = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?",
    re.IGNORECASE,
)
_ONLY_YEAR = re.compile(r"^(?:19|20)[0-9]{2}$")
# "Submitted to The Eleventh International Conference ...", as Hugo Blox pages write papers
# under review: where the paper went, not the venue's name (the status comes from the note).
_STATUS_PREFIX = re.compile(
    r"^\s*(?:submitted\s+to|under\s+review\s+(?:at|for|in)|accepted\s+(?:at|to|in|by)|"
    r"to\s+appear\s+(?:at|in))\s*:?\s+",
    re.IGNORECASE,
)
_STOP_WORDS = frozenset({"of", "the", "on", "and", "in", "for", "&", "at", "a", "an"})
_WORD = re.compile(r"[^\W_]+\.?|&")


@dataclass(frozen=True)
class VenueParts:
    name: str
    short: str = ""
    place: str = ""
    dates: str = ""
    journal: bool = False
    #: The volume of the proceedings the booktitle names ("..., Volume 2").
    volume: str = ""


def _top_level_parts(text: str) -> list[str]:
    """``text`` split at the commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
    parts.append(text[start:].strip())
    return [part for part in parts if part]


def _short_in_parentheses(text: str) -> str:
    short = ""
    for inside in _PARENTHESES.findall(text):
        candidate = " ".join(_YEARISH.sub(" ", inside).split()).strip(" ,-")
        candidate = re.sub(r"\s+[0-9]{2}$", "", candidate)  # "(NSDI 24)", Scholar's way
        if _PARENTHESISED_SHORT.match(candidate) and sum(ch.isupper() for ch in candidate) >= 2:
            short = candidate
    return short


def _series_name(text: str) -> str:
    """The series' name: parentheses, "Proceedings of the", ordinals and years taken off."""
    name = _PARENTHESES.sub(" ", _STATUS_PREFIX.sub("", text))
    name = _PROCEEDINGS.sub("", name.strip())
    name = _ORDINAL.sub(" ", name)
    name = _YEARISH.sub(" ", name)
    name = re.sub(r"^(?:the|annual)\s+", "", " ".join(name.split()), flags=re.IGNORECASE)
    return " ".join(name.replace(" ,", ",").split()).strip(" ,:-–")


def _place_and_dates(parts: list[str]) -> tuple[str, str]:
    """The parts after the short name: the place, then the dates from the first part that
    names a month ("Lisbon, Portugal, April 15-16, 2024")."""
    for index, part in enumerate(parts):
        if _MONTH_WORD.search(part):
            return ", ".join(parts[:index]), ", ".join(parts[index:])
    while parts and _ONLY_YEAR.match(parts[-1]):
        parts = parts[:-1]
    return ", ".join(parts), ""


def is_journal_name(text: str) -> bool:
    """A journal named "Proceedings of ...": PVLDB, Proceedings of the IEEE, PACM."""
    return bool(_JOURNAL_PROCEEDINGS.match(text))


@functools.lru_cache(maxsize=4096)  # a file names few venues, each many times
def conference_parts(raw: str) -> VenueParts:
    """A booktitle taken apart (see the module docstring). ``raw`` is the field as written."""
    text = _STATUS_PREFIX.sub("", decode_text(raw))
    if is_journal_name(text):
        return journal_parts(raw)
    short = ""
    prefix = _SHORT_PREFIX.match(text)
    if prefix:
        short, text = prefix["short"], text[prefix.end() :]
    parts = _top_level_parts(text)
    volume = ""
    if len(parts) > 1 and _VOLUME_PART.match(parts[-1]):
        volume = _VOLUME_PART.match(parts.pop())["volume"]
    place = dates = ""
    for index, part in enumerate(parts[1:], start=1):
        found = _SHORT_WITH_YEAR.match(part)
        if found:
            short = short or found["short"]
            place, dates = _place_and_dates(parts[index + 1 :])
            parts = parts[:index]
            break
    else:
        # DBLP's "{CIKM} '21: The 30th ..., Virtual Event, Queensland, Australia, November 1 - 5,
        # 2021" ends with the dates; "SC24: International Conference for High Performance
        # Computing, Networking, Storage and Analysis" has commas in its name and no dates.
        if prefix and len(parts) > 1 and _YEARISH.search(parts[-1]):
            place, dates = _place_and_dates(parts[1:])
            parts = parts[:1]
    joined = ", ".join(parts)
    short = short or _short_in_parentheses(joined)
    name = _series_name(joined)
    return VenueParts(
        name=name or decode_text(raw), short=short, place=place, dates=dates, volume=volume
    )


@functools.lru_cache(maxsize=4096)
def journal_parts(raw: str) -> VenueParts:
    """A journal's name, kept whole; a short name in parentheses at its end is taken off
    ("IEEE Transactions on Parallel and Distributed Systems (TPDS)")."""
    text = decode_text(raw)
    short = ""
    found = re.search(r"\s*\(([^()]*)\)\s*$", text)
    if found and _ACRONYM.match(found[1].strip().rstrip(".")):
        short, text = found[1].strip(), text[: found.start()]
    return VenueParts(name=" ".join(text.split()), short=short, journal=True)


@functools.lru_cache(maxsize=4096)
def venue_key(name: str) -> str:
    """What two spellings of a series' name share: "Proceedings of the 29th ACM International
    Conference on Information & Knowledge Management" and "ACM international conference on
    information and knowledge management" have one key."""
    text = name.replace("&", " and ").replace("\\&", " and ")
    if not is_journal_name(text):
        text = _series_name(text)
    return normalize_title(text)


def short_key(short: str) -> str:
    """A short name as it is compared: "CIKM 2020", "CIKM '20" and "cikm" are one."""
    return " ".join(_YEARISH.sub(" ", short).split()).strip(" ,-:").casefold()


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text) if w.casefold() not in _STOP_WORDS]


def abbreviates(short: str, full: str) -> bool:
    """Whether ``short`` is ``full`` with words cut short as journal abbreviations cut them:
    "Proc. VLDB Endow." for "Proceedings of the VLDB Endowment", "IEEE Trans. Parallel
    Distributed Syst." for "IEEE Transactions on Parallel and Distributed Systems"."""
    cut, whole = _words(short), _words(full)
    if len(cut) != len(whole) or not any(word.endswith(".") for word in cut):
        return False
    return all(
        w.startswith(c[:-1]) if c.endswith(".") else w.rstrip(".") == c
        for c, w in zip(cut, whole, strict=True)
    )
