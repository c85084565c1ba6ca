"""E-mails about referrals, sent by the tasks worker once the change is committed: the referrer
told that their referral was accepted, declined (with the reason), is about to expire unanswered
or expired; the site's managers told of a referral about to expire.

Who gets news of a referral (`referral_news_recipient`) and how an e-mail subject names a person
(`short_name`: first name and initial, nothing more) are decided here only; the workshops app's
notice of an appointment booked uses both (docs/architecture.md, "Referral notifications")."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from connexions.enums import NotificationKind, SiteRole, UserKind
from connexions.models import User
from connexions.notifications import wants

ACCEPTED, DECLINED, EXPIRING, EXPIRED = "accepted", "declined", "expiring", "expired"


def short_name(first_name: str, last_name: str) -> str:
    """What an e-mail subject may say of a person: their first name and the initial of their
    last name."""
    initial = last_name.strip()[:1]
    return f"{first_name.strip()} {initial}." if initial else first_name.strip()


def referral_news_recipient(referral) -> str:
    """The address news of `referral` goes to: its referrer's account, or the address named by a
    referral staff recorded; "" when there is none or the referrer turned such news off in
    "Mes notifications"."""
    recipient = referral.notification_email
    if not recipient:
        return ""
    if referral.referrer_id and not wants(referral.referrer, NotificationKind.REFERRAL_NEWS):
        return ""
    return recipient


def site_managers(site):
    """Active site managers of `site`."""
    return User.objects.filter(
        is_active=True,
        kind=UserKind.SITE_STAFF,
        memberships__site=site,
        memberships__role=SiteRole.SITE_MANAGER,
    ).order_by("pk")


def site_url(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _subject(kind: str, facts: dict) -> str:
    subjects = {
        ACCEPTED: _("Connexions: referral accepted (%(name)s)"),
        DECLINED: _("Connexions: referral declined (%(name)s)"),
        EXPIRING: _("Connexions: referral unanswered, closes on %(expires)s (%(name)s)"),
        EXPIRED: _("Connexions: referral expired (%(name)s)"),
    }
    return subjects[kind] % facts


@task()
def send_referral_notice(referral_id: int, kind: str) -> None:
    """Tell the referrer that their referral was accepted, declined or expired, or will expire
    unanswered (`kind`); for the last, the site's managers too. A warning about a referral
    handled in the meantime is dropped."""
    from beneficiaries.enums import ReferralStatus
    from beneficiaries.models import Referral

    referral = Referral.objects.select_related("site", "referrer").get(pk=referral_id)
    if kind == EXPIRING and referral.status != ReferralStatus.PENDING:
        return
    expires = timezone.localtime(referral.submitted_at) + timedelta(
        days=settings.REFERRAL_EXPIRY_DAYS
    )
    with translation.override(settings.LANGUAGE_CODE):
        facts = {
            "name": short_name(referral.first_name, referral.last_name),
            "expires": formats.date_format(expires, "SHORT_DATE_FORMAT"),
        }
        context = {
            "referral": referral,
            "kind": kind,
            "url": site_url("referrals:detail", referral.pk),
            **facts,
        }
        subject = _subject(kind, facts)
        mails = []
        recipient = referral_news_recipient(referral)
        if recipient:
            body = render_to_string("beneficiaries/email/referral_body.txt", context)
            mails.append((body, recipient))
        if kind == EXPIRING:
            body = render_to_string("beneficiaries/email/referral_expiring_staff.txt", context)
            mails.extend(
                (body, manager.email)
                for manager in site_managers(referral.site)
                if manager.email and wants(manager, NotificationKind.REFERRAL_EXPIRING)
            )
    for body, address in mails:
        send_mail(subject, body, None, [address])
