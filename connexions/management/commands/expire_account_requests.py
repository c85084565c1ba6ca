from django.core.management.base import BaseCommand

from connexions.onboarding import account_requests_purge, account_requests_remind_and_expire


class Command(BaseCommand):
    help = (
        "Remind the approvers of account requests left pending (once), expire those still "
        "pending after the reminder and the unverified ones whose link ran out, delete those "
        "decided long ago. Run daily."
    )

    def handle(self, *args, **options):
        reminded, expired = account_requests_remind_and_expire()
        deleted = account_requests_purge()
        self.stdout.write(f"{reminded} request(s) reminded, {expired} expired, {deleted} deleted.")
