"""django-import-export's CSV and XLSX import formats, reading through this package.

The admin's import form (``lab.core.admin``) offers these formats instead of the library's, so
every admin upload gets the checks of ``read_dataset``.
"""

from import_export.formats import base_formats

from lab.core.uploads.reading import read_dataset


class SafeCSV(base_formats.CSV):
    """django-import-export's CSV import format with the checks of ``read_dataset``.

    It asks the admin for the raw bytes (``is_binary``/``get_read_mode``) so that decoding
    errors are ours to word, instead of a UnicodeDecodeError raised while the admin reads its
    temporary file. Import only: exports have their own escaped path (lab.core.spreadsheets).
    """

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def can_export(self):
        return False

    def create_dataset(self, in_stream, **kwargs):
        return read_dataset(in_stream, filename=None, kind="csv")


class SafeXLSX(base_formats.XLSX):
    """django-import-export's XLSX import format with the checks of ``read_dataset``; import
    only."""

    def can_export(self):
        return False

    def create_dataset(self, in_stream, **kwargs):
        return read_dataset(in_stream, filename=None, kind="xlsx")
