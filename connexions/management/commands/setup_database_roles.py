from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from connexions.dbroles import RoleSetupError, setup_database_roles


class Command(BaseCommand):
    help = (
        "Creates or repairs the owner role (owns the schema, runs migrations) and the application "
        "role (rows only; SELECT and INSERT only on append-only tables; no TRUNCATE). Run it as a "
        "superuser before the first migration, then again (as the owner is enough) after each "
        "migration. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, help="role that owns the schema")
        parser.add_argument("--app", required=True, help="role of the web and worker processes")
        parser.add_argument("--owner-password", help="set the owner's password")
        parser.add_argument("--app-password", help="set the application role's password")

    def handle(self, *args, **options):
        try:
            setup = setup_database_roles(
                owner=options["owner"],
                app=options["app"],
                owner_password=options["owner_password"],
                app_password=options["app_password"],
            )
        except (RoleSetupError, DatabaseError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Owner {setup.owner}, application role {setup.app}: ready "
                f"({len(setup.append_only_tables)} append-only tables, SELECT and INSERT only)."
            )
        )
