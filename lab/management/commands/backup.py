"""``manage.py backup FILE``: the whole site in one zip file (every table but the sessions, and
the uploaded files of MEDIA_ROOT), for ``manage.py restore`` (README, "Backups";
lab/core/backups.py)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lab.core.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (every table but the sessions) and the uploaded files of "
        "MEDIA_ROOT to one zip file, readable by its owner only."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The zip file to write (replaced when it exists).")

    def handle(self, *args, path, **options):
        try:
            summary = backup(path, media_root=settings.MEDIA_ROOT)
        except (OSError, BackupError) as error:
            raise CommandError(f"Backup failed, {path} not written: {error}") from None
        self.stdout.write(
            f"Backed up {summary.rows} rows of {summary.tables} tables and {summary.media} "
            f"media files ({summary.media_bytes} bytes) to {path}."
        )
