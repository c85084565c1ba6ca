"""Messages to people about their workshops, sent by the tasks worker after the change that
caused them was committed. A message is claimed before it is sent, so it goes out at most once."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone, translation


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
        Notification.objects.filter(pk=notification_id).update(sent_at=None, error=str(error)[:255])
        raise
