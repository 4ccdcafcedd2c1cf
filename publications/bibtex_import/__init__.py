"""Papers from a .bib file: read (bibtexparser 2), plan (no writes), then apply.

The stages, each a module, each using only the ones before it:

- ``text``: LaTeX (pylatexenc) and publisher markup (HTML, JATS, MathML through the standard
  library's html.parser) made readable (``clean_text``, ``decode_text``). Titles are compared by
  their key (``publications.titles.normalize_title``), which papers store (``Paper.title_key``).
- ``names``: authors' names split as BibTeX splits them, with the marks of
  ``publications.byline.MARK_TABLE`` taken off wherever the file wrote them.
- ``venues``: a booktitle or journal taken apart into the series' name, its short name and the
  event's place and dates, and the keys two spellings of one venue share.
- ``entries``: what one entry of the plan is (``PlannedEntry``, ``PlannedAuthor``) and the
  records it would bring (``NewVenue``, ``NewPerson``); parse fills them, the plan completes them.
- ``fields``: each field of an entry read into the paper (``read_fields``); the fields left out
  named with why (``IGNORED_FIELDS``), unknown ones named as unknown.
- ``parse``: the file (size and encoding: ``read_bibtex_bytes``, ``check_bibtex_text``,
  ``BibtexError``; front matter, @string macros, crossref), bibtexparser's blocks, every entry
  read (``read_file``). Every problem is named as ``entry <key>: <what is wrong>``.
- ``formats``: the formats read (``FORMATS``: BibTeX, and the readers of other formats that
  produce the same entries), ``format_for(filename)``.
- ``plan``: ``bibtex_plan(text)``, the preview: ``BibtexPlan`` with each venue, author and
  keyword matched or planned as new, and the entries that are already papers (same DOI, same
  arXiv id, or the same title key and year) or repeat an earlier entry of the file. It
  writes nothing.
- ``apply``: ``bibtex_import(text=..., user=...)`` plans again inside one transaction and
  creates the new venues, people, keywords, papers, byline rows and awards in bulk, recording
  each new record in the admin log and in history; duplicates are never created. All or
  nothing by default; with ``skip_errors=True`` the entries with errors are left out and
  listed. ``bibtex_import_planned(plan, user=...)`` applies a plan made in the transaction
  the caller holds open (the command: planned, printed and imported in one). Who may import
  (``may_import_bibtex``, ``IMPORT_PERMISSIONS``) is stated there too.
- ``preview``: ``plan_lines(plan)``, the plan as plain text for the command, and
  ``skipped_bibtex(plan)``, the .bib of the entries with errors, as the file wrote them
  (``skipped_file(plan, entries, format)``: in the format they came in).

The number of queries does not grow with the number of entries: the plan loads people, venues,
candidate duplicates and keywords once, and applying reads the slugs of each table once and
inserts each kind of record in bulk.
"""

from publications.bibtex_import.apply import (
    IMPORT_PERMISSIONS,
    LOG_MESSAGE,
    BibtexPlanError,
    BibtexResult,
    bibtex_import,
    bibtex_import_planned,
    may_import_bibtex,
)
from publications.bibtex_import.entries import (
    CITATION_FIELDS,
    NewPerson,
    NewVenue,
    NotKept,
    PlannedAuthor,
    PlannedEntry,
)
from publications.bibtex_import.fields import (
    CONFERENCE_TYPES,
    ET_AL,
    IGNORED_FIELDS,
    JOURNAL_TYPES,
    MONTH_NAMES,
    MONTHS,
    OTHER_TYPES,
    PAPER_TYPES,
    STATUS_NOTES,
    UNDATED_STATUSES,
    normalize_doi,
)
from publications.bibtex_import.formats import FORMATS, Format, format_for
from publications.bibtex_import.parse import (
    MAX_BIBTEX_BYTES,
    BibtexError,
    check_bibtex_text,
    read_bibtex_bytes,
)
from publications.bibtex_import.plan import BibtexPlan, bibtex_plan
from publications.bibtex_import.preview import plan_lines, skipped_bibtex, skipped_file
from publications.bibtex_import.text import clean_text, decode_text
from publications.titles import normalize_title

__all__ = [
    "CITATION_FIELDS",
    "CONFERENCE_TYPES",
    "ET_AL",
    "FORMATS",
    "IGNORED_FIELDS",
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
    "Format",
    "NewPerson",
    "NewVenue",
    "NotKept",
    "PlannedAuthor",
    "PlannedEntry",
    "bibtex_import",
    "bibtex_import_planned",
    "bibtex_plan",
    "check_bibtex_text",
    "clean_text",
    "decode_text",
    "format_for",
    "may_import_bibtex",
    "normalize_doi",
    "normalize_title",
    "plan_lines",
    "read_bibtex_bytes",
    "skipped_bibtex",
    "skipped_file",
]
