"""Name handling: normalising for matching, splitting into given and family names."""

import functools
import re
import unicodedata

from nameparser import HumanName

from lab.core.keys import KeyField

_PUNCTUATION = re.compile(r"[.,'’`\"]")
_SEPARATORS = re.compile(r"[\s\-‐‑–]+")


@functools.lru_cache(maxsize=65536)  # an import asks for each author's key several times
def normalize_name(name: str) -> str:
    """The key two spellings of one name share: "Ixeia Sánchez Pérez" == "ixeia sanchez perez".

    Accents, case, dots, apostrophes and hyphens do not tell people apart on a byline, so they
    are folded away; word order and the words themselves are kept.
    """
    if name.isascii():
        stripped = name  # nothing to decompose (the common case, and a fast one)
    else:
        decomposed = unicodedata.normalize("NFKD", name)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _PUNCTUATION.sub("", stripped)
    return _SEPARATORS.sub(" ", stripped).strip().casefold()


def split_lines(text: str) -> list[str]:
    """The non-empty, stripped lines of a one-item-per-line text field."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def split_name(name: str) -> tuple[str, str]:
    """(given name, family name) of a display name, e.g. ("Luke J.", "Huang")."""
    parsed = HumanName(name)
    given = " ".join(part for part in (parsed.first, parsed.middle) if part)
    return given, parsed.last


class NameKeyField(KeyField):
    """The ``normalize_name`` key of a person's name, stored and indexed: the imports look the
    names of a file up by it (people.matching.PersonMatcher.for_names). See
    lab.core.keys.KeyField for the writes that keep it."""

    default_source = "name"
    normalize = staticmethod(normalize_name)
