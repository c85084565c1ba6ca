"""Referral notifications: the daily digest of new referrals to a site's counsellors (counts and
a link, no names, nothing when there are none), the referrer told of an appointment booked when
the person shares outcomes, and "Mes notifications" turning each kind off."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from connexions.enums import NotificationKind
from connexions.models import NotificationOptOut
from tests.beneficiaries.factories import BeneficiaryFactory, ReferralFactory
from tests.conftest import client_for
from tests.workshops.factories import availability
from workshops.appointment_services import appointment_book
from workshops.enums import AppointmentKind

pytestmark = pytest.mark.django_db


def _digest():
    out = StringIO()
    call_command("send_referral_digest", stdout=out)
    return out.getvalue()


def test_digest_counts_new_referrals_per_site_without_names(
    site_a, site_b, counsellor_a, manager_a, counsellor_b
):
    ReferralFactory(site=site_a, first_name="Aïcha", last_name="Traoré")
    ReferralFactory(site=site_a)
    ReferralFactory(site=site_a, submitted_at=timezone.now() - timedelta(days=3))
    NotificationOptOut.objects.create(user=manager_a, kind=NotificationKind.REFERRAL_DIGEST)
    assert "1 digest e-mail(s) sent." in _digest()
    (email,) = mail.outbox
    assert email.to == [counsellor_a.email]
    assert email.subject == f"2 nouvelles orientations à {site_a.name}"
    assert "3 attendent en tout" in email.body and "/orientations/a-traiter/" in email.body
    assert "Aïcha" not in email.body + email.subject and "Traoré" not in email.body


def test_no_digest_when_nothing_new(site_a, counsellor_a):
    assert "0 digest e-mail(s) sent." in _digest()
    assert mail.outbox == []


@pytest.mark.parametrize("shares", [True, False])
def test_the_referrer_learns_of_an_appointment_only_with_consent(
    site_a, counsellor_a, social_worker_a, shares, django_capture_on_commit_callbacks
):
    availability(counsellor_a, site_a, weekdays=range(7))
    person = BeneficiaryFactory(
        enrolled_site=site_a,
        first_name="Aïcha",
        last_name="Traoré",
        share_outcomes=shares,
        enrolment_referral__referrer=social_worker_a,
        enrolment_referral__agency=social_worker_a.agency,
    )
    start = (timezone.localtime() + timedelta(days=2)).replace(hour=10, minute=0, second=0)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_book(
            site=site_a,
            counsellor=counsellor_a,
            kind=AppointmentKind.FOLLOW_UP,
            starts_at=start,
            beneficiary=person,
            actor=counsellor_a,
        )
    to_referrer = [m for m in mail.outbox if m.to == [social_worker_a.email]]
    if not shares:
        assert to_referrer == []
        return
    (email,) = to_referrer
    assert email.subject == "Rendez-vous fixé pour Aïcha T."
    assert site_a.name in email.body and "10h00" in email.body
    assert "Traoré" not in email.subject + email.body
    assert "Entretien de suivi" not in email.body  # the kind stays between the person and site


def test_my_notifications_page_turns_kinds_off_and_on(client, social_worker_a):
    client = client_for(client, social_worker_a)
    page = client.get("/mes-notifications/")
    assert page.status_code == 200 and "Mes notifications" in page.content.decode()
    client.post("/mes-notifications/", {"on": [NotificationKind.REFERRAL_DIGEST]})
    assert set(NotificationOptOut.objects.values_list("kind", flat=True)) == {
        NotificationKind.REFERRAL_NEWS
    }
    client.post("/mes-notifications/", {"on": list(NotificationKind.values)})
    assert not NotificationOptOut.objects.exists()


@pytest.mark.parametrize(
    ("who", "offered"),
    [
        ("social_worker_a", {NotificationKind.REFERRAL_NEWS}),
        ("counsellor_a", {NotificationKind.REFERRAL_DIGEST}),
        ("manager_a", {NotificationKind.REFERRAL_DIGEST, NotificationKind.REFERRAL_EXPIRING}),
        ("programme_admin", set(NotificationKind)),
    ],
)
def test_my_notifications_offers_only_the_emails_that_can_reach_the_user(
    request, client, who, offered
):
    user = request.getfixturevalue(who)
    page = client_for(client, user).get("/mes-notifications/")
    assert {kind for kind, _label, _on in page.context["kinds"]} == offered
    client.post("/mes-notifications/", {"on": []})
    assert set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True)) == {
        kind.value for kind in offered
    }


def test_a_referrer_who_turned_news_off_is_not_told_of_a_decline(
    site_a, counsellor_a, social_worker_a, django_capture_on_commit_callbacks
):
    from beneficiaries import services

    NotificationOptOut.objects.create(user=social_worker_a, kind=NotificationKind.REFERRAL_NEWS)
    referral = ReferralFactory(site=site_a, referrer=social_worker_a, agency=social_worker_a.agency)
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_decline(referral=referral, reason="unreachable", actor=counsellor_a)
    assert mail.outbox == []
