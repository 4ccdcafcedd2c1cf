"""The caps on uploaded spreadsheets and their defaults (docs/imports.md).

Plain constants, imported by the settings (which read each cap from the environment, with
these defaults) and by ``lab.core.uploads`` (which reads the settings on every use).
"""

MEGABYTE = 1024 * 1024

DEFAULT_LIMITS = {
    "IMPORT_MAX_UPLOAD_BYTES": 10 * MEGABYTE,
    "IMPORT_MAX_ROWS": 50_000,
    "IMPORT_MAX_COLUMNS": 100,
    "IMPORT_MAX_SHEETS": 50,
    "IMPORT_MAX_ZIP_ENTRIES": 1000,
    "IMPORT_MAX_UNCOMPRESSED_BYTES": 200 * MEGABYTE,
    "IMPORT_MAX_COMPRESSION_RATIO": 100,
}
