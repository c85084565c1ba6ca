"""E-mails to referrers, sent by the tasks worker after the change was committed."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from connexions.enums import NotificationKind
from connexions.notifications import wants


@task()
def send_referral_notice(referral_id: int, kind: str) -> None:
    """Tell the referrer that their referral was declined or expired (`kind`)."""
    from beneficiaries.models import Referral

    referral = Referral.objects.select_related("site", "referrer").get(pk=referral_id)
    recipient = referral.notification_email
    if not recipient:
        return
    if referral.referrer_id and not wants(referral.referrer, NotificationKind.REFERRAL_NEWS):
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "referral": referral,
            "kind": kind,
            "url": settings.SITE_URL.rstrip("/") + reverse("referrals:detail", args=[referral.pk]),
        }
        subject = render_to_string("beneficiaries/email/referral_subject.txt", context)
        body = render_to_string("beneficiaries/email/referral_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [recipient])
