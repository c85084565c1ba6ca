from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from connexions.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Dumps the database (pg_dump, custom format) to var/backups/connexions-<time>.dump or to "
        "--output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="file to write (default: var/backups/)")

    def handle(self, *args, output=None, **options):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        output = output or Path(settings.BASE_DIR) / "var" / "backups" / f"connexions-{stamp}.dump"
        try:
            backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backup written to {output}")
