"""The shared floor: building blocks the lab's apps stand on (docs/architecture.md).

- ``models``: timestamps, partial dates and the check constraints that keep them sane;
- ``slugs``: the one slug allocator (``hao-wang``, ``hao-wang-2``);
- ``cache``: the anonymous page cache and the fragments a write invalidates;
- ``spreadsheets``: safe CSV and XLSX writing (every formula-like cell escaped);
- ``uploads``: uploaded CSV and XLSX turned into rows, every check bounded;
- ``importing``: the django-import-export base resource and the all-or-nothing import service;
- ``admin``: admin mixins (spreadsheet import and export, autocomplete labels in one query).

It imports Django and libraries only: never ``people``, ``publications``, the project modules of
``lab`` or ``devtools`` (import-linter contracts in pyproject.toml, run by ``make lint``).
"""
