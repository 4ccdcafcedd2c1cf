"""``manage.py export_workbook OUT.xlsx|OUT.ods [--private]``: the whole lab in one workbook,
a sheet per kind of record (docs/workbook.md)."""

from pathlib import PurePath

from django.core.management.base import BaseCommand, CommandError

from lab.workbook import SHEET_NAMES, write_workbook


class Command(BaseCommand):
    help = "Export every record of the lab to one XLSX or ODS workbook, a sheet per model."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to write: a .xlsx or .ods name.")
        parser.add_argument(
            "--private",
            action="store_true",
            help="Include people's private fields (phone, birth date, address).",
        )

    def handle(self, *args, path, private, **options):
        fmt = PurePath(path).suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "ods"):
            raise CommandError("The workbook's name must end in .xlsx or .ods.")
        try:
            write_workbook(path, fmt=fmt, include_private=private)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error}") from None
        self.stdout.write(f"Wrote {path} (sheets: {', '.join(SHEET_NAMES)}).")
