"""Bounded input: whatever a visitor types into a search box or a URL, the work a request does
stays small. Search text keeps its first ``MAX_WORDS`` words and ``MAX_CHARS`` characters,
without control characters (NUL would make PostgreSQL refuse the query); every list page and
download says so when it shortened the text. Filter values that are not valid (an unknown
venue, a year out of range) answer 400 with the form's message, never a 500.
"""

import re

from django import forms

MAX_WORDS = 10
MAX_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

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


class BoundedSearchForm(forms.Form):
    """The form of a FilterSet with a search field ``q``: the text is bounded (and the form
    remembers whether it was, ``shortened``); NUL and other control characters are dropped
    rather than refused, so a search never fails for them."""

    shortened = False

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and "q" in data:
            data = data.copy()
            text, self.shortened = bounded_search(data.get("q"))
            data["q"] = text
        super().__init__(data, *args, **kwargs)
