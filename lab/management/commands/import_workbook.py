"""``manage.py import_workbook IN.xlsx --user USERNAME [--dry-run]``: import a whole-lab
workbook in one step, all or nothing (docs/workbook.md). Exits non-zero, having written
nothing, when the file or any row has a problem."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lab.core.uploads import UploadError, read_workbook
from lab.workbook import WorkbookError, import_workbook, missing_import_permissions


class Command(BaseCommand):
    help = "Import a whole-lab XLSX workbook (a sheet per model), all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .xlsx workbook to import.")
        parser.add_argument(
            "--user",
            required=True,
            help="The username the import is recorded under in the admin log; the user needs "
            "add and change permission on every model.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and summarise; write nothing."
        )

    def handle(self, *args, path, user, dry_run, **options):
        user_model = get_user_model()
        try:
            account = user_model._default_manager.get_by_natural_key(user)
        except user_model.DoesNotExist:
            raise CommandError(f"No user “{user}”.") from None
        missing = missing_import_permissions(account)
        if missing:
            raise CommandError(
                f"{user} may not import a workbook: missing permissions {', '.join(missing)}."
            )
        file = Path(path)
        try:
            with file.open("rb") as source:
                sheets = read_workbook(source, filename=file.name)
            outcome = import_workbook(
                sheets, user=account, dry_run=dry_run, include_private=True, file_name=file.name
            )
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        except (UploadError, WorkbookError) as error:
            raise CommandError(str(error)) from None
        for line in outcome.summary_lines():
            self.stdout.write(line)
        if not outcome.ok:
            for problem in outcome.problems:
                self.stderr.write(problem)
            raise CommandError("Nothing was imported: the workbook has problems (listed above).")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS("Imported."))
