from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from beneficiaries.retention import apply_retention

LABELS = {
    "beneficiaries": "beneficiaries anonymised (last contact too old)",
    "closed_referrals": "referrals closed without enrolment anonymised",
    "read_audit_rows": "read-audit rows deleted",
    "expired_sessions": "expired sessions deleted",
    "task_results": "finished task results deleted",
}


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--today takes a date YYYY-MM-DD, not {value!r}.") from error


class Command(BaseCommand):
    help = (
        "Applies the personal-data retention rules (RETENTION_* settings): anonymises the people "
        "whose last contact is too old and the referrals closed without enrolment, deletes old "
        "read-audit rows, expired sessions and finished task results. Idempotent, prints counts "
        "only. Meant for a daily cron, e.g. "
        "`30 3 * * * cd /srv/connexions && .venv/bin/python manage.py apply_retention`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count only, change nothing.")
        parser.add_argument("--today", type=_day, help="Apply the rules as of this date.")

    def handle(self, *args, dry_run=False, today=None, **options):
        counts = apply_retention(today=today or timezone.localdate(), dry_run=dry_run)
        if dry_run:
            self.stdout.write("Dry run: nothing was changed; what a run would do:")
        for name, count in counts.items():
            self.stdout.write(f"{LABELS[name]}: {count}")
