"""Splitting a .bib into blocks: bibtexparser's splitter, with a fast path for plain files.

bibtexparser 2's splitter walks the text from mark to mark (every brace, quote, comma, ``=``
and line end) in Python: about 0.1 ms an entry, a quarter of a 20,000-entry import. Most files
that labs bring (exports of Zotero, DBLP, Google Scholar, al-folio's and ours) are plain
entries, one after the other, whose values are braced, quoted or bare words. For such a file
``split_blocks`` reads every entry (and @string) with one regular expression (the braces
matched by the regular-expression engine, in C) and makes the blocks bibtexparser would make:
the same
entry type (lower case), key, fields (names and values as written, in order), raw text and
start line.

Anything else takes bibtexparser's splitter for the whole file, so that what a file means is
always what bibtexparser reads: @comment and @preamble blocks, parentheses around an
entry, braces nested deeper than ``_DEPTH``, braces inside a quoted value, text between entries
(bibtexparser keeps it as a comment), a key used twice or a field given twice in an entry, or
anything the strict pattern below does not match. ``tests/publications/test_bibtex_split.py``
checks that the two agree on every file of the corpus and on generated entries, and which
files take the fast path.
"""

import re

import bibtexparser
from bibtexparser.model import Block, Entry, Field, String

#: How deep the fast path follows braces inside a value ({{a}} is depth 2).
_DEPTH = 4

#: A ``{``, ``}`` or ``"`` right after a backslash is text, not a delimiter, as bibtexparser
#: reads it (its marks are ``(?<!\\)[{}",=\n]``); so is a backslash before anything else.
#: Atomic groups and possessive quantifiers: once read, a piece is not read again another
#: way, so the pattern cannot find a reading that bibtexparser's single left-to-right walk
#: would not.
_ESCAPED = r'\\[{}"]?'


def _braced(depth: int) -> str:
    inner = rf"[^{{}}\\]++|{_ESCAPED}"
    if depth > 1:
        inner += "|" + _braced(depth - 1)
    return rf"\{{(?>{inner})*+\}}"


#: One piece of a value: braced, quoted (no braces inside: bibtexparser does not count them
#: there, the fast path leaves such values to it), or a bare word (a number or a macro).
_PIECE = rf'(?:{_braced(_DEPTH)}|"(?>[^"{{}}\\]++|{_ESCAPED})*+"|[A-Za-z0-9_.:+/-]++)'
_VALUE = rf"{_PIECE}(?:\s*+\#\s*+{_PIECE})*+"
_NAME = r"[A-Za-z0-9_.:+/-]++"
_FIELD = rf"\s*+{_NAME}\s*+=\s*+{_VALUE}"
#: A whole entry: its type, key and fields (the last one's comma optional).
_ENTRY = re.compile(
    r"@(\w*)[ \t]*\{\s*+([^\s{}()\",=@#%'\\]++)\s*+"
    rf"(?:\}}|,((?:{_FIELD}\s*+,)*+(?:{_FIELD})?)\s*+\}})"
)
#: An @string definition: its type (string, in any case), name and value.
_STRING = re.compile(rf"@(\w*)[ \t]*\{{\s*+({_NAME})\s*+=\s*+({_VALUE})\s*+\}}")
#: One field of an entry the pattern above matched: its name and its value as written.
_FIELDS = re.compile(rf"\s*+({_NAME})\s*+=\s*+({_VALUE})\s*+,?")
#: Where a block may start: an @ first on its line (after blanks), as bibtexparser's
#: splitter recovers from a block left open.
_BLOCK_START = re.compile(r"^[ \t]*@", re.M)
_NOT_ENTRIES = ("comment", "preamble", "string")


def split_blocks(text: str) -> list[Block]:
    """The blocks of ``text`` as bibtexparser 2 splits them (``parse_string`` with no
    middlewares), by the fast path where the file is plain entries."""
    blocks = _plain_entries(text)
    if blocks is None:
        return bibtexparser.parse_string(text, parse_stack=[]).blocks
    return blocks


def _plain_entries(text: str) -> list[Entry | String] | None:
    """The entries and @string definitions of a file of only those, else None."""
    if "\\\n" in text:
        # bibtexparser does not count a line end after a backslash: its line numbers would
        # differ from the fast path's.
        return None
    starts = [found.start() for found in _BLOCK_START.finditer(text)]
    # Text before the first entry is a comment bibtexparser drops from the entries; an @ in
    # it could start a block mid-line.
    if "@" in text[: starts[0] if starts else len(text)]:
        return None
    entries: list[Entry | String] = []
    keys: set[tuple[type, str]] = set()
    line, counted = 0, 0
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(text)
        at = text.index("@", start)
        line += text.count("\n", counted, at)
        counted = at
        entry = _entry(text, at, end, line)
        if entry is None:
            return None
        folded = (type(entry), entry.key.casefold())
        if folded in keys:
            return None
        keys.add(folded)
        entries.append(entry)
    return entries


def _entry(text: str, at: int, end: int, line: int) -> Entry | String | None:
    """The entry or @string written in ``text[at:end]`` (and nothing else there but blanks),
    or None."""
    found = _ENTRY.match(text, at, end)
    if found is None:
        return _string(text, at, end, line)
    if text[found.end() : end].strip():
        return None
    entry_type = found[1].lower()
    if entry_type.startswith(_NOT_ENTRIES):
        return None
    pairs = _FIELDS.findall(found[3]) if found[3] else []
    if len({name for name, _ in pairs}) != len(pairs):
        return None
    return Entry(
        entry_type=entry_type,
        key=found[2],
        # No line per field: nothing reads it (bibtexparser gives the line of its "=").
        fields=[Field(name, value) for name, value in pairs],
        start_line=line,
        raw=found[0],
    )


def _string(text: str, at: int, end: int, line: int) -> String | None:
    found = _STRING.match(text, at, end)
    if found is None or not found[1].lower().startswith("string"):
        return None
    if text[found.end() : end].strip():
        return None
    return String(key=found[2], value=found[3], start_line=line, raw=found[0])
