from django.conf import settings
from django.core.management.base import BaseCommand

from beneficiaries.services import referrals_expire


class Command(BaseCommand):
    help = (
        "Closes as expired the referrals left pending longer than REFERRAL_EXPIRY_DAYS and "
        "e-mails their referrers. Idempotent: meant for cron, e.g. daily "
        "`15 6 * * * cd /srv/connexions && .venv/bin/python manage.py expire_referrals`."
    )

    def handle(self, *args, **options):
        count = referrals_expire()
        self.stdout.write(
            f"{count} referral(s) pending for more than {settings.REFERRAL_EXPIRY_DAYS} days "
            "closed as expired."
        )
