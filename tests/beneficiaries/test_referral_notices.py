"""What the referrer and the site's managers hear of a referral: accepted, declined with the
reason, a week before it would expire unanswered (once), expired; subjects name the person by
first name and initial only; "Mes notifications" turns each kind off."""

import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from beneficiaries import services
from beneficiaries.enums import AuditAction, DeclineReason, ReferralStatus
from beneficiaries.models import Referral
from connexions.enums import NotificationKind
from connexions.models import AuditEvent, NotificationOptOut
from tests.beneficiaries.factories import ALL_CONSENTS, BeneficiaryFactory, baseline, person

pytestmark = pytest.mark.django_db


def submit(social_worker, site, **overrides):
    return services.referral_submit(
        actor=social_worker, site=site, person=person(**overrides), consent_attested=True
    )


def enrol(referral, actor, site):
    return services.beneficiary_enrol(
        referral=referral,
        person=person(),
        baseline=baseline(),
        consents=ALL_CONSENTS,
        confirmed_new=True,
        actor=actor,
        site=site,
    )


def assert_private_subject(message):
    assert message.subject.endswith("(Aïcha T.)")
    assert "Traoré" not in message.subject and "1985" not in message.subject


def test_enrolment_tells_the_referrer_the_referral_is_accepted(
    social_worker_a, counsellor_a, site_a, django_capture_on_commit_callbacks
):
    referral = submit(social_worker_a, site_a)
    with django_capture_on_commit_callbacks() as callbacks:
        enrol(referral, counsellor_a, site_a)
    assert mail.outbox == []  # nothing before the enrolment is committed
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == [social_worker_a.email]
    assert message.subject == "Connexions : orientation acceptée (Aïcha T.)"
    assert_private_subject(message)
    assert "a été acceptée" in message.body and site_a.name in message.body
    assert f"/orientations/{referral.pk}/" in message.body


def test_linking_to_an_enrolled_person_tells_the_referrer_too(
    social_worker_a, counsellor_a, site_a, django_capture_on_commit_callbacks
):
    enrolled = BeneficiaryFactory(
        first_name="Aïcha", last_name="Traoré", birth_date=date(1985, 4, 12), enrolled_site=site_a
    )
    referral = submit(social_worker_a, site_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_accept_for_existing(
            referral=referral, beneficiary=enrolled, actor=counsellor_a, site=site_a
        )
    (message,) = mail.outbox
    assert message.subject == "Connexions : orientation acceptée (Aïcha T.)"


def test_a_referral_recorded_by_staff_tells_the_named_address(
    counsellor_a, site_a, agency_a, django_capture_on_commit_callbacks
):
    referral = services.referral_submit(
        actor=counsellor_a,
        site=site_a,
        person=person(),
        consent_attested=True,
        agency=agency_a,
        referrer_name="Mme Martin",
        referrer_email="martin@example.org",
        channel="phone",
    )
    with django_capture_on_commit_callbacks(execute=True):
        enrol(referral, counsellor_a, site_a)
    assert [m.to for m in mail.outbox] == [["martin@example.org"]]
    assert "/orientations/" not in mail.outbox[0].body  # no account: no link to follow


def test_a_decline_gives_the_reason_and_a_private_subject(
    social_worker_a, counsellor_a, site_a, django_capture_on_commit_callbacks
):
    referral = submit(social_worker_a, site_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_decline(
            referral=referral,
            reason=DeclineReason.OTHER,
            comment="Hors du secteur",
            actor=counsellor_a,
        )
    (message,) = mail.outbox
    assert message.subject == "Connexions : orientation refusée (Aïcha T.)"
    assert "Motif : Autre — Hors du secteur" in message.body


def test_a_referrer_who_turned_news_off_hears_nothing_of_an_acceptance(
    social_worker_a, counsellor_a, site_a, django_capture_on_commit_callbacks
):
    NotificationOptOut.objects.create(user=social_worker_a, kind=NotificationKind.REFERRAL_NEWS)
    referral = submit(social_worker_a, site_a)
    with django_capture_on_commit_callbacks(execute=True):
        enrol(referral, counsellor_a, site_a)
    assert mail.outbox == []


# --- a week before expiry ----------------------------------------------------------------------


def _expire_referrals():
    out = io.StringIO()
    call_command("expire_referrals", stdout=out)
    return out.getvalue()


def _submitted_days_ago(referral, days):
    Referral.objects.filter(pk=referral.pk).update(
        submitted_at=timezone.now() - timedelta(days=days)
    )


@pytest.fixture
def expiry(settings):
    settings.REFERRAL_EXPIRY_DAYS = 30
    settings.REFERRAL_EXPIRY_WARNING_DAYS = 7


def test_a_week_before_expiry_the_referrer_and_the_site_managers_are_warned_once(
    expiry,
    social_worker_a,
    counsellor_a,
    manager_a,
    site_a,
    django_capture_on_commit_callbacks,
):
    soon = submit(social_worker_a, site_a)
    _submitted_days_ago(soon, 24)
    submit(social_worker_a, site_a, first_name="Récent")  # 30 days to go: not yet
    with django_capture_on_commit_callbacks(execute=True):
        output = _expire_referrals()
    assert "1 referral(s) expiring within 7 days" in output
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [social_worker_a.email, manager_a.email]
    )  # not the counsellors: they have the daily digest
    closes = (timezone.localtime() + timedelta(days=6)).date().strftime("%d/%m/%Y")
    for message in mail.outbox:
        assert message.subject == (
            f"Connexions : orientation sans réponse, close le {closes} (Aïcha T.)"
        )
        assert_private_subject(message)
        assert f"/orientations/{soon.pk}/" in message.body
    to_manager = next(m for m in mail.outbox if m.to == [manager_a.email])
    assert "attend toujours une réponse" in to_manager.body
    to_referrer = next(m for m in mail.outbox if m.to == [social_worker_a.email])
    assert "n'a pas encore reçu de réponse" in to_referrer.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "0 referral(s) expiring" in _expire_referrals()
    assert mail.outbox == []
    soon.refresh_from_db()
    assert soon.status == ReferralStatus.PENDING and soon.expiry_warned_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.REFERRAL_EXPIRY_WARNED).count() == 1


def test_the_expiry_warning_respects_each_ones_notifications(
    expiry, social_worker_a, manager_a, site_a, django_capture_on_commit_callbacks
):
    NotificationOptOut.objects.create(user=social_worker_a, kind=NotificationKind.REFERRAL_NEWS)
    NotificationOptOut.objects.create(user=manager_a, kind=NotificationKind.REFERRAL_EXPIRING)
    _submitted_days_ago(submit(social_worker_a, site_a), 25)
    with django_capture_on_commit_callbacks(execute=True):
        assert "1 referral(s) expiring" in _expire_referrals()
    assert mail.outbox == []


def test_no_warning_for_a_referral_handled_before_the_worker_sends_it(
    expiry, social_worker_a, counsellor_a, manager_a, site_a, django_capture_on_commit_callbacks
):
    from beneficiaries.tasks import EXPIRING, send_referral_notice

    referral = submit(social_worker_a, site_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_decline(
            referral=referral, reason=DeclineReason.UNREACHABLE, actor=counsellor_a
        )
    mail.outbox.clear()
    send_referral_notice.call(referral.pk, EXPIRING)
    assert mail.outbox == []


def test_an_overdue_referral_is_closed_not_warned(
    expiry, social_worker_a, manager_a, site_a, django_capture_on_commit_callbacks
):
    old = submit(social_worker_a, site_a)
    _submitted_days_ago(old, 31)
    with django_capture_on_commit_callbacks(execute=True):
        output = _expire_referrals()
    assert "1 referral(s) pending" in output and "0 referral(s) expiring" in output
    (message,) = mail.outbox
    assert message.to == [social_worker_a.email]
    assert message.subject == "Connexions : orientation expirée (Aïcha T.)"
