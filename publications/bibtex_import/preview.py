"""The plan as plain text, for the ``import_bibtex`` command (the admin renders it as a page).

It only reads a ``BibtexPlan``: one line per entry (new, duplicate, or each of its errors), then
the new people and venues, then the counts.
"""

from collections.abc import Iterable

from publications.bibtex_import.plan import BibtexPlan


def plan_lines(plan: BibtexPlan) -> Iterable[str]:
    """The preview as lines of text: one per entry, then the new people and venues."""
    for entry in plan.entries:
        label = entry.key or f"(line {entry.line})"
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
            where = ", ".join(
                part
                for part in (
                    entry.venue_label + (" (new venue)" if entry.new_venue else ""),
                    str(entry.year or ""),
                )
                if part
            )
            byline = "; ".join(
                author.name + (" (new)" if author.is_new else "") for author in entry.authors
            )
            if not entry.authors_complete:
                byline += "; et al."
            yield f"new        {label}: {entry.title} [{where}] {byline}"
    if plan.new_people:
        names = [new.name for new in plan.new_people.values()]
        yield f"New people ({len(names)}): " + "; ".join(names)
    if plan.new_venues:
        names = [
            f"{new.name} ({new.short_name})" if new.short_name not in ("", new.name) else new.name
            for new in plan.new_venues.values()
        ]
        yield f"New venues ({len(names)}): " + "; ".join(names)
    yield (
        f"{len(plan.new_papers)} new, {len(plan.duplicates)} duplicate, "
        f"{sum(1 for e in plan.entries if e.action == 'error')} with errors"
    )
