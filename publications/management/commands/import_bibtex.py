from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from publications.bibtex_import import (
    BibtexError,
    BibtexPlanError,
    bibtex_import,
    bibtex_plan,
    may_import_bibtex,
    plan_lines,
    read_bibtex_bytes,
)


class Command(BaseCommand):
    help = (
        "Import papers from a .bib file, as the admin's Import BibTeX does: prints the preview "
        "(new papers, duplicates, new people and venues, errors), then imports everything in one "
        "transaction, or nothing when any entry has an error (exit status 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .bib file (UTF-8).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the preview only; write nothing."
        )
        parser.add_argument(
            "--user",
            default="",
            help="Username the import is recorded under in the admin log (needs permission to "
            "add and change papers). Required unless --dry-run.",
        )

    def handle(self, *args, file, dry_run, user, **options):
        importer = None if dry_run else self._importer(user)
        try:
            text = read_bibtex_bytes(self._read(Path(file)))
            plan = bibtex_plan(text)
        except BibtexError as error:
            raise CommandError(str(error)) from None
        self._print(plan)
        if not plan.ok:
            raise CommandError(f"{len(plan.errors)} error(s): nothing imported.")
        if dry_run:
            self.stdout.write("Dry run: nothing written.")
            return
        try:
            result = bibtex_import(text=text, user=importer, fingerprint=plan.fingerprint())
        except BibtexPlanError as error:
            raise CommandError(f"{error} Nothing imported.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(result.papers)} paper(s), {len(result.people)} new people, "
                f"{len(result.venues)} new venue(s)."
            )
        )

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None

    def _importer(self, username: str):
        if not username:
            raise CommandError(
                "Pass --user USERNAME (imports are recorded in the admin log), or --dry-run."
            )
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user is called “{username}”.") from None
        if not may_import_bibtex(user):
            raise CommandError(
                f"{username} may not import BibTeX: it needs to add and change papers, and to "
                "add venues, people and byline rows."
            )
        return user

    def _print(self, plan) -> None:
        for line in plan_lines(plan):
            style = self.style.ERROR if line.startswith("ERROR") else (lambda text: text)
            self.stdout.write(style(line))
