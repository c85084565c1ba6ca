"""What the scheduling app holds about a person, for the privacy registry
(beneficiaries/privacy.py): workshop registrations and the messages sent about them."""

from beneficiaries.privacy import latest_by_person
from workshops.enums import ATTENDANCE
from workshops.models import Notification, Registration


def last_contact(person_ids: list[int]) -> dict:
    registrations = Registration.objects.filter(beneficiary__in=person_ids)
    return latest_by_person(
        (registrations, "beneficiary", "created_at"),
        (registrations.filter(status__in=ATTENDANCE), "beneficiary", "session__starts_at"),
    )


def export(beneficiary) -> list[dict]:
    registrations = (
        Registration.objects.filter(beneficiary=beneficiary)
        .select_related("session__topic", "session__site")
        .prefetch_related("notifications")
        .order_by("session__starts_at", "id")
    )
    return [
        {
            "topic": registration.session.topic.title,
            "site": registration.session.site.name,
            "starts_at": registration.session.starts_at,
            "status": registration.get_status_display(),
            "messages": [
                {
                    "kind": notification.get_kind_display(),
                    "channel": notification.get_channel_display(),
                    "sent_at": notification.sent_at,
                }
                for notification in registration.notifications.all()
            ],
        }
        for registration in registrations
    ]


def anonymise(beneficiary) -> None:
    """Registrations hold no identity; a sending error may quote the gateway's answer (which can
    hold the phone number)."""
    Notification.objects.filter(registration__beneficiary=beneficiary).exclude(error="").update(
        error=""
    )
