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
