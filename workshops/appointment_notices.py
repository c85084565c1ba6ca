"""E-mails to staff and referrers about referrals and appointments: the daily digest of new
referrals to a site's counsellors (counts and a link, no names), and the referrer told of an
appointment booked for the person they referred (date and site, if the person agreed to share
outcomes with them). Each honours the user's "Mes notifications"."""

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count
from django.tasks import task
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from beneficiaries.enums import ConsentKind, ReferralStatus
from beneficiaries.models import Consent, Referral
from beneficiaries.tasks import referral_news_recipient, short_name, site_url
from connexions.enums import NotificationKind
from connexions.models import ReceptionSite
from connexions.notifications import wants
from workshops.appointment_selectors import site_counsellors


def referral_digest_send(*, now: datetime | None = None) -> int:
    """E-mail each site's counsellors the number of referrals received in the last 24 hours and
    still waiting; nothing to a site that received none. Returns the e-mails sent."""
    now = now or timezone.now()
    counts = dict(
        Referral.objects.new(now)
        .values_list("site")
        .annotate(n=Count("pk"))
        .values_list("site", "n")
    )
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for site in ReceptionSite.objects.filter(pk__in=list(counts)).order_by("pk"):
            waiting = Referral.objects.filter(site=site, status=ReferralStatus.PENDING).count()
            subject = _("%(count)d new referrals at %(site)s") % {
                "count": counts[site.pk],
                "site": site.name,
            }
            body = _(
                "%(count)d new referrals arrived at %(site)s in the last 24 hours; %(waiting)d "
                "are waiting in all.\n\nTo handle them: %(url)s"
            ) % {
                "count": counts[site.pk],
                "site": site.name,
                "waiting": waiting,
                "url": site_url("referrals:inbox"),
            }
            for user in site_counsellors(site):
                if user.email and wants(user, NotificationKind.REFERRAL_DIGEST):
                    send_mail(subject, body, None, [user.email])
                    sent += 1
    return sent


@task()
def tell_referrer_of_appointment(appointment_id: int) -> None:
    """The referrer of an enrolled person who shares outcomes learns the date and site."""
    from workshops.models import Appointment

    appointment = Appointment.objects.select_related(
        "site", "beneficiary__enrolment_referral__referrer"
    ).get(pk=appointment_id)
    person = appointment.beneficiary
    if (
        person is None
        or not Consent.objects.filter(
            beneficiary=person, kind=ConsentKind.SHARE_OUTCOMES, granted=True
        ).exists()
    ):
        return
    referral = person.enrolment_referral
    recipient = referral_news_recipient(referral)
    if not recipient:
        return
    start = timezone.localtime(appointment.starts_at)
    with translation.override(settings.LANGUAGE_CODE):
        facts = {
            "name": short_name(person.first_name, person.last_name),
            "date": formats.date_format(start, "l j F Y"),
            "time": formats.time_format(start, "G\\hi"),
            "site": appointment.site.name,
            "url": site_url("referrals:detail", referral.pk),
        }
        subject = _("Appointment booked for %(name)s") % facts
        body = (
            _(
                "An appointment is booked for %(name)s on %(date)s at %(time)s at %(site)s.\n\n"
                "Your referral: %(url)s"
            )
            % facts
        )
    send_mail(subject, body, None, [recipient])
