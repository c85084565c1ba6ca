from django.core.management.base import BaseCommand

from workshops.appointment_notices import referral_digest_send


class Command(BaseCommand):
    help = (
        "E-mails each site's counsellors the number of new referrals of the last 24 hours (for "
        "cron, once a day); a site with none gets nothing."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{referral_digest_send()} digest e-mail(s) sent.")
