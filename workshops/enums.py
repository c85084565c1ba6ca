from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TopicLevel(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")
    HELD = "held", pgettext_lazy("workshop session", "Held")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


# Statuses that hold a seat: registered, then whatever attendance says about them.
SEATED = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.PRESENT,
    RegistrationStatus.ABSENT,
    RegistrationStatus.EXCUSED,
)
ATTENDANCE = (RegistrationStatus.PRESENT, RegistrationStatus.ABSENT, RegistrationStatus.EXCUSED)


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class MessageKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    PROMOTED = "promoted", _("Seat freed on the waiting list")
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled")


class AuditAction(StrEnum):
    """Audit action names (`<app>.<entity>.<past participle>`, see connexions.enums)."""

    TOPIC_SAVED = "workshops.topic.saved"
    FACILITATOR_SAVED = "workshops.facilitator.saved"
    SESSIONS_CREATED = "workshops.session.created"
    SESSION_UPDATED = "workshops.session.updated"
    SESSION_CANCELLED = "workshops.session.cancelled"
    REGISTRATION_SEATED = "workshops.registration.seated"
    REGISTRATION_WAITLISTED = "workshops.registration.waitlisted"
    REGISTRATION_CANCELLED = "workshops.registration.cancelled"
    REGISTRATION_PROMOTED = "workshops.registration.promoted"
    ATTENDANCE_RECORDED = "workshops.attendance.recorded"
    APPOINTMENT_BOOKED = "workshops.appointment.booked"
    APPOINTMENT_STATUS_CHANGED = "workshops.appointment.status_changed"
    APPOINTMENT_RESCHEDULED = "workshops.appointment.rescheduled"
    CALENDAR_TOKEN_RESET = "workshops.calendar_token.reset"


# --- appointments ------------------------------------------------------------------------------


class AppointmentKind(models.TextChoices):
    ENROLMENT = "enrolment", _("Enrolment interview")
    SUPPORT = "support", _("One-to-one support")
    FOLLOW_UP = "follow_up", _("Follow-up interview")
    MEDIATION = "mediation", _("Mediation meeting")
    DEVICE_HANDOVER = "device_handover", _("Device hand-over")


# Default length of each kind, in minutes (the booking form proposes slots of this length).
KIND_MINUTES = {
    AppointmentKind.ENROLMENT: 45,
    AppointmentKind.SUPPORT: 45,
    AppointmentKind.FOLLOW_UP: 30,
    AppointmentKind.MEDIATION: 60,
    AppointmentKind.DEVICE_HANDOVER: 30,
}


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CONFIRMED = "confirmed", _("Confirmed")
    ARRIVED = "arrived", _("Arrived")
    DONE = "done", _("Done")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED_BY_PERSON = "cancelled_person", _("Cancelled by the person")
    CANCELLED_BY_SITE = "cancelled_site", _("Cancelled by the site")
    RESCHEDULED = "rescheduled", _("Rescheduled")


# Appointments that hold the counsellor's time (the exclusion constraint covers only these).
ACTIVE_APPOINTMENT = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.ARRIVED,
)

# From a status, the statuses a counsellor may set (rescheduling has its own service).
APPOINTMENT_TRANSITIONS = {
    AppointmentStatus.BOOKED: {
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.ARRIVED,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.CANCELLED_BY_PERSON,
        AppointmentStatus.CANCELLED_BY_SITE,
    },
    AppointmentStatus.CONFIRMED: {
        AppointmentStatus.ARRIVED,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.CANCELLED_BY_PERSON,
        AppointmentStatus.CANCELLED_BY_SITE,
    },
    AppointmentStatus.ARRIVED: {AppointmentStatus.DONE},
    AppointmentStatus.DONE: set(),
    AppointmentStatus.NO_SHOW: set(),
    AppointmentStatus.CANCELLED_BY_PERSON: set(),
    AppointmentStatus.CANCELLED_BY_SITE: set(),
    AppointmentStatus.RESCHEDULED: set(),
}


class AbsenceReason(models.TextChoices):
    LEAVE = "leave", _("Leave")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class AppointmentMessageKind(models.TextChoices):
    BOOKED = "booked", _("Confirmation")
    RESCHEDULED = "rescheduled", _("New time")
    CANCELLED = "cancelled", _("Cancellation")
    REMINDER = "reminder", _("Reminder 48 hours before")
    REMINDER_MORNING = "reminder_morning", _("Reminder on the morning")


class AppointmentMessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    CALL = "call", _("To call (no SMS or e-mail)")


class AppointmentMessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    TO_CALL = "to_call", _("Call the person")
