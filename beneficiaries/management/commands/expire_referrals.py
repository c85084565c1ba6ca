from django.conf import settings
from django.core.management.base import BaseCommand

from beneficiaries.expiry import referrals_warn_expiring
from beneficiaries.services import referrals_expire


class Command(BaseCommand):
    help = (
        "Closes as expired the referrals left pending longer than REFERRAL_EXPIRY_DAYS and "
        "e-mails their referrers; warns the referrers and the sites' managers, once, of the "
        "referrals that will expire within REFERRAL_EXPIRY_WARNING_DAYS. Idempotent: meant for "
        "cron, e.g. daily "
        "`15 6 * * * cd /srv/connexions && .venv/bin/python manage.py expire_referrals`."
    )

    def handle(self, *args, **options):
        count = referrals_expire()
        self.stdout.write(
            f"{count} referral(s) pending for more than {settings.REFERRAL_EXPIRY_DAYS} days "
            "closed as expired."
        )
        warned = referrals_warn_expiring()
        self.stdout.write(
            f"{warned} referral(s) expiring within {settings.REFERRAL_EXPIRY_WARNING_DAYS} days: "
            "referrers and site managers warned."
        )
