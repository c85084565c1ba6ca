from django.core.management.base import BaseCommand

from sales import summaries


class Command(BaseCommand):
    help = (
        "Queues the rebuild of the impact dashboard's monthly till summary (every month before "
        "the current one) for the tasks worker; --now rebuilds it here and prints its size."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="rebuild now, without the worker")

    def handle(self, *args, now=False, **options):
        if now:
            rows = summaries.refresh()
            self.stdout.write(f"Monthly till summary rebuilt: {rows} rows.")
        else:
            summaries.refresh_till_months.enqueue()
            self.stdout.write("Monthly till summary rebuild queued for the tasks worker.")
