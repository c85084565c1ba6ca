"""Two counsellors book the same counsellor's slot at the same moment, for real: threads with
their own connections meet right after the service's own check (both find the time free). The
exclusion constraint then lets one booking through and refuses the other in French; the control
run drops the constraint and shows that both bookings would be written."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.race import meeting_point, race
from tests.workshops.factories import availability
from workshops import appointment_services
from workshops.appointment_services import AppointmentError, appointment_book
from workshops.enums import AppointmentKind
from workshops.models import Appointment, AppointmentMessage

CONSTRAINT = "appointment_counsellor_no_overlap"


def _race_for_one_slot(monkeypatch, site, counsellor, actors):
    availability(counsellor, site, weekdays=range(7))
    start = (timezone.localtime() + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    people = [BeneficiaryFactory(enrolled_site=site) for _ in actors]
    meet = meeting_point(len(actors), timeout=2)
    check = appointment_services._check_free

    def check_then_meet(*args, **kwargs):
        check(*args, **kwargs)
        meet()

    monkeypatch.setattr(appointment_services, "_check_free", check_then_meet)
    calls = [
        lambda actor=actor, person=person: appointment_book(
            site=site,
            counsellor=counsellor,
            kind=AppointmentKind.SUPPORT,
            starts_at=start,
            beneficiary=person,
            actor=actor,
        )
        for actor, person in zip(actors, people, strict=True)
    ]
    outcome = race(calls, expected=(AppointmentError,))
    assert outcome.crashes == []
    return outcome


@pytest.mark.django_db(transaction=True)
def test_two_bookings_of_one_slot_give_one_booking_and_one_clear_refusal(
    monkeypatch, site_a, counsellor_a, manager_a
):
    outcome = _race_for_one_slot(monkeypatch, site_a, counsellor_a, [counsellor_a, manager_a])
    assert len(outcome.results) == 1
    assert [error.message for error in outcome.errors] == [
        "Ce créneau vient d'être pris : choisissez-en un autre."
    ]
    assert Appointment.objects.filter(counsellor=counsellor_a).count() == 1


@pytest.mark.django_db(transaction=True)
def test_control_without_the_constraint_both_bookings_are_written(
    monkeypatch, site_a, counsellor_a, manager_a
):
    constraint = next(c for c in Appointment._meta.constraints if c.name == CONSTRAINT)
    with connection.schema_editor() as editor:
        editor.remove_constraint(Appointment, constraint)
    try:
        outcome = _race_for_one_slot(monkeypatch, site_a, counsellor_a, [counsellor_a, manager_a])
        assert len(outcome.results) == 2
        assert outcome.errors == []
    finally:
        try:
            AppointmentMessage.objects.all().delete()
            Appointment.objects.all().delete()
        finally:
            with connection.schema_editor() as editor:
                editor.add_constraint(Appointment, constraint)
