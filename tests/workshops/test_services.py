from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.utils import timezone

from connexions import sms
from connexions.models import AuditEvent
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.workshops.factories import (
    FacilitatorFactory,
    RegistrationFactory,
    WorkshopSessionFactory,
    WorkshopTopicFactory,
)
from workshops import services
from workshops.enums import AuditAction, MessageKind, RegistrationStatus, SessionStatus
from workshops.models import Facilitator, Notification, PartnerCompany, Registration

pytestmark = pytest.mark.django_db


def _register(session, actor, **person):
    return services.registration_create(
        session=session, beneficiary=BeneficiaryFactory(**person), actor=actor
    )


# --- sessions ----------------------------------------------------------------------------------


def test_weekly_series_keeps_the_local_time_across_the_clock_change(site_a, counsellor_a):
    topic = WorkshopTopicFactory()
    volunteer = FacilitatorFactory()
    sessions = services.session_series_create(
        topic=topic,
        site=site_a,
        first_day=date(2026, 10, 14),  # Europe/Paris leaves summer time on 25 October
        start=time(14, 0),
        end=time(16, 0),
        capacity=8,
        room="Salle 2",
        facilitators=[volunteer],
        weeks=4,
        actor=counsellor_a,
    )
    assert len(sessions) == 4
    starts = [timezone.localtime(s.starts_at) for s in sessions]
    assert [s.date() for s in starts] == [
        date(2026, 10, 14),
        date(2026, 10, 21),
        date(2026, 10, 28),
        date(2026, 11, 4),
    ]
    assert {(s.hour, s.minute) for s in starts} == {(14, 0)}
    assert {s.series for s in sessions} == {sessions[0].pk}
    assert all(list(s.facilitators.all()) == [volunteer] for s in sessions)
    assert AuditEvent.objects.filter(action=AuditAction.SESSIONS_CREATED).count() == 1


@pytest.mark.parametrize(
    ("weeks", "start", "end", "capacity"),
    [(0, time(14), time(16), 8), (53, time(14), time(16), 8), (1, time(16), time(14), 8)],
)
def test_series_refused(site_a, counsellor_a, weeks, start, end, capacity):
    with pytest.raises(services.WorkshopError):
        services.session_series_create(
            topic=WorkshopTopicFactory(),
            site=site_a,
            first_day=date(2026, 12, 1),
            start=start,
            end=end,
            capacity=capacity,
            weeks=weeks,
            actor=counsellor_a,
        )


def test_counsellor_cannot_create_sessions_at_another_site(site_b, counsellor_a):
    with pytest.raises(PermissionDenied):
        services.session_series_create(
            topic=WorkshopTopicFactory(),
            site=site_b,
            first_day=date(2026, 12, 1),
            start=time(10),
            end=time(12),
            capacity=5,
            actor=counsellor_a,
        )


# --- registrations and the waiting list --------------------------------------------------------


def test_full_session_puts_people_on_the_waiting_list_in_arrival_order(site_a, counsellor_a):
    session = WorkshopSessionFactory(site=site_a, capacity=2)
    statuses = [_register(session, counsellor_a).status for _ in range(4)]
    assert statuses == ["registered", "registered", "waiting", "waiting"]
    assert list(session.registrations.waiting().values_list("queue_number", flat=True)) == [3, 4]


@pytest.mark.parametrize("when", ["held", "started", "past"])
def test_nobody_registers_for_a_session_held_or_started(site_a, counsellor_a, when):
    now = timezone.now()
    session = WorkshopSessionFactory(site=site_a)
    if when == "held":
        session.status = SessionStatus.HELD
    else:
        session.starts_at = now - timedelta(minutes=5 if when == "started" else 60 * 24 * 3)
        session.ends_at = session.starts_at + timedelta(hours=2)
    session.save()
    with pytest.raises(services.WorkshopError, match="already started|déjà commencé"):
        _register(session, counsellor_a)
    assert not Registration.objects.exists()


def test_one_registration_per_person_and_session(site_a, counsellor_a):
    session = WorkshopSessionFactory(site=site_a)
    registration = _register(session, counsellor_a)
    with pytest.raises(services.WorkshopError, match="déjà|already"):
        services.registration_create(
            session=session, beneficiary=registration.beneficiary, actor=counsellor_a
        )


def test_database_refuses_a_second_row_for_the_same_person(site_a):
    registration = RegistrationFactory(session__site=site_a)
    with pytest.raises(IntegrityError):
        RegistrationFactory(session=registration.session, beneficiary=registration.beneficiary)


def test_cancelled_person_may_register_again_at_the_back_of_the_queue(site_a, counsellor_a):
    session = WorkshopSessionFactory(site=site_a, capacity=1)
    first = _register(session, counsellor_a)
    services.registration_cancel(registration=first, actor=counsellor_a)
    _register(session, counsellor_a)
    again = services.registration_create(
        session=session, beneficiary=first.beneficiary, actor=counsellor_a
    )
    assert again.pk == first.pk
    assert (again.status, again.queue_number) == (RegistrationStatus.WAITING, 3)


def test_cancelling_a_seat_promotes_the_first_waiting_and_tells_them(
    site_a, counsellor_a, django_capture_on_commit_callbacks
):
    session = WorkshopSessionFactory(site=site_a, capacity=1)
    seated = _register(session, counsellor_a)
    first = _register(session, counsellor_a, share_outcomes=True, phone="+33611111111")
    second = _register(session, counsellor_a, share_outcomes=True, phone="+33622222222")
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=seated, actor=counsellor_a)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == RegistrationStatus.REGISTERED
    assert first.promoted_at is not None
    assert second.status == RegistrationStatus.WAITING
    assert [m.to for m in sms.outbox] == ["+33611111111"]
    assert "une place s'est libérée" in sms.outbox[0].text
    assert Notification.objects.get().kind == MessageKind.PROMOTED


def test_cancelling_a_waiting_person_promotes_nobody(site_a, counsellor_a):
    session = WorkshopSessionFactory(site=site_a, capacity=1)
    _register(session, counsellor_a)
    waiting = _register(session, counsellor_a)
    services.registration_cancel(registration=waiting, actor=counsellor_a)
    assert not AuditEvent.objects.filter(action=AuditAction.REGISTRATION_PROMOTED).exists()


def test_more_seats_go_to_the_people_waiting(site_a, counsellor_a):
    session = WorkshopSessionFactory(site=site_a, capacity=1)
    for _ in range(3):
        _register(session, counsellor_a)
    services.session_update(
        session=session, room="Salle 3", capacity=2, facilitators=[], actor=counsellor_a
    )
    assert session.registrations.seated().count() == 2
    with pytest.raises(services.WorkshopError):
        services.session_update(
            session=session, room="", capacity=1, facilitators=[], actor=counsellor_a
        )


def test_cancelling_the_session_tells_everyone_registered_or_waiting(
    site_a, counsellor_a, django_capture_on_commit_callbacks
):
    session = WorkshopSessionFactory(site=site_a, capacity=1)
    _register(session, counsellor_a, share_outcomes=True, phone="+33611111111")
    _register(session, counsellor_a, email="attente@example.org")
    _register(session, counsellor_a)  # no phone, no e-mail: nobody to tell
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=session, reason="Animateur malade", actor=counsellor_a)
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert [m.to for m in sms.outbox] == ["+33611111111"]
    assert "est annulé" in sms.outbox[0].text
    assert [m.to for m in mail.outbox] == [["attente@example.org"]]
    with pytest.raises(services.WorkshopError):
        _register(session, counsellor_a)


# --- attendance --------------------------------------------------------------------------------


def test_attendance_marks_people_and_the_session_is_held(site_a, counsellor_a):
    session = WorkshopSessionFactory(site=site_a, starts_at=timezone.now() - timedelta(hours=1))
    before = session.starts_at - timedelta(days=1)
    people = [
        services.registration_create(
            session=session, beneficiary=BeneficiaryFactory(), actor=counsellor_a, now=before
        )
        for _ in range(3)
    ]
    services.attendance_record(
        session=session,
        marks={people[0].pk: "present", people[1].pk: "absent", people[2].pk: "excused"},
        actor=counsellor_a,
    )
    assert [Registration.objects.get(pk=r.pk).status for r in people] == [
        "present",
        "absent",
        "excused",
    ]
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD


def test_attendance_not_before_the_day(site_a, counsellor_a):
    session = WorkshopSessionFactory(site=site_a)  # next week
    registration = _register(session, counsellor_a)
    with pytest.raises(services.WorkshopError):
        services.attendance_record(
            session=session, marks={registration.pk: "present"}, actor=counsellor_a
        )


# --- facilitators ------------------------------------------------------------------------------


def test_volunteer_company_found_by_name_whatever_the_case(counsellor_a):
    PartnerCompany.objects.create(name="Orange")
    volunteer = services.facilitator_save(
        facilitator=Facilitator(first_name="Paul", last_name="Durand"),
        company_name="  orange ",
        actor=counsellor_a,
    )
    assert volunteer.company.name == "Orange"
    assert PartnerCompany.objects.count() == 1
    with pytest.raises(services.WorkshopError):
        services.facilitator_save(
            facilitator=Facilitator(last_name="Sans entreprise"), actor=counsellor_a
        )
