"""The plan as plain text, for the ``import_bibtex`` command (the admin renders it as a page),
and the file of the entries with errors (``skipped_bibtex``, ``skipped_file`` for the other
formats), to fix and import again.

It only reads a ``BibtexPlan``: one line per entry (new, duplicate, or each of its errors, with
the fields not imported), then the new people, venues and keywords, then the counts.
"""

import json
from collections.abc import Iterable

from publications.bibtex_import.entries import PlannedEntry
from publications.bibtex_import.plan import BibtexPlan


def _where(entry: PlannedEntry) -> str:
    venue = entry.venue_label + (" (new venue)" if entry.new_venue else "")
    return ", ".join(part for part in (venue, str(entry.year or "")) if part)


def _not_kept(entry: PlannedEntry) -> str:
    if not entry.not_kept:
        return ""
    return " — not imported: " + ", ".join(dict.fromkeys(item.field for item in entry.not_kept))


def plan_lines(plan: BibtexPlan) -> Iterable[str]:
    """The preview as lines of text: one per entry, then the new people and venues."""
    for entry in plan.entries:
        label = entry.label
        if entry.action == "error":
            for message in entry.errors:
                yield f"ERROR      {message}"
        elif entry.action == "duplicate":
            if entry.duplicate_of is not None:
                target = f"“{entry.duplicate_of.title}” ({entry.duplicate_of.slug})"
            else:
                target = f"entry {entry.duplicate_of_entry} of this file"
            yield f"duplicate  {label}: {entry.duplicate_reason} as {target}; not imported"
        else:
            byline = "; ".join(
                name + (" (new)" if author.is_new else "")
                for name, author in zip(entry.marked_authors, entry.authors, strict=True)
            )
            if not entry.authors_complete:
                byline += "; et al."
            yield f"new        {label}: {entry.title} [{_where(entry)}] {byline}{_not_kept(entry)}"
    if plan.references:
        yield "Used by crossref, not papers: " + "; ".join(plan.references)
    for name, kind, reason, count in plan.not_kept_summary():
        what = {"unknown": "unknown field", "ignored": reason, "value": "values not kept"}[kind]
        yield f"Not imported: {name} ({what}), {count} entr{'y' if count == 1 else 'ies'}"
    new_people = plan.people_to_create()
    if new_people:
        names = [new.name for _, new in new_people]
        yield f"New people ({len(names)}): " + "; ".join(names)
    new_venues = plan.venues_to_create()
    if new_venues:
        names = [
            f"{new.name} ({new.short_name})" if new.short_name not in ("", new.name) else new.name
            for new in new_venues
        ]
        yield f"New venues ({len(names)}): " + "; ".join(names)
    new_keywords = plan.keywords_to_create()
    if new_keywords:
        yield f"New keywords ({len(new_keywords)}): " + "; ".join(new_keywords)
    yield (
        f"{len(plan.new_papers)} new, {len(plan.duplicates)} duplicate, "
        f"{len(plan.with_errors)} with errors"
    )


def skipped_bibtex(plan: BibtexPlan, entries: Iterable[PlannedEntry] | None = None) -> str:
    """The entries with errors (or ``entries``) as the file wrote them, each after comment lines
    saying what is wrong, with the file's @string definitions and the @proceedings they
    crossref: a .bib to fix and import again."""
    entries = list(plan.with_errors if entries is None else entries)
    lines = [
        "% Entries not imported, as the file wrote them. Fix what the comment above each says",
        "% and import this file again.",
        "",
    ]
    if plan.file.strings:
        lines += [*plan.file.strings, ""]
    lent = {key.casefold(): raw for key, raw in plan.file.references.items()}
    wanted = {entry.crossref.casefold() for entry in entries if entry.crossref}
    lines += [raw + "\n" for key, raw in lent.items() if key in wanted]
    for entry in entries:
        # An "@" in a comment would start a block for BibTeX: the reasons are written without.
        lines += [f"% {message.replace('@', '')}" for message in entry.errors]
        lines += [entry.raw.strip(), ""]
    return "\n".join(lines)


def _skipped_ris(entries: list[PlannedEntry]) -> str:
    # RIS has no comments: the reasons are on the result page and in the preview.
    # Only line breaks are trimmed: "ER  - " ends with a space RIS readers expect.
    return "\n\n".join(entry.raw.strip("\r\n") for entry in entries) + "\n"


def _skipped_csl_json(entries: list[PlannedEntry]) -> str:
    items = []
    for entry in entries:
        try:
            items.append(json.loads(entry.raw))
        except ValueError:
            continue  # an item too broken to be one (the reader kept a cut copy to name it)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def skipped_file(plan: BibtexPlan, entries: Iterable[PlannedEntry], format: str) -> str:
    """The entries with errors as a file of the format they came in, to fix and import again:
    a .bib with the reasons as comments (``skipped_bibtex``), RIS records, or a CSL-JSON
    array of the items."""
    entries = list(entries)
    if format == "ris":
        return _skipped_ris(entries)
    if format == "csljson":
        return _skipped_csl_json(entries)
    return skipped_bibtex(plan, entries)
