"""``manage.py restore FILE``: a backup of ``manage.py backup`` into an empty database, migrated
by the same version of the code, and MEDIA_ROOT (README, "Backups"; lab/core/backups.py).
Refuses, having written nothing, a database that is not empty."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lab.core.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup of manage.py backup into an empty, migrated database and MEDIA_ROOT, "
        "all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup's zip file.")

    def handle(self, *args, path, **options):
        try:
            summary = restore(path, media_root=settings.MEDIA_ROOT)
        except BackupError as error:
            raise CommandError(f"Nothing restored: {error}") from None
        except OSError as error:
            raise CommandError(f"Nothing restored: cannot read {path}: {error}") from None
        self.stdout.write(
            f"Restored {summary.rows} rows of {summary.tables} tables and {summary.media} "
            f"media files ({summary.media_bytes} bytes) from {path}."
        )
