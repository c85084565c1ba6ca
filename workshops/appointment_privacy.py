"""What the agendas keep about a person, for the privacy registry: the last contact, the
subject-access export, and erasure. Appointments of a person are those booked for them as a
beneficiary and those booked for one of their referrals."""

from datetime import date

from django.db.models import Max, Q
from django.utils import timezone

from workshops.enums import AppointmentStatus
from workshops.models import Appointment, AppointmentMessage

# Appointments that were a contact with the person (they came, or were told of one to come).
_CONTACT = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.DONE,
)


def _of(person) -> Q:
    """`person`: a Beneficiary, or a Referral of someone not enrolled."""
    from beneficiaries.models import Beneficiary

    if isinstance(person, Beneficiary):
        return Q(beneficiary=person) | Q(referral__beneficiary=person)
    return Q(referral=person)


def last_contact(person_ids) -> dict[int, date]:
    """For beneficiary ids: the day of their latest appointment that took or will take place
    (an appointment they came to, or one still booked)."""
    found = (
        Appointment.objects.filter(beneficiary__in=list(person_ids), status__in=_CONTACT)
        .values("beneficiary")
        .annotate(last=Max("starts_at"))
    )
    return {row["beneficiary"]: timezone.localtime(row["last"]).date() for row in found}


def export(person) -> list[dict]:
    """The person's appointments and the messages sent about them (JSON-ready)."""
    appointments = (
        Appointment.objects.filter(_of(person))
        .select_related("site", "counsellor")
        .prefetch_related("messages")
        .order_by("starts_at", "pk")
    )
    return [
        {
            "type": "appointment",
            "kind": appointment.kind,
            "site": appointment.site.name,
            "counsellor": appointment.counsellor.get_full_name(),
            "starts_at": appointment.starts_at.isoformat(),
            "ends_at": appointment.ends_at.isoformat(),
            "status": appointment.status,
            "messages": [
                {
                    "kind": message.kind,
                    "channel": message.channel,
                    "status": message.status,
                    "created_at": message.created_at.isoformat(),
                    "sent_at": message.sent_at.isoformat() if message.sent_at else None,
                }
                for message in appointment.messages.all()
            ],
        }
        for appointment in appointments
    ]


def anonymise(person) -> None:
    """Erase what could name the person in messages (their text, which holds the first name, and
    error details); appointments keep only dates, kinds, sites and statuses, which name no one."""
    AppointmentMessage.objects.filter(
        appointment__in=Appointment.objects.filter(_of(person))
    ).update(text="", error="")
