from django.core.management.base import BaseCommand

from workshops.services import reminders_enqueue


class Command(BaseCommand):
    help = (
        "Enqueues the reminders of workshop sessions starting within WORKSHOP_REMINDER_HOURS "
        "(for cron, e.g. every hour). Idempotent: nobody is reminded twice; a reminder whose "
        "sending failed is tried again (3 tries at most)."
    )

    def handle(self, *args, **options):
        count = reminders_enqueue()
        self.stdout.write(f"{count} reminder(s) enqueued.")
