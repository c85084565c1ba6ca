"""Reminders 48 hours before, by the cron command: SMS to those who agreed and have a mobile,
else e-mail; never twice; the text names the workshop, the site, its address, the date and
the time, in French."""

import smtplib
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from beneficiaries.enums import ConsentKind
from beneficiaries.models import Consent
from connexions import sms
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.workshops.factories import WorkshopSessionFactory, WorkshopTopicFactory
from workshops import services
from workshops.enums import MessageChannel
from workshops.models import Notification
from workshops.tasks import NotificationFailed, send_notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(counsellor_a, site_a):
    site_a.name = "Paris 19e — Emmaüs Défi"
    site_a.address = "6 rue Archereau"
    site_a.postal_code = "75019"
    site_a.city = "Paris"
    site_a.save()
    start = datetime(2026, 12, 3, 14, 0, tzinfo=timezone.get_current_timezone())  # a Thursday
    return WorkshopSessionFactory(
        site=site_a,
        topic=WorkshopTopicFactory(title="Lire une facture"),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        room="Salle 2",
    )


NOW = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.get_current_timezone())  # 29 hours before


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    """Run the cron command; the tasks it enqueues on commit run (immediate backend)."""

    def run():
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_workshop_reminders", stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def _register(session, actor, **person):
    return services.registration_create(
        session=session, beneficiary=BeneficiaryFactory(**person), actor=actor
    )


def test_sms_text_names_the_workshop_site_address_date_and_time(
    session, counsellor_a, frozen_now, remind
):
    _register(session, counsellor_a, share_outcomes=True, phone="+33612345678")
    assert "1 reminder(s) enqueued." in remind()
    assert [m.to for m in sms.outbox] == ["+33612345678"]
    assert sms.outbox[0].text == (
        'Connexions : rappel de votre atelier "Lire une facture" le jeudi 3 décembre 2026 à '
        "14h00, Paris 19e — Emmaüs Défi, 6 rue Archereau, 75019 Paris. Salle : Salle 2."
    )
    reminder = Notification.objects.get()
    assert reminder.channel == MessageChannel.SMS
    assert reminder.sent_at is not None


def test_running_twice_sends_one_message_per_person(session, counsellor_a, frozen_now, remind):
    for n in range(3):
        _register(session, counsellor_a, share_outcomes=True, phone=f"+3361234567{n}")
    remind()
    remind()
    assert sorted(m.to for m in sms.outbox) == [f"+3361234567{n}" for n in range(3)]
    assert Notification.objects.count() == 3


def test_no_message_without_consent(session, counsellor_a, frozen_now, remind):
    registration = _register(session, counsellor_a, phone="+33612345678")
    assert not Consent.objects.get(
        beneficiary=registration.beneficiary, kind=ConsentKind.SMS_REMINDERS
    ).granted
    remind()
    assert sms.outbox == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_email_when_no_sms_consent_but_an_email(session, counsellor_a, frozen_now, remind):
    _register(session, counsellor_a, phone="+33612345678", email="aicha@example.org")
    _register(session, counsellor_a, share_outcomes=True, email="sans.mobile@example.org")
    remind()
    assert sms.outbox == []
    assert sorted(m.to[0] for m in mail.outbox) == ["aicha@example.org", "sans.mobile@example.org"]
    assert "jeudi 3 décembre 2026 à 14h00" in mail.outbox[0].body
    assert mail.outbox[0].subject.startswith("Rappel")


def test_only_sessions_within_the_window_and_still_on(
    session, counsellor_a, site_a, frozen_now, settings, remind
):
    settings.WORKSHOP_REMINDER_HOURS = 24  # the session starts in 29 hours
    _register(session, counsellor_a, share_outcomes=True, phone="+33612345678")
    remind()
    assert sms.outbox == []
    settings.WORKSHOP_REMINDER_HOURS = 48
    waiting = WorkshopSessionFactory(site=site_a, starts_at=session.starts_at, capacity=1)
    _register(waiting, counsellor_a)
    _register(waiting, counsellor_a, share_outcomes=True, phone="+33698765432")  # waiting
    cancelled = WorkshopSessionFactory(site=site_a, starts_at=session.starts_at)
    _register(cancelled, counsellor_a, share_outcomes=True, phone="+33687654321")
    services.session_cancel(session=cancelled, reason="Salle indisponible", actor=counsellor_a)
    sms.outbox.clear()
    remind()
    assert [m.to for m in sms.outbox] == ["+33612345678"]


def test_reminder_enqueued_then_session_cancelled_is_not_sent(
    session, counsellor_a, frozen_now, django_capture_on_commit_callbacks
):
    _register(session, counsellor_a, share_outcomes=True, phone="+33612345678")
    with django_capture_on_commit_callbacks() as callbacks:
        services.reminders_enqueue()
    services.session_cancel(session=session, reason="Fermeture", actor=counsellor_a)
    sms.outbox.clear()
    for callback in callbacks:
        callback()
    assert sms.outbox == []
    assert Notification.objects.get(kind="reminder").error


def test_site_in_another_city_is_named(counsellor_b, site_b, frozen_now, remind):
    site_b.address, site_b.postal_code, site_b.city = "33 cours Julien", "13006", "Marseille"
    site_b.save()
    start = datetime(2026, 12, 3, 9, 30, tzinfo=timezone.get_current_timezone())
    other = WorkshopSessionFactory(site=site_b, starts_at=start, ends_at=start + timedelta(hours=1))
    _register(other, counsellor_b, share_outcomes=True, phone="+33612345678")
    remind()
    assert "à 9h30, Marseille — test, 33 cours Julien, 13006 Marseille" in sms.outbox[0].text


def _failing_mail(monkeypatch, failures):
    """The mail server refuses the first `failures` sends, naming the address as SMTP does."""
    calls = []

    def send_mail(subject, body, sender, recipients):
        calls.append(recipients)
        if len(calls) <= failures:
            raise smtplib.SMTPRecipientsRefused({recipients[0]: (550, b"no such user")})
        mail.outbox.append(recipients)

    monkeypatch.setattr("workshops.tasks.send_mail", send_mail)
    return calls


def test_failed_reminder_keeps_no_address_and_is_retried(
    session, counsellor_a, frozen_now, remind, monkeypatch
):
    _register(session, counsellor_a, email="aicha@example.org")
    calls = _failing_mail(monkeypatch, failures=2)
    remind()
    reminder = Notification.objects.get()
    assert reminder.sent_at is None and reminder.attempts == 1
    assert reminder.error == "SMTPRecipientsRefused"
    with pytest.raises(NotificationFailed) as raised:  # what the worker's log would keep
        send_notification.call(reminder.pk)
    assert str(raised.value) == "SMTPRecipientsRefused" and raised.value.__cause__ is None
    remind()  # the next cron run tries again, and it goes through
    reminder.refresh_from_db()
    assert reminder.sent_at is not None and len(calls) == 3
    remind()  # once sent, never again
    assert len(calls) == 3 and Notification.objects.count() == 1


def test_a_failing_reminder_is_tried_a_bounded_number_of_times(
    session, counsellor_a, frozen_now, remind, monkeypatch
):
    _register(session, counsellor_a, email="aicha@example.org")
    calls = _failing_mail(monkeypatch, failures=100)
    for _ in range(5):
        remind()
    assert len(calls) == 3
    assert Notification.objects.get().attempts == 3
