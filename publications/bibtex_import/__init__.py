"""Papers from a .bib file: read (bibtexparser 2), plan (no writes), then apply all or nothing.

The stages, each a module, each using only the ones before it:

- ``parse``: the file (size and encoding: ``read_bibtex_bytes``, ``check_bibtex_text``,
  ``BibtexError``), bibtexparser's blocks, LaTeX decoding (``decode_text``) and each entry's
  fields read into the paper it would become: title, year and month, status, DOI, arXiv id,
  URL, abstract and note, the authors' names and the venue as printed. Every problem is named
  as ``entry <key>: <what is wrong>``.
- ``entries``: what one entry of the plan is (``PlannedEntry``, ``PlannedAuthor``) and the
  records it would bring (``NewVenue``, ``NewPerson``); parse fills them, the plan completes them.
- ``plan``: ``bibtex_plan(text)``, the preview: ``BibtexPlan`` with each venue and author matched
  or planned as new (authors by name or alias through one PersonMatcher, as the admin's byline
  service does), and the entries that are already papers (same DOI, same arXiv id, or the same
  normalised title and year) or repeat an earlier entry of the file. It writes nothing.
- ``apply``: ``bibtex_import(text=..., user=...)`` plans again inside one transaction and, only
  when no entry has an error, creates the new venues, people, papers and byline rows in bulk and
  records each new record in the admin log; duplicates are never created. Who may import
  (``may_import_bibtex``, ``IMPORT_PERMISSIONS``) is stated there too.
- ``preview``: ``plan_lines(plan)``, the plan as plain text for the command.

The number of queries does not grow with the number of entries: the plan loads people, venues
and candidate duplicates once (three queries in all), and applying reads the slugs of each
table once and inserts each kind of record in bulk.
"""

from publications.bibtex_import.apply import (
    IMPORT_PERMISSIONS,
    LOG_MESSAGE,
    BibtexPlanError,
    BibtexResult,
    bibtex_import,
    may_import_bibtex,
)
from publications.bibtex_import.entries import NewPerson, NewVenue, PlannedAuthor, PlannedEntry
from publications.bibtex_import.parse import (
    CONFERENCE_TYPES,
    ET_AL,
    JOURNAL_TYPES,
    MAX_BIBTEX_BYTES,
    MONTH_NAMES,
    MONTHS,
    OTHER_TYPES,
    PAPER_TYPES,
    STATUS_NOTES,
    UNDATED_STATUSES,
    BibtexError,
    check_bibtex_text,
    decode_text,
    normalize_doi,
    normalize_title,
    read_bibtex_bytes,
)
from publications.bibtex_import.plan import BibtexPlan, bibtex_plan
from publications.bibtex_import.preview import plan_lines

__all__ = [
    "CONFERENCE_TYPES",
    "ET_AL",
    "IMPORT_PERMISSIONS",
    "JOURNAL_TYPES",
    "LOG_MESSAGE",
    "MAX_BIBTEX_BYTES",
    "MONTHS",
    "MONTH_NAMES",
    "OTHER_TYPES",
    "PAPER_TYPES",
    "STATUS_NOTES",
    "UNDATED_STATUSES",
    "BibtexError",
    "BibtexPlan",
    "BibtexPlanError",
    "BibtexResult",
    "NewPerson",
    "NewVenue",
    "PlannedAuthor",
    "PlannedEntry",
    "bibtex_import",
    "bibtex_plan",
    "check_bibtex_text",
    "decode_text",
    "may_import_bibtex",
    "normalize_doi",
    "normalize_title",
    "plan_lines",
    "read_bibtex_bytes",
]
