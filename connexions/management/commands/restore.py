from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from connexions.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restores a backup (from `manage.py backup`) into the database, which must be empty."

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="the .dump file")

    def handle(self, *args, backup, **options):
        try:
            restore(backup)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {backup}. Check it with verify_journal and catalogue_check_ledger."
        )
