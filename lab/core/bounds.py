"""Bounded input: whatever a visitor types into a search box or a URL, the work a request does
stays small. Search text keeps its first ``MAX_WORDS`` words and ``MAX_CHARS`` characters,
without control characters (NUL would make PostgreSQL refuse the query); every list page and
download says so when it shortened the text. Filter values that are not valid (an unknown
venue, a year out of range) answer 400 with the form's message, never a 500.
"""

import re

from django import forms
from django.http import QueryDict

MAX_WORDS = 10
MAX_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")

SHORTENED = (
    f"Your search was shortened to its first {MAX_WORDS} words ({MAX_CHARS} characters at most)."
)


def bounded_search(text: str | None) -> tuple[str, bool]:
    """(the search text to use, whether it was shortened): control characters become spaces,
    runs of spaces one, then the first MAX_WORDS words, at most MAX_CHARS characters."""
    words = _CONTROL.sub(" ", text or "").split()
    kept = " ".join(words[:MAX_WORDS])
    shortened = len(words) > MAX_WORDS or len(kept) > MAX_CHARS
    return kept[:MAX_CHARS].strip(), shortened


def without_control(value: str) -> str:
    """``value`` without NUL and the other control characters, which no filter value holds
    (and PostgreSQL refuses NUL in any text it is asked to compare)."""
    return _CONTROL.sub("", value)


def query_slug(value: str | None) -> str:
    """A slug given in the query string (``?lab=``, ``?person=``), or "" when it cannot be one:
    a look-up by it then finds nothing instead of failing in the database."""
    value = value or ""
    return value if _SLUG.fullmatch(value) else ""


def _without_controls(data):
    """A copy of the form's ``data`` (a request's QueryDict, or a dict given in code) without
    control characters in any value but the search's (whose control characters separate words:
    ``bounded_search``)."""
    if isinstance(data, QueryDict):
        data = data.copy()
        for key, values in list(data.lists()):
            if key != "q":
                data.setlist(key, [without_control(value) for value in values])
        return data
    return {
        key: without_control(value) if key != "q" and isinstance(value, str) else value
        for key, value in data.items()
    }


class BoundedSearchForm(forms.Form):
    """The form of a FilterSet with a search field ``q``: the text is bounded (and the form
    remembers whether it was, ``shortened``); NUL and other control characters are dropped
    from every value rather than refused, so a filter never fails in the database for them
    (the value left is then valid, or a form error)."""

    shortened = False

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = _without_controls(data)
            if "q" in data:
                data["q"], self.shortened = bounded_search(data.get("q"))
        super().__init__(data, *args, **kwargs)
