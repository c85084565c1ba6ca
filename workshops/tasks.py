"""Messages to people about their workshops, sent by the tasks worker after the change that
caused them was committed. A message is claimed before it is sent, so it goes out at most once.
A failure keeps only the error's kind (never the address or number the provider may name), and
a failed reminder is tried again by the next reminder run, up to REMINDER_ATTEMPTS times."""

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.tasks import task
from django.utils import timezone, translation

REMINDER_ATTEMPTS = 3


class NotificationFailed(Exception):
    """A message could not be sent; the message says only the kind of error."""


def error_kind(error: Exception) -> str:
    """What may be kept of a send error: an SmsError's message (the provider's code, never the
    number or the text), else the exception's class and SMTP code, without its message (an
    SMTPRecipientsRefused names the address)."""
    from connexions.sms import SmsError

    if isinstance(error, SmsError):
        return str(error)[:255]
    code = getattr(error, "smtp_code", None)
    return f"{error.__class__.__name__} {code}".strip() if code else error.__class__.__name__


@task()
def send_notification(notification_id: int) -> None:
    from connexions.sms import SmsError, send_sms
    from workshops.enums import MessageChannel, MessageKind, RegistrationStatus, SessionStatus
    from workshops.messages import message_for
    from workshops.models import Notification

    claimed = Notification.objects.filter(pk=notification_id, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    if not claimed:
        return
    notification = Notification.objects.select_related(
        "registration__beneficiary", "registration__session__topic", "registration__session__site"
    ).get(pk=notification_id)
    registration = notification.registration
    if notification.kind == MessageKind.REMINDER and (
        registration.status != RegistrationStatus.REGISTERED
        or registration.session.status != SessionStatus.SCHEDULED
    ):
        Notification.objects.filter(pk=notification_id).update(
            error="no longer registered or session cancelled"
        )
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject, text = message_for(notification.kind, registration)
    beneficiary = registration.beneficiary
    try:
        if notification.channel == MessageChannel.SMS:
            send_sms(beneficiary.phone.as_e164, text)
        else:
            with translation.override(settings.LANGUAGE_CODE):
                body = message_for(notification.kind, registration, email=True)[1]
            send_mail(subject, body, None, [beneficiary.email])
    except (SmsError, OSError) as error:
        kind = error_kind(error)
        Notification.objects.filter(pk=notification_id).update(
            sent_at=None, error=kind, attempts=F("attempts") + 1
        )
        raise NotificationFailed(kind) from None


@task()
def send_appointment_message(message_id: int) -> None:
    """Send a queued message about an appointment; once sent, its text is not kept. A reminder
    for an appointment no longer held is not sent."""
    from connexions.sms import SmsError, send_sms
    from workshops.enums import (
        ACTIVE_APPOINTMENT,
        AppointmentMessageChannel,
        AppointmentMessageKind,
        AppointmentMessageStatus,
    )
    from workshops.models import AppointmentMessage

    claimed = AppointmentMessage.objects.filter(
        pk=message_id, status=AppointmentMessageStatus.QUEUED, sent_at__isnull=True
    ).update(sent_at=timezone.now())
    if not claimed:
        return
    message = AppointmentMessage.objects.select_related(
        "appointment__beneficiary", "appointment__referral", "appointment__site"
    ).get(pk=message_id)
    appointment = message.appointment
    reminder = message.kind in (
        AppointmentMessageKind.REMINDER,
        AppointmentMessageKind.REMINDER_MORNING,
    )
    if reminder and appointment.status not in ACTIVE_APPOINTMENT:
        AppointmentMessage.objects.filter(pk=message_id).update(
            status=AppointmentMessageStatus.FAILED, error="appointment no longer held", text=""
        )
        return
    person = appointment.beneficiary or appointment.referral
    try:
        if message.channel == AppointmentMessageChannel.SMS:
            send_sms(person.phone.as_e164, message.text)
        else:
            from workshops.appointment_messages import email_text

            with translation.override(settings.LANGUAGE_CODE):
                subject, body = email_text(message.kind, appointment)
            send_mail(subject, body, None, [person.email])
    except (SmsError, OSError) as error:
        kind = error_kind(error)
        AppointmentMessage.objects.filter(pk=message_id).update(
            status=AppointmentMessageStatus.FAILED, error=kind
        )
        raise NotificationFailed(kind) from None
    AppointmentMessage.objects.filter(pk=message_id).update(
        status=AppointmentMessageStatus.SENT, text=""
    )
