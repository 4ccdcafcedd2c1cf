"""A title's key (``normalize_title``) and the stored, indexed copy of it (``TitleKeyField``).

Two spellings of one title share a key: case, accents, punctuation, braces and spacing folded
away ("Fast {RDMA}-Based Scheduling" and "fast rdma based scheduling"). The imports find the
papers a file repeats by this key and the year; stored in an indexed column, the key is looked
up for the titles a file holds, instead of every title of the file's years being read and
folded again for each preview and import.
"""

import re
import unicodedata

from lab.core.keys import KeyField

_TITLE_NOISE = re.compile(r"[\W_]+")


def normalize_title(title: str) -> str:
    """The key two spellings of a title share: case, accents, punctuation, braces and spacing
    folded away."""
    if title.isascii():
        stripped = title  # nothing to decompose (the common case, and a fast one)
    else:
        decomposed = unicodedata.normalize("NFKD", title)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _TITLE_NOISE.sub(" ", stripped).strip().casefold()


class TitleKeyField(KeyField):
    """The ``normalize_title`` key of the model's ``source`` field (``title``): see
    lab.core.keys.KeyField for the writes that keep it."""

    default_source = "title"
    normalize = staticmethod(normalize_title)
