"""Withdrawing a consent has its effect at once: no SMS reminder, no outcome shown to the
referrer, and withdrawing data processing anonymises the person after a confirmation."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from beneficiaries.enums import AuditAction, ConsentKind
from beneficiaries.models import Beneficiary, Consent
from connexions import sms
from connexions.models import AuditEvent
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.conftest import client_for
from tests.workshops.factories import WorkshopSessionFactory
from workshops import services as workshop_services
from workshops.models import Notification


def test_withdrawn_sms_consent_stops_the_next_reminder_run(
    client, counsellor_a, site_a, django_capture_on_commit_callbacks
):
    person = BeneficiaryFactory(enrolled_site=site_a, share_outcomes=True, phone="+33612345678")
    start = timezone.now() + timedelta(hours=24)
    session = WorkshopSessionFactory(
        site=site_a, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    workshop_services.registration_create(session=session, beneficiary=person, actor=counsellor_a)
    url = reverse("beneficiaries:consents", args=[person.pk])
    response = client_for(client, counsellor_a).post(url, {"consent_data_processing": "on"})
    assert response.status_code == 302
    sms_consent = Consent.objects.get(beneficiary=person, kind=ConsentKind.SMS_REMINDERS)
    assert not sms_consent.granted and sms_consent.recorded_by == counsellor_a
    assert sms_consent.events.count() >= 2  # given, then withdrawn: both dated in the history

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_workshop_reminders", stdout=StringIO())
    assert sms.outbox == []
    assert not Notification.objects.filter(channel="sms").exists()


def test_withdrawn_outcome_sharing_hides_outcomes_from_the_referrer(
    client, counsellor_a, social_worker_a
):
    person = BeneficiaryFactory(
        share_outcomes=True,
        enrolment_referral__agency=social_worker_a.agency,
        enrolment_referral__referrer=social_worker_a,
    )
    referral = person.enrolment_referral
    detail = reverse("referrals:detail", args=[referral.pk])
    shown = client_for(client, social_worker_a).get(detail).context["outcomes"]
    assert [o.code for o in shown] == ["enrolled"]
    client_for(client, counsellor_a).post(
        reverse("beneficiaries:consents", args=[person.pk]),
        {"consent_data_processing": "on", "consent_sms_reminders": "on"},
    )
    assert client_for(client, social_worker_a).get(detail).context["outcomes"] == []


def test_withdrawing_data_processing_anonymises_after_a_confirmation(client, counsellor_a, site_a):
    person = BeneficiaryFactory(enrolled_site=site_a, last_name="Quincampoix")
    url = reverse("beneficiaries:data_processing_withdrawal", args=[person.pk])
    client_for(client, counsellor_a)
    page = client.get(url)
    assert "journal des ventes" in page.text  # what stays is said before confirming
    assert client.post(url, {}).status_code == 200
    assert Beneficiary.objects.get(pk=person.pk).anonymised_at is None

    assert client.post(url, {"confirm": "on"}).status_code == 302
    person.refresh_from_db()
    assert person.anonymised_at is not None and person.last_name == person.number
    withdrawal = AuditEvent.objects.get(action=AuditAction.CONSENT_WITHDRAWN)
    assert withdrawal.data == {"consent": "data_processing", "text_version": "test"}
    assert AuditEvent.objects.get(action=AuditAction.BENEFICIARY_ANONYMISED).data["reason"] == (
        "consent_withdrawn"
    )
