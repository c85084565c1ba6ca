from django.core.management.base import BaseCommand

from catalogue.services import vouchers_write_off_expired


class Command(BaseCommand):
    help = "Writes off the vouchers past their expiry date (run daily from cron)."

    def handle(self, *args, **options):
        count = vouchers_write_off_expired()
        self.stdout.write(f"{count} expired voucher(s) written off.")
