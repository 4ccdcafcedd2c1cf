import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from publications.bibtex_import import (
    FORMATS,
    BibtexError,
    BibtexPlanError,
    bibtex_import_planned,
    bibtex_plan,
    format_for,
    may_import_bibtex,
    plan_lines,
    read_bibtex_bytes,
    skipped_file,
)

_SIZE = re.compile(r"^\s*([0-9]+)\s*(|b|k|kb|m|mb|g|gb)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2}
_UNITS |= {"g": 1024**3, "gb": 1024**3}


def file_size(text: str) -> int:
    """``--max-size``: bytes, or with a unit: 500KB, 10MB, 1GB (powers of 1024)."""
    found = _SIZE.match(text)
    if not found or int(found[1]) == 0:
        raise ValueError(text)
    return int(found[1]) * _UNITS[found[2].lower()]


file_size.__name__ = "size"  # argparse names the type in its message: "invalid size value"


class Command(BaseCommand):
    help = (
        "Import papers from a .bib file (or another format the paper import reads, told by the "
        "file's extension), as the admin's Import BibTeX does: prints the preview (new papers, "
        "duplicates, new people and venues, errors), then imports everything in one "
        "transaction, or nothing when any entry has an error (exit status 1); with "
        "--skip-errors, everything but the entries with errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file (UTF-8): .bib, or another format's extension.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the preview only; write nothing."
        )
        parser.add_argument(
            "--user",
            default="",
            help="Username the import is recorded under in the admin log (needs permission to "
            "add and change papers). Required unless --dry-run.",
        )
        parser.add_argument(
            "--skip-errors",
            action="store_true",
            help="Import all but the entries with errors (they are listed, and written to "
            "--skipped-file if given); by default an error in any entry imports nothing.",
        )
        parser.add_argument(
            "--skipped-file",
            dest="skipped_path",
            default="",
            help="With --skip-errors: write the entries left out to this file, as the input "
            "wrote them, each after a comment saying what is wrong, to fix and import again.",
        )
        parser.add_argument(
            "--max-size",
            type=file_size,
            default=None,
            help="Refuse files larger than this (bytes, or 500KB, 10MB, 1GB). Default: no cap "
            "(the admin's uploads are capped at 2 MB).",
        )
        parser.add_argument(
            "--format",
            choices=sorted(FORMATS),
            default="",
            help="The file's format; default: told by its extension (BibTeX if none claims it).",
        )

    def handle(
        self, *args, file, dry_run, user, skip_errors, skipped_path, max_size, format, **options
    ):
        if skipped_path and not skip_errors:
            raise CommandError("--skipped-file needs --skip-errors.")
        importer = None if dry_run else self._importer(user)
        path = Path(file)
        fmt = format or format_for(path.name).name
        # Planned, printed and imported in one transaction: the plan is the one applied (the
        # file read and matched once), and an import that fails leaves nothing behind.
        with transaction.atomic():
            try:
                text = read_bibtex_bytes(self._read(path, max_size), max_bytes=max_size)
                plan = bibtex_plan(text, max_bytes=max_size, format=fmt)
            except BibtexError as error:
                raise CommandError(str(error)) from None
            self._print(plan)
            if not plan.ok and not (skip_errors and plan.can_skip_errors):
                if skip_errors and not plan.file_errors:
                    raise CommandError(
                        f"{len(plan.errors)} error(s) and no entry to import: nothing imported."
                    )
                raise CommandError(f"{len(plan.errors)} error(s): nothing imported.")
            if dry_run:
                if not plan.ok:
                    self.stdout.write(
                        f"{len(plan.with_errors)} entr"
                        f"{'y' if len(plan.with_errors) == 1 else 'ies'}"
                        " with errors would be left out."
                    )
                self.stdout.write("Dry run: nothing written.")
                return
            try:
                result = bibtex_import_planned(
                    plan, user=importer, skip_errors=skip_errors, format=fmt
                )
            except BibtexPlanError as error:
                raise CommandError(f"{error} Nothing imported.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(result.papers)} paper(s), {len(result.people)} new people, "
                f"{len(result.venues)} new venue(s)."
            )
        )
        if result.skipped:
            keys = ", ".join(entry.label for entry in result.skipped)
            self.stdout.write(
                self.style.WARNING(
                    f"Left out {len(result.skipped)} entr"
                    f"{'y' if len(result.skipped) == 1 else 'ies'} with errors: "
                    f"{keys}."
                )
            )
            if skipped_path:
                self._write(Path(skipped_path), skipped_file(result.plan, result.skipped, fmt))
                self.stdout.write(f"Wrote the entries left out to {skipped_path}.")

    def _read(self, path: Path, max_size: int | None) -> bytes:
        try:
            if max_size is not None and path.stat().st_size > max_size:
                # Refused before reading it into memory.
                raise CommandError(
                    f"{path} is larger than --max-size ({path.stat().st_size:,} bytes, at most "
                    f"{max_size:,}): split it, or raise --max-size."
                )
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None

    def _write(self, path: Path, text: str) -> None:
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(
                f"Imported, but cannot write the entries left out to {path}: {error.strerror}."
            ) from None

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
