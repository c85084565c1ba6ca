"""Each follow-up carries a copy of its person's enrolment (site, day, situation at enrolment),
kept by triggers (beneficiaries/follow_up_chain.py; docs/architecture.md, "Data at scale"): the
spending cohort reads the follow-ups alone, so a stale copy would count a person's spending at
entry wrong. Checked on every kind of write, and against the figures worked out with the
person's own row."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from beneficiaries import selectors
from beneficiaries.enums import EmploymentStatus, PlanType
from beneficiaries.follow_up_chain import COPIED, column
from beneficiaries.models import Beneficiary, FollowUp
from connexions.periods import Period
from tests.beneficiaries.factories import BeneficiaryFactory, FollowUpFactory

ENROLLED = date(2025, 1, 10)
DONE = date(2025, 6, 10)


def copies(follow_up) -> dict:
    follow_up = FollowUp.objects.get(pk=follow_up.pk)
    return {source: getattr(follow_up, column(copy)) for source, copy in COPIED.items()}


def of_person(person) -> dict:
    person = Beneficiary.objects.get(pk=person.pk)
    return {source: getattr(person, column(source)) for source in COPIED}


def row_versions(person) -> list:
    """Where the follow-ups' rows are (`ctid`): every rewrite of a row writes a new version
    elsewhere (the transaction id would not tell, the test being one transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ctid::text FROM beneficiaries_followup WHERE beneficiary_id = %s ORDER BY id",
            [person.pk],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_a_follow_up_copies_its_person_whatever_django_writes():
    person = BeneficiaryFactory(
        enrolled_on=ENROLLED,
        monthly_spending=Decimal("42.00"),
        employment_status=EmploymentStatus.JOB_SEEKING,
        has_mobile=True,
        has_computer=False,
        has_internet=True,
    )
    follow_up = FollowUpFactory(beneficiary=person, due_on=DONE)
    assert copies(follow_up) == of_person(person)
    assert copies(follow_up)["monthly_spending"] == Decimal("42.00")
    # Django writes back the empty copies it holds in memory: the trigger copies again.
    follow_up.done_on = DONE
    follow_up.recorded_by = person.enrolled_by
    follow_up.monthly_spending = Decimal("20.00")
    follow_up.save()
    assert copies(follow_up) == of_person(person)


@pytest.mark.django_db
def test_a_change_of_the_person_rewrites_their_follow_ups_and_only_theirs():
    person = BeneficiaryFactory(enrolled_on=ENROLLED, monthly_spending=Decimal("30.00"))
    other = BeneficiaryFactory(enrolled_on=ENROLLED, monthly_spending=Decimal("30.00"))
    mine = [FollowUpFactory(beneficiary=person, due_on=DONE + timedelta(days=n)) for n in (0, 90)]
    theirs = FollowUpFactory(beneficiary=other, due_on=DONE)
    # A field not copied: no follow-up rewritten; a copied one: each rewritten.
    versions = row_versions(person)
    Beneficiary.objects.filter(pk=person.pk).update(city="Lille")
    assert row_versions(person) == versions
    Beneficiary.objects.filter(pk=person.pk).update(monthly_spending=Decimal("31.00"))
    assert all(a != b for a, b in zip(row_versions(person), versions, strict=True))
    # Each copied field, changed on the person, shows on every follow-up of theirs.
    changes = {
        "enrolled_on": ENROLLED - timedelta(days=5),
        "monthly_spending": None,
        "employment_status": EmploymentStatus.EMPLOYED,
        "has_mobile": False,
        "has_computer": True,
        "has_internet": False,
    }
    for field, value in changes.items():
        update = {field: value}
        if field == "has_mobile":
            update["plan_type"] = PlanType.NONE
        Beneficiary.objects.filter(pk=person.pk).update(**update)
        for follow_up in mine:
            assert copies(follow_up) == of_person(person), field
    assert copies(theirs) == of_person(other)
    assert copies(theirs)["monthly_spending"] == Decimal("30.00")


@pytest.mark.django_db
def test_a_copy_is_not_history():
    person = BeneficiaryFactory(enrolled_on=ENROLLED)
    FollowUpFactory(beneficiary=person, due_on=DONE)
    events = FollowUp.pgh_event_model.objects
    before = events.count()
    Beneficiary.objects.filter(pk=person.pk).update(monthly_spending=Decimal("12.00"))
    assert events.count() == before


@pytest.mark.django_db
def test_the_cohort_reads_the_person_as_they_are_now():
    """A spending at entry corrected on the person's file changes the figures at once, as the
    person's own row would."""
    person = BeneficiaryFactory(enrolled_on=ENROLLED, monthly_spending=Decimal("40.00"))
    FollowUpFactory(
        beneficiary=person, due_on=DONE, done=True, done_on=DONE, monthly_spending=Decimal("10.00")
    )
    period = Period(date(2025, 1, 1), date(2025, 12, 31))
    figures = selectors.follow_up_figures(period=period)
    assert (figures.paired, figures.entry_spending) == (1, Decimal("40.00"))
    person.monthly_spending = Decimal("50.00")
    person.save()
    assert selectors.follow_up_figures(period=period).entry_spending == Decimal("50.00")
    # The enrolment moved to a month before the follow-up: too early to measure anything.
    person.enrolled_on = DONE - timedelta(days=10)
    person.save()
    assert selectors.follow_up_figures(period=period).followed_up == 0
