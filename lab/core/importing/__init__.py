"""Spreadsheet imports a lab admin can trust: the base resource and the import service.

Every import resource of the lab derives from ``LabResource`` and every import, from the admin
or a command, runs through ``import_dataset``:

- all-or-nothing: the import runs in one transaction that is rolled back when any row has an
  error, validation errors included (django-import-export's default keeps the valid rows);
- errors in words: each problem names the spreadsheet row as the lab admin sees it (the header is
  row 1), the column, and what is wrong ("Row 3, column venue: no venue “nsdii”"); database
  errors (a DOI used twice) become such a message, never a 500;
- natural keys only: records are found by slug or by a composite key of slugs and values, never
  by database id, and references (venue, institution, person) are slugs resolved from one query
  per import (``SlugWidget``); an unknown slug is a row error, never dropped;
- relation cells: a cell that stands for several rows (a paper's byline, its awards, a role's
  advisors) is resolved before the row is saved, compared with what the record has so that an
  unchanged row is skipped and a changed author order is an update, shown in the preview's diff;
- attribution: a confirmed import writes one admin log entry per record it added or changed (and
  per person created from a byline), with the user.

The package is split by what each part owns (each module's docstring says more):

- ``service``: ``import_dataset``, its ``ImportOutcome`` and ``ImportProblem``, ``outcome_of``,
  ``log_import`` (the admin log entries) and ``FileProblem``;
- ``resource``: ``LabResource``, the base resource (natural keys, file checks, relation cells,
  the hooks that make an import all or nothing), its preview diff ``LabDiff`` and
  ``permission``, the name of a model's permission;
- ``widgets``: how cells are read: ``cell_text``, ``split_list`` and ``LIST_SEPARATOR``,
  ``SlugWidget`` and ``NaturalKeyInstanceLoader``;
- ``errors``: database errors and row errors in words (``database_message``).

Import from the package (``from lab.core.importing import LabResource``), not from its modules.
"""

from lab.core.importing.errors import database_message
from lab.core.importing.resource import LabDiff, LabResource, permission
from lab.core.importing.service import (
    FileProblem,
    ImportOutcome,
    ImportProblem,
    import_dataset,
    log_import,
    outcome_of,
)
from lab.core.importing.widgets import (
    LIST_SEPARATOR,
    NaturalKeyInstanceLoader,
    SlugWidget,
    cell_text,
    split_list,
)

__all__ = [
    "LIST_SEPARATOR",
    "FileProblem",
    "ImportOutcome",
    "ImportProblem",
    "LabDiff",
    "LabResource",
    "NaturalKeyInstanceLoader",
    "SlugWidget",
    "cell_text",
    "database_message",
    "import_dataset",
    "log_import",
    "outcome_of",
    "permission",
    "split_list",
]
