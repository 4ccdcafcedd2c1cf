"""Reading a .bib: the file, its blocks and entries, before any database look-up.

The file is refused as a whole (``BibtexError``) when it is too big, binary or not UTF-8
(``read_bibtex_bytes`` for an upload, ``check_bibtex_text`` for pasted text). Jekyll front
matter (al-folio's ``papers.bib`` starts with ``---`` lines) is skipped, keeping line numbers.
bibtexparser 2 splits the rest into blocks, without its middlewares (a file of plain entries
by the fast path of ``split``, which makes the same blocks): the values come as written
and are resolved here (``@string`` macros, ``#`` concatenation, month macros, then each
``crossref``'s fields inherited), which is also faster. ``read_file`` turns each entry into the
``PlannedEntry`` it would become (``fields.read_fields``); a block bibtexparser cannot read, and
every field that is wrong, becomes an error of its entry (``entry <key>: <what is wrong>``), so
nothing in the file goes unmentioned. Matching venues and people, and finding duplicates, is the
plan's (``publications.bibtex_import.plan``).
"""

import re
from dataclasses import dataclass, field

from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
    String,
)

from publications.bibtex_import.entries import PlannedEntry
from publications.bibtex_import.fields import MONTHS, PAPER_TYPES, read_fields
from publications.bibtex_import.split import split_blocks

MAX_BIBTEX_BYTES = 2 * 1024 * 1024

_ENTRY_START = re.compile(r"@\s*([A-Za-z]+)\s*[{(]\s*([^,\s{}()=@]*)")
# Jekyll's front matter: "---" lines at the very start of the file and what is between them.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?:.*?\r?\n)?---[ \t]*(?=\r?\n|\Z)", re.S)
#: Fields a crossref'd entry does not lend: they are its own, not its papers'.
_NOT_INHERITED = frozenset(
    {"title", "url", "doi", "key", "biburl", "timestamp", "bibsource", "crossref", "abstract"}
)


class BibtexError(ValueError):
    """The file as a whole cannot be read (size, encoding); the message says why."""


@dataclass
class BibtexFile:
    """What ``read_file`` found: the entries, and the blocks a .bib of some of them needs."""

    entries: list[PlannedEntry] = field(default_factory=list)
    #: The @string definitions as written, in order.
    strings: list[str] = field(default_factory=list)
    #: Entries that lend their fields through crossref and are not papers (@proceedings):
    #: key -> text as written.
    references: dict[str, str] = field(default_factory=dict)


def read_bibtex_bytes(data: bytes, *, max_bytes: int | None = MAX_BIBTEX_BYTES) -> str:
    """The text of an uploaded .bib, or BibtexError saying what is wrong with the file."""
    if max_bytes is not None and len(data) > max_bytes:
        raise BibtexError(
            f"The file is larger than {max_bytes // (1024 * 1024)} MB: "
            "split it and import the parts one by one."
        )
    if b"\x00" in data:
        raise BibtexError("This is not a text file: a .bib file is plain text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BibtexError(
            f"The file is not UTF-8 text (byte {data[error.start]:#04x} at position "
            f"{error.start}): save it as UTF-8 and try again."
        ) from None


def check_bibtex_text(text: str, *, max_bytes: int | None = MAX_BIBTEX_BYTES) -> str:
    if max_bytes is not None and len(text.encode()) > max_bytes:
        raise BibtexError(
            f"The text is larger than {max_bytes // (1024 * 1024)} MB: "
            "split it and import the parts one by one."
        )
    if "\x00" in text:
        raise BibtexError("The text contains NUL characters: a .bib file is plain text.")
    return text


def _without_front_matter(text: str) -> str:
    """The text with Jekyll front matter blanked out, line for line, so that line numbers in
    messages are the file's."""
    found = _FRONT_MATTER.match(text)
    if not found:
        return text
    return "\n" * found[0].count("\n") + text[found.end() :]


def read_entries(text: str) -> list[PlannedEntry]:
    return read_file(text).entries


def read_file(text: str) -> BibtexFile:
    """Every entry of ``text``, read or failed, in the order of the file; other blocks
    (@string, @comment, @preamble) are not entries, nor are the @proceedings that entries
    name as their crossref."""
    blocks_read = split_blocks(_without_front_matter(text))
    found = BibtexFile()
    strings: dict[str, str] = {}
    blocks: list[tuple[object, PlannedEntry | None, dict[str, str]]] = []
    for block in blocks_read:
        if isinstance(block, String):
            found.strings.append(block.raw)
            value = _resolve_value(block.value, strings)
            strings[block.key.lower()] = value if value is not None else ""
        elif isinstance(block, Entry):
            entry = PlannedEntry(
                key=block.key,
                line=_line(block),
                entry_type=block.entry_type.lower(),
                raw=block.raw or "",
            )
            blocks.append((block, entry, _entry_fields(block, entry, strings)))
        elif isinstance(block, ParsingFailedBlock):
            blocks.append((block, _failed_entry(block), {}))
    _inherit(blocks, found)
    lent = {key.casefold() for key in found.references}
    for block, entry, fields in blocks:
        if not isinstance(block, Entry):
            found.entries.append(entry)
        elif entry.key.casefold() in lent:
            continue
        else:
            if entry.entry_type not in PAPER_TYPES:
                entry.error(
                    f"@{entry.entry_type} is not a paper; papers are @article, @inproceedings "
                    "or @misc"
                )
            else:
                read_fields(entry, fields)
            found.entries.append(entry)
    return found


def _inherit(blocks: list, found: BibtexFile) -> None:
    """Each crossref resolved: the entry gets the fields it lacks from the entry it names
    (a @proceedings' title as its booktitle), as BibTeX does."""
    by_key = {
        entry.key.casefold(): (entry, fields) for block, entry, fields in blocks if entry.key
    }
    for _block, entry, fields in blocks:
        target = fields.get("crossref", "").strip()
        if not target:
            continue
        entry.crossref = target
        parent = by_key.get(target.casefold())
        if parent is None or parent[0] is entry:
            entry.error(f"crossref “{target}” is not an entry of the file")
            continue
        parent_entry, parent_fields = parent
        for name, value in parent_fields.items():
            if name not in _NOT_INHERITED and not fields.get(name):
                fields[name] = value
        if "booktitle" not in fields and parent_fields.get("title"):
            fields["booktitle"] = parent_fields["title"]
        if parent_entry.entry_type not in PAPER_TYPES:
            found.references[parent_entry.key] = parent_entry.raw


def _failed_entry(block: ParsingFailedBlock) -> PlannedEntry:
    match = _ENTRY_START.match((block.raw or "").lstrip())
    key = getattr(block, "key", "") or (match.group(2) if match else "")
    entry = PlannedEntry(key=key, line=_line(block), raw=block.raw or "")
    if isinstance(block, DuplicateBlockKeyBlock):
        entry.error("the key is used by an earlier entry of the file; keys must be unique")
    elif isinstance(block, DuplicateFieldKeyBlock):
        entry.error(f"a field is given twice ({_first_line(block.error)})")
    else:
        reason = (getattr(block.error, "abort_reason", "") or str(block.error)).strip()
        entry.error(f"cannot be read (line {entry.line}): {reason or 'syntax error'}")
    return entry


def _line(block) -> int | None:
    """The 1-based line the block starts on (bibtexparser counts from 0)."""
    return None if block.start_line is None else block.start_line + 1


def _first_line(error: Exception) -> str:
    return str(error).split(". Note:")[0]


def _resolve_value(raw, strings: dict[str, str]) -> str | None:
    """A field value as written -> its text: braces or quotes around it taken off, @string
    macros and ``#`` concatenation resolved; None when it uses a macro the file does not
    define."""
    if not isinstance(raw, str):
        return str(raw)
    raw = raw.strip()
    if "#" not in raw:
        # The usual case: one braced or quoted value, or one bare word.
        if raw[:1] + raw[-1:] in ("{}", '""') and len(raw) >= 2:
            return raw[1:-1]
        parts = [raw]
    else:
        parts = _split_concatenation(raw)
    resolved = []
    for part in parts:
        part = part.strip()
        if part[:1] + part[-1:] in ("{}", '""') and len(part) >= 2:
            resolved.append(part[1:-1])
        elif part.isdigit():
            resolved.append(part)
        elif part.lower() in strings:
            resolved.append(strings[part.lower()])
        elif part.lower() in MONTHS:
            resolved.append(part.lower())
        else:
            return None
    return "".join(resolved)


def _split_concatenation(value: str) -> list[str]:
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:index])
            start = index + 1
    parts.append(value[start:])
    return parts


def _entry_fields(block: Entry, entry: PlannedEntry, strings: dict[str, str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in block.fields:
        name = item.key.lower()
        if name in fields:
            entry.error(f"the field {name} is given twice")
            continue
        value = _resolve_value(item.value, strings)
        if value is None:
            entry.error(
                f"{name} uses “{item.value}”, which is not an @string defined in the file; "
                "put the text in braces"
            )
            continue
        fields[name] = value
    return fields
