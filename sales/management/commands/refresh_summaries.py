from django.core.management.base import BaseCommand

from beneficiaries import summaries as people_summaries
from sales import summaries


class Command(BaseCommand):
    help = (
        "Queues the rebuild of the impact dashboard's monthly summaries, of the till and of the "
        "referrals and support sessions (every month before the current one), for the tasks "
        "worker; --now rebuilds them here and prints their size."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="rebuild now, without the worker")

    def handle(self, *args, now=False, **options):
        if now:
            rows = summaries.refresh()
            self.stdout.write(f"Monthly till summary rebuilt: {rows} rows.")
            rows = people_summaries.refresh()
            self.stdout.write(f"Monthly summary of referrals and sessions rebuilt: {rows} rows.")
        else:
            summaries.refresh_till_months.enqueue()
            people_summaries.refresh_people_months.enqueue()
            self.stdout.write("Monthly summaries' rebuild queued for the tasks worker.")
