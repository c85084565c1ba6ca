"""Booking, moving and settling appointments; free slots; messages and reminders; privacy."""

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from beneficiaries.enums import ConsentKind, ReferralStatus
from beneficiaries.models import Consent
from connexions import sms
from connexions.models import AuditEvent
from tests.beneficiaries.factories import BeneficiaryFactory, ReferralFactory
from tests.workshops.factories import availability
from workshops import appointment_privacy
from workshops.appointment_selectors import free_slots, no_show_rates, slot_starts
from workshops.appointment_services import (
    AppointmentError,
    appointment_book,
    appointment_reschedule,
    appointment_set_status,
)
from workshops.enums import (
    AbsenceReason,
    AppointmentKind,
    AppointmentMessageChannel,
    AppointmentMessageKind,
    AppointmentMessageStatus,
    AppointmentStatus,
)
from workshops.models import Absence, Appointment, AppointmentMessage, OpeningHours

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()
MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=TZ)


def at(day_offset, hour, minute=0):
    return (MONDAY + timedelta(days=day_offset)).replace(hour=hour, minute=minute)


@pytest.fixture
def agenda(site_a, counsellor_a):
    availability(counsellor_a, site_a)
    return counsellor_a


def book(site, counsellor, start, actor=None, **person):
    if not person:
        person = {"beneficiary": BeneficiaryFactory(enrolled_site=site)}
    return appointment_book(
        site=site,
        counsellor=counsellor,
        kind=AppointmentKind.SUPPORT,
        starts_at=start,
        actor=actor or counsellor,
        now=MONDAY - timedelta(days=3),
        **person,
    )


def test_slot_starts_skip_busy_times_and_the_past():
    windows = [(at(0, 9), at(0, 12))]
    busy = [(at(0, 9, 30), at(0, 10, 15))]
    starts = slot_starts(windows, busy, 45, after=at(0, 8))
    assert starts == [at(0, 10, 15), at(0, 11)]
    assert slot_starts(windows, [], 45, after=at(0, 10, 5)) == [at(0, 10, 15), at(0, 11)]


def test_free_slots_follow_availability_opening_hours_absences_and_bookings(
    site_a, agenda, counsellor_a
):
    OpeningHours.objects.create(site=site_a, weekday=0, opens=time(10), closes=time(12))
    Absence.objects.create(
        counsellor=counsellor_a,
        starts_at=at(1, 0),
        ends_at=at(2, 0),
        reason=AbsenceReason.TRAINING,
    )
    book(site_a, counsellor_a, at(0, 10))
    slots = free_slots(site=site_a, kind=AppointmentKind.FOLLOW_UP, after=MONDAY, count=3)
    # Open on Mondays 10:00-12:00 only; this Monday 10:00-10:45 is taken; then next Monday.
    assert [s.starts_at for s in slots] == [at(0, 10, 45), at(0, 11, 15), at(7, 10)]
    assert {s.counsellor for s in slots} == {counsellor_a}


def test_free_slots_of_every_counsellor_of_the_site_in_time_order(
    site_a, agenda, counsellor_a, manager_a
):
    availability(manager_a, site_a, starts="08:30", ends="12:00")
    slots = free_slots(site=site_a, kind=AppointmentKind.MEDIATION, after=MONDAY, count=3)
    assert [(s.starts_at, s.counsellor) for s in slots] == [
        (at(0, 8, 30), manager_a),
        (at(0, 9), counsellor_a),
        (at(0, 9, 30), manager_a),
    ]


def test_booking_writes_the_appointment_an_audit_row_and_a_message(site_a, agenda, counsellor_a):
    appointment = book(site_a, counsellor_a, at(0, 9))
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=45)
    event = AuditEvent.objects.get(action="workshops.appointment.booked")
    assert event.kind == "action" and event.data == {"appointment_kind": "support"}
    message = appointment.messages.get()
    assert message.kind == AppointmentMessageKind.BOOKED


def test_a_counsellor_is_never_booked_twice_at_once(site_a, agenda, counsellor_a):
    book(site_a, counsellor_a, at(0, 9))
    with pytest.raises(AppointmentError, match="vient d'être pris"):
        book(site_a, counsellor_a, at(0, 9, 30))
    book(site_a, counsellor_a, at(0, 9, 45))  # starts when the first ends


def test_the_database_refuses_overlapping_active_appointments(site_a, agenda, counsellor_a):
    from django.db import IntegrityError, transaction

    first = book(site_a, counsellor_a, at(0, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            site=site_a,
            counsellor=counsellor_a,
            beneficiary=first.beneficiary,
            kind=AppointmentKind.SUPPORT,
            starts_at=at(0, 9, 15),
            ends_at=at(0, 10),
            booked_by=counsellor_a,
        )


def test_a_cancelled_or_moved_appointment_frees_its_time(site_a, agenda, counsellor_a):
    first = book(site_a, counsellor_a, at(0, 9))
    appointment_set_status(
        appointment=first,
        status=AppointmentStatus.CANCELLED_BY_PERSON,
        actor=counsellor_a,
        now=MONDAY - timedelta(days=2),
    )
    second = book(site_a, counsellor_a, at(0, 9))
    moved = appointment_reschedule(
        appointment=second,
        counsellor=counsellor_a,
        starts_at=at(0, 9, 15),
        actor=counsellor_a,
        now=MONDAY - timedelta(days=2),
    )
    second.refresh_from_db()
    assert second.status == AppointmentStatus.RESCHEDULED
    assert moved.rescheduled_from == second and moved.is_active
    assert moved.messages.get().kind == AppointmentMessageKind.RESCHEDULED


# --- availability ------------------------------------------------------------------------------


def test_booking_inside_availability_and_opening_hours_is_accepted(site_a, agenda, counsellor_a):
    OpeningHours.objects.create(site=site_a, weekday=0, opens=time(9, 30), closes=time(12, 30))
    OpeningHours.objects.create(site=site_a, weekday=0, opens=time(12, 30), closes=time(17, 30))
    assert book(site_a, counsellor_a, at(0, 9, 30)).status == AppointmentStatus.BOOKED
    # 12:15-13:00 runs over two opening periods that touch: still open the whole time.
    assert book(site_a, counsellor_a, at(0, 12, 15)).status == AppointmentStatus.BOOKED
    assert book(site_a, counsellor_a, at(0, 16, 15)).ends_at == at(0, 17)


def test_booking_outside_the_sites_opening_hours_is_refused(site_a, agenda, counsellor_a):
    OpeningHours.objects.create(site=site_a, weekday=0, opens=time(10), closes=time(12))
    with pytest.raises(AppointmentError, match=f"{site_a.name} est fermé à cette heure-là"):
        book(site_a, counsellor_a, at(0, 9))
    with pytest.raises(AppointmentError, match="fermé"):
        book(site_a, counsellor_a, at(0, 11, 30))  # would end at 12:15
    with pytest.raises(AppointmentError, match="fermé"):
        book(site_a, counsellor_a, at(1, 10))  # closed on Tuesdays
    assert not Appointment.objects.exists()


def test_booking_outside_the_counsellors_availability_is_refused(
    site_a, site_b, agenda, counsellor_a
):
    from connexions.enums import SiteRole
    from connexions.models import SiteMembership

    with pytest.raises(AppointmentError, match="ne reçoit pas de public à Paris 19e"):
        book(site_a, counsellor_a, at(0, 16, 30))  # would end at 17:15
    with pytest.raises(AppointmentError, match="ne reçoit pas de public"):
        book(site_a, counsellor_a, at(5, 10))  # Saturday
    # Available at site A only: the same hours at another of their sites are refused.
    SiteMembership.objects.create(user=counsellor_a, site=site_b, role=SiteRole.COUNSELLOR)
    at_both = type(counsellor_a).objects.get(pk=counsellor_a.pk)  # memberships read afresh
    with pytest.raises(AppointmentError, match="ne reçoit pas de public à Marseille"):
        book(site_b, at_both, at(0, 10))
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("reason", [AbsenceReason.LEAVE, AbsenceReason.TRAINING])
def test_booking_during_an_absence_is_refused(site_a, agenda, counsellor_a, reason):
    Absence.objects.create(
        counsellor=counsellor_a, starts_at=at(0, 14), ends_at=at(3, 0), reason=reason
    )
    with pytest.raises(AppointmentError, match=r"est absent\(e\) à ce moment-là"):
        book(site_a, counsellor_a, at(1, 10))
    with pytest.raises(AppointmentError, match="absent"):
        book(site_a, counsellor_a, at(0, 13, 30))  # would end at 14:15
    assert book(site_a, counsellor_a, at(0, 13)).ends_at == at(0, 13, 45)
    assert book(site_a, counsellor_a, at(3, 9)).status == AppointmentStatus.BOOKED


def test_moving_an_appointment_outside_availability_is_refused(site_a, agenda, counsellor_a):
    appointment = book(site_a, counsellor_a, at(0, 9))
    with pytest.raises(AppointmentError, match="ne reçoit pas de public"):
        appointment_reschedule(
            appointment=appointment,
            counsellor=counsellor_a,
            starts_at=at(0, 18),
            actor=counsellor_a,
            now=MONDAY - timedelta(days=2),
        )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_a_counsellor_books_only_at_their_sites(site_a, site_b, agenda, counsellor_a, counsellor_b):
    availability(counsellor_b, site_b)
    with pytest.raises(Exception) as refused:
        book(site_b, counsellor_b, at(0, 9), actor=counsellor_a)
    assert refused.type.__name__ in {"PermissionDenied", "AppointmentError"}
    with pytest.raises(AppointmentError, match="ne reçoit pas"):
        book(site_a, counsellor_b, at(0, 9), actor=counsellor_a)


def test_the_person_of_a_pending_referral_can_be_booked(site_a, agenda, counsellor_a):
    referral = ReferralFactory(site=site_a, phone="+33612345678", sms_consent_attested=True)
    appointment = book(site_a, counsellor_a, at(0, 9), referral=referral)
    assert appointment.referral == referral and appointment.beneficiary is None
    assert appointment.messages.get().channel == AppointmentMessageChannel.SMS
    referral.status = ReferralStatus.DECLINED
    referral.decline_reason = "unreachable"
    referral.save()
    with pytest.raises(AppointmentError, match="close"):
        book(site_a, counsellor_a, at(0, 11), referral=referral)


def test_status_changes_follow_the_rules(site_a, agenda, counsellor_a):
    appointment = book(site_a, counsellor_a, at(0, 9))
    with pytest.raises(AppointmentError):
        appointment_set_status(
            appointment=appointment, status=AppointmentStatus.DONE, actor=counsellor_a, now=at(0, 9)
        )
    with pytest.raises(AppointmentError, match="12 heures"):
        appointment_set_status(
            appointment=appointment,
            status=AppointmentStatus.ARRIVED,
            actor=counsellor_a,
            now=at(-1, 20),
        )
    with pytest.raises(AppointmentError, match="absent"):
        appointment_set_status(
            appointment=appointment,
            status=AppointmentStatus.NO_SHOW,
            actor=counsellor_a,
            now=at(0, 8),
        )
    for status in (AppointmentStatus.ARRIVED, AppointmentStatus.DONE):
        appointment = appointment_set_status(
            appointment=appointment, status=status, actor=counsellor_a, now=at(0, 9, 5)
        )
    assert appointment.status == AppointmentStatus.DONE


# --- messages ----------------------------------------------------------------------------------


def test_sms_only_with_consent_else_email_else_call(site_a, agenda, counsellor_a):
    sms_person = BeneficiaryFactory(share_outcomes=True, phone="+33612345678")
    withdrew = BeneficiaryFactory(share_outcomes=True, phone="+33612345679", email="a@example.org")
    Consent.objects.filter(beneficiary=withdrew, kind=ConsentKind.SMS_REMINDERS).update(
        granted=False
    )
    unreachable = BeneficiaryFactory(share_outcomes=False, phone="+33612345670")
    channels = [
        book(site_a, counsellor_a, at(0, 9 + i), beneficiary=person).messages.get().channel
        for i, person in enumerate([sms_person, withdrew, unreachable])
    ]
    assert channels == [
        AppointmentMessageChannel.SMS,
        AppointmentMessageChannel.EMAIL,
        AppointmentMessageChannel.CALL,
    ]
    assert AppointmentMessage.objects.get(channel="call").status == AppointmentMessageStatus.TO_CALL


def test_messages_go_out_after_commit_and_lose_their_text_once_sent(
    site_a, agenda, counsellor_a, django_capture_on_commit_callbacks
):
    person = BeneficiaryFactory(
        share_outcomes=True, phone="+33612345678", first_name="Aïcha-Éloïse"
    )
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(site_a, counsellor_a, at(0, 9), beneficiary=person)
    assert len(sms.outbox) == 1
    assert sms.outbox[0].text.startswith("Connexions : Aicha-Éloise, votre RDV")
    message = appointment.messages.get()
    assert message.status == AppointmentMessageStatus.SENT and message.text == ""


@pytest.fixture
def remind(django_capture_on_commit_callbacks, monkeypatch):
    def run(now):
        monkeypatch.setattr(timezone, "now", lambda: now)
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_appointment_reminders", stdout=out)
        return out.getvalue()

    return run


def test_the_reminder_command_run_twice_sends_once(site_a, agenda, counsellor_a, remind, settings):
    settings.APPOINTMENT_MORNING_REMINDER = False
    by_sms = BeneficiaryFactory(share_outcomes=True, phone="+33612345678")
    by_mail = BeneficiaryFactory(share_outcomes=False, email="b@example.org")
    book(site_a, counsellor_a, at(2, 9), beneficiary=by_sms)
    book(site_a, counsellor_a, at(2, 10), beneficiary=by_mail)
    assert "2 appointment reminder(s)" in remind(at(0, 10, 30))
    assert "0 appointment reminder(s)" in remind(at(0, 11))
    assert len(sms.outbox) == 1 and "rappel" in sms.outbox[0].text
    assert [m.to for m in mail.outbox] == [["b@example.org"]]
    assert AppointmentMessage.objects.filter(kind="reminder", status="sent").count() == 2


def test_the_morning_reminder_is_a_setting(site_a, agenda, counsellor_a, remind, settings):
    book(
        site_a,
        counsellor_a,
        at(2, 15),
        beneficiary=BeneficiaryFactory(share_outcomes=True, phone="+33612345678"),
    )
    settings.APPOINTMENT_MORNING_REMINDER = False
    remind(at(2, 7))
    assert not AppointmentMessage.objects.filter(kind="reminder_morning").exists()
    settings.APPOINTMENT_MORNING_REMINDER = True
    assert "1 appointment reminder(s)" in remind(at(2, 7))
    assert "0 appointment reminder(s)" in remind(at(2, 8))


def test_a_reminder_is_not_sent_for_a_cancelled_appointment(
    site_a, agenda, counsellor_a, django_capture_on_commit_callbacks
):
    from workshops.appointment_services import message_queue
    from workshops.tasks import send_appointment_message

    appointment = book(
        site_a,
        counsellor_a,
        at(2, 9),
        beneficiary=BeneficiaryFactory(share_outcomes=True, phone="+33612345678"),
    )
    message = message_queue(appointment, AppointmentMessageKind.REMINDER)
    Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.CANCELLED_BY_SITE)
    send_appointment_message.call(message.pk)
    message.refresh_from_db()
    assert message.status == AppointmentMessageStatus.FAILED and sms.outbox == []


# --- figures and privacy -----------------------------------------------------------------------


def test_no_show_rates_by_site_and_kind(site_a, agenda, counsellor_a):
    for hour, status in (
        (9, "no_show"),
        (10, "done"),
        (11, "done"),
        (12, "no_show"),
        (13, "booked"),
    ):
        appointment = book(site_a, counsellor_a, at(0, hour))
        Appointment.objects.filter(pk=appointment.pk).update(status=status)
    from connexions.periods import Period

    rows = no_show_rates(period=Period(at(0, 0).date(), at(0, 0).date()), sites=[site_a])
    assert rows == [
        {
            "site": site_a.name,
            "kind": "Accompagnement individuel",
            "settled": 4,
            "no_shows": 2,
            "rate": 50.0,
        }
    ]


def test_privacy_last_contact_export_and_anonymise(site_a, agenda, counsellor_a):
    person = BeneficiaryFactory(share_outcomes=True, phone="+33612345678", first_name="Aïcha")
    book(site_a, counsellor_a, at(0, 9), beneficiary=person)
    cancelled = book(site_a, counsellor_a, at(3, 9), beneficiary=person)
    Appointment.objects.filter(pk=cancelled.pk).update(status=AppointmentStatus.CANCELLED_BY_PERSON)
    assert appointment_privacy.last_contact([person.pk]) == {person.pk: at(0, 9).date()}
    exported = appointment_privacy.export(person)
    assert [row["status"] for row in exported] == ["booked", "cancelled_person"]
    assert exported[0]["messages"][0]["kind"] == "booked"
    import json

    json.dumps(exported)
    appointment_privacy.anonymise(person)
    assert (
        AppointmentMessage.objects.filter(appointment__beneficiary=person).exclude(text="").count()
        == 0
    )
    assert Appointment.objects.filter(beneficiary=person).count() == 2
