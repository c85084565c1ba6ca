"""Seats under concurrency, for real: threads with their own database connections register and
cancel at the same moment. Each thread meets the others right after counting the seats taken;
with the session's row lock the others are still waiting for the lock (the meeting times out
and the first thread goes on alone), without it they all counted before anyone wrote. The
control runs switch the lock off and show that the same tests then fail."""

import pytest
from django.db import IntegrityError

from connexions import sms
from connexions.locking import Rank, locks_switched_off
from connexions.models import AuditEvent
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.race import meeting_point, race
from tests.workshops.factories import WorkshopSessionFactory
from workshops import services
from workshops.enums import AuditAction, RegistrationStatus
from workshops.models import Registration


def _race(monkeypatch, calls):
    """Run each call in its own thread at once, meeting right after counting the seats taken;
    returns the exceptions raised."""
    meet = meeting_point(len(calls))
    count_seats = services._seats_taken

    def count_then_meet(session):
        taken = count_seats(session)
        meet()
        return taken

    monkeypatch.setattr(services, "_seats_taken", count_then_meet)
    outcome = race(calls, expected=(services.WorkshopError, IntegrityError))
    assert outcome.crashes == []
    return outcome.errors


def _statuses(session):
    return list(
        Registration.objects.filter(session=session)
        .order_by("queue_number")
        .values_list("status", flat=True)
    )


def _register_all(session, people, actor):
    return [
        lambda person=person: services.registration_create(
            session=session, beneficiary=person, actor=actor
        )
        for person in people
    ]


@pytest.mark.django_db(transaction=True)
def test_thirty_people_for_ten_seats(monkeypatch, site_a, counsellor_a):
    session = WorkshopSessionFactory(site=site_a, capacity=10)
    people = BeneficiaryFactory.create_batch(30)
    errors = _race(monkeypatch, _register_all(session, people, counsellor_a))
    assert errors == []
    statuses = _statuses(session)
    assert statuses.count(RegistrationStatus.REGISTERED) == 10
    assert statuses.count(RegistrationStatus.WAITING) == 20
    # Arrival order: the first ten numbers hold the seats, the others wait in order.
    assert statuses == [RegistrationStatus.REGISTERED] * 10 + [RegistrationStatus.WAITING] * 20
    assert sorted(Registration.objects.values_list("queue_number", flat=True)) == list(range(1, 31))


@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_capacity_is_exceeded(monkeypatch, site_a, counsellor_a):
    session = WorkshopSessionFactory(site=site_a, capacity=10)
    people = BeneficiaryFactory.create_batch(30)
    with locks_switched_off(Rank.WORKSHOP_SESSION):
        _race(monkeypatch, _register_all(session, people, counsellor_a))
    assert _statuses(session).count(RegistrationStatus.REGISTERED) > 10


@pytest.mark.django_db(transaction=True)
def test_same_person_five_times_at_once(monkeypatch, site_a, counsellor_a):
    session = WorkshopSessionFactory(site=site_a, capacity=10)
    person = BeneficiaryFactory()
    errors = _race(monkeypatch, _register_all(session, [person] * 5, counsellor_a))
    assert Registration.objects.filter(session=session, beneficiary=person).count() == 1
    assert len(errors) == 4
    assert all(isinstance(error, services.WorkshopError) for error in errors)


@pytest.mark.django_db(transaction=True)
def test_control_same_person_without_the_lock_only_the_constraint_stops_them(
    monkeypatch, site_a, counsellor_a
):
    session = WorkshopSessionFactory(site=site_a, capacity=10)
    person = BeneficiaryFactory()
    with locks_switched_off(Rank.WORKSHOP_SESSION):
        errors = _race(monkeypatch, _register_all(session, [person] * 5, counsellor_a))
    # The database's unique constraint is the last line of defence: an integrity error, not
    # the clear message the lock gives.
    assert Registration.objects.filter(session=session, beneficiary=person).count() == 1
    assert len(errors) == 4
    assert not any(isinstance(error, services.WorkshopError) for error in errors)


def _full_session(site, actor, *, capacity=2, waiting=3):
    session = WorkshopSessionFactory(site=site, capacity=capacity)
    # Every consent granted (SMS included), each with a mobile number.
    people = [
        BeneficiaryFactory(share_outcomes=True, phone=f"+33612{n:06d}")
        for n in range(capacity + waiting)
    ]
    registrations = [
        services.registration_create(session=session, beneficiary=person, actor=actor)
        for person in people
    ]
    return session, registrations[:capacity], registrations[capacity:]


def _promotions():
    return list(
        AuditEvent.objects.filter(action=AuditAction.REGISTRATION_PROMOTED).values_list(
            "object_id", flat=True
        )
    )


@pytest.mark.django_db(transaction=True)
def test_two_cancellations_at_once_promote_the_first_two_waiting_once_each(
    monkeypatch, site_a, counsellor_a
):
    session, seated, waiting = _full_session(site_a, counsellor_a)
    sms.outbox.clear()
    errors = _race(
        monkeypatch,
        [
            lambda r=registration: services.registration_cancel(registration=r, actor=counsellor_a)
            for registration in seated
        ],
    )
    assert errors == []
    assert sorted(_promotions()) == sorted([str(waiting[0].pk), str(waiting[1].pk)])
    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert statuses[waiting[0].pk] == statuses[waiting[1].pk] == RegistrationStatus.REGISTERED
    assert statuses[waiting[2].pk] == RegistrationStatus.WAITING
    assert Registration.objects.filter(session=session).seated().count() == 2
    # Each promoted person is told once.
    told = sorted(message.to for message in sms.outbox)
    assert told == sorted(r.beneficiary.phone.as_e164 for r in waiting[:2])


@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_the_same_person_is_promoted_twice(
    monkeypatch, site_a, counsellor_a
):
    session, seated, waiting = _full_session(site_a, counsellor_a)
    with locks_switched_off(Rank.WORKSHOP_SESSION):
        _race(
            monkeypatch,
            [
                lambda r=registration: services.registration_cancel(
                    registration=r, actor=counsellor_a
                )
                for registration in seated
            ],
        )
    assert _promotions() == [str(waiting[0].pk)] * 2
    assert Registration.objects.get(pk=waiting[1].pk).status == RegistrationStatus.WAITING


@pytest.mark.django_db(transaction=True)
def test_the_same_cancellation_five_times_at_once_promotes_once(monkeypatch, site_a, counsellor_a):
    session, seated, waiting = _full_session(site_a, counsellor_a)
    errors = _race(
        monkeypatch,
        [
            lambda: services.registration_cancel(registration=seated[0], actor=counsellor_a)
            for _ in range(5)
        ],
    )
    assert len(errors) == 4
    assert all(isinstance(error, services.WorkshopError) for error in errors)
    assert _promotions() == [str(waiting[0].pk)]
    assert AuditEvent.objects.filter(action=AuditAction.REGISTRATION_CANCELLED).count() == 1
