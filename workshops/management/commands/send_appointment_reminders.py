from django.core.management.base import BaseCommand

from workshops.appointment_services import appointment_reminders_enqueue


class Command(BaseCommand):
    help = (
        "Enqueues the reminders of appointments: APPOINTMENT_REMINDER_HOURS before, and on the "
        "morning of the day if APPOINTMENT_MORNING_REMINDER is on (for cron, e.g. every hour). "
        "Idempotent: nobody gets the same reminder twice."
    )

    def handle(self, *args, **options):
        count = appointment_reminders_enqueue()
        self.stdout.write(f"{count} appointment reminder(s) enqueued.")
