"""Datasets for the impact dashboard's tests, built in bulk (hundreds of people in a few queries).

`published_dataset` reproduces the programme's published figures exactly (docs/architecture.md):
500 people enrolled, of whom 100 (20 %) had no mobile phone; 348 of the 400 with a mobile (87 %)
were on prepaid cards; 335 (67 %) job-seeking; 275 (55 %) with a computer; 240 (48 %) with
internet at home; 35 EUR/month on average at entry over the 400 whose spending was recorded;
27 EUR/month less at the latest follow-up for the 200 who have both.

`published_sales` adds the till, with the programme's typical products: six people buy two
mobile top-ups each (2.50 EUR for 15 EUR of operator credit), five people enrolled without a
mobile buy their first phone (a refurbished smartphone, 49 EUR instead of 189 EUR).

`published_workshops` adds two sessions held (20 people whose attendance was taken: 15
present, 3 absent, 2 excused), one to come with a waiting list, one cancelled, and 10 hours
given by volunteers of two partner companies."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from beneficiaries.enums import (
    DeclineReason,
    EmploymentStatus,
    HousingSituation,
    Need,
    PlanType,
    ReferralStatus,
    SituationProfile,
)
from beneficiaries.models import Beneficiary, FollowUp, Referral
from connexions.periods import add_months
from sales.services import CartItem
from tests.sales.factories import checkout, open_till, stocked_site
from tests.workshops.factories import (
    FacilitatorFactory,
    PartnerCompanyFactory,
    RegistrationFactory,
    WorkshopSessionFactory,
    WorkshopTopicFactory,
)
from workshops.enums import RegistrationStatus, SessionStatus

PUBLISHED_SIZE = 500


def _referral(*, site, agency, recorder, n, submitted_on, status=ReferralStatus.PENDING, **fields):
    return Referral(
        agency=agency,
        referrer_name="Travailleur social de test",
        recorded_by=recorder,
        site=site,
        first_name=f"Personne{n}",
        last_name="Test",
        birth_date=date(1980, 1, 1),
        city="Paris",
        profile=SituationProfile.BUDGET_FRAGILITY,
        needs=[Need.PHONE],
        consent_attested_at=timezone.now(),
        submitted_at=timezone.make_aware(datetime.combine(submitted_on, datetime.min.time())),
        status=status,
        **fields,
    )


def enrol_people(*, site, agency, recorder, specs, start=0):
    """Enrol one person per spec (a dict of Beneficiary fields, `enrolled_on` required) at
    `site` through a referral from `agency`: three queries whatever the number."""
    referrals = Referral.objects.bulk_create(
        [
            _referral(
                site=site,
                agency=agency,
                recorder=recorder,
                n=start + index,
                submitted_on=spec["enrolled_on"].replace(day=1),
            )
            for index, spec in enumerate(specs)
        ]
    )
    defaults = {
        "has_mobile": True,
        "plan_type": PlanType.PREPAID,
        "monthly_spending": Decimal("35.00"),
        "has_computer": False,
        "has_internet": False,
        "employment_status": EmploymentStatus.EMPLOYED,
        "housing": HousingSituation.TENANT,
        "household_size": 1,
    }
    people = Beneficiary.objects.bulk_create(
        [
            Beneficiary(
                first_name=referral.first_name,
                last_name=referral.last_name,
                birth_date=referral.birth_date,
                city=referral.city,
                enrolled_site=site,
                enrolled_by=recorder,
                enrolment_referral=referral,
                **{"valid_until": add_months(spec["enrolled_on"], 12), **defaults, **spec},
            )
            for referral, spec in zip(referrals, specs, strict=True)
        ]
    )
    Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(
        status=ReferralStatus.ACCEPTED,
        decided_at=timezone.now(),
        beneficiary=Subquery(
            Beneficiary.objects.filter(enrolment_referral=OuterRef("pk")).values("pk")[:1]
        ),
    )
    return people


def published_spec(index: int) -> dict:
    """The situation at enrolment of person `index` (0-499) of the published dataset."""
    has_mobile = index >= 100
    return {
        "enrolled_on": date(2026, 1 + index % 6, 1 + index % 28),
        "has_mobile": has_mobile,
        "plan_type": (
            PlanType.NONE
            if not has_mobile
            else PlanType.PREPAID
            if index < 448
            else PlanType.CONTRACT
        ),
        "operator": "" if not has_mobile else "orange",
        "employment_status": (
            EmploymentStatus.JOB_SEEKING if index < 335 else EmploymentStatus.EMPLOYED
        ),
        "has_computer": index % 100 < 55,
        "has_internet": index % 25 < 12,
        "monthly_spending": (Decimal("30.00") if index % 2 else Decimal("40.00"))
        if has_mobile
        else None,
    }


def published_dataset(*, site, agency, recorder):
    people = enrol_people(
        site=site,
        agency=agency,
        recorder=recorder,
        specs=[published_spec(index) for index in range(PUBLISHED_SIZE)],
    )
    follow_ups = []
    for index, person in enumerate(people):
        if 100 <= index < 300:
            # An earlier follow-up with no change, then the latest one 27 EUR lower.
            for done_on, spending in [
                (date(2026, 9, 1), person.monthly_spending),
                (date(2026, 10, 1), person.monthly_spending - 27),
            ]:
                follow_ups.append(_follow_up(person, recorder, done_on, spending))
        elif index < 10:
            # No spending at entry: not paired, left out of the reduction.
            follow_ups.append(_follow_up(person, recorder, date(2026, 10, 1), Decimal("5.00")))
        elif index >= 300:
            follow_ups.append(FollowUp(beneficiary=person, due_on=date(2026, 12, 15)))
    FollowUp.objects.bulk_create(follow_ups)
    return people


def _follow_up(person, recorder, done_on, spending):
    return FollowUp(
        beneficiary=person,
        due_on=done_on,
        done_on=done_on,
        recorded_by=recorder,
        site=person.enrolled_site,
        monthly_spending=spending,
    )


def declined_referrals(*, site, agency, recorder, count, submitted_on):
    return Referral.objects.bulk_create(
        [
            _referral(
                site=site,
                agency=agency,
                recorder=recorder,
                n=10_000 + n,
                submitted_on=submitted_on,
                status=ReferralStatus.DECLINED,
                decline_reason=DeclineReason.UNREACHABLE,
                decided_at=timezone.now(),
            )
            for n in range(count)
        ]
    )


SALE_TIME = datetime(2026, 7, 15, 10, 30, tzinfo=timezone.get_current_timezone())


def published_sales(*, site, seller, people):
    """Eleven sales on 15 July 2026 at `site`, through the till's services."""
    open_till(site, seller)
    topup, phone, devices = stocked_site(site, seller, vouchers=12, phones=5)
    for person in people[400:406]:
        checkout(site, person, [CartItem(topup, quantity=2)], seller, now=SALE_TIME)
    for person, device in zip(people[10:15], devices, strict=True):
        checkout(site, person, [CartItem(phone, device_code=device.imei)], seller, now=SALE_TIME)


def _workshop(site, topic, day: date, hours: int, capacity: int, status=SessionStatus.HELD):
    starts_at = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=14))
    return WorkshopSessionFactory(
        site=site,
        topic=topic,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        capacity=capacity,
        status=status,
        cancelled_at=starts_at if status == SessionStatus.CANCELLED else None,
    )


def published_workshops(*, site, people):
    bill = WorkshopTopicFactory(title="Lire une facture")
    smartphone = WorkshopTopicFactory(title="Premiers pas sur smartphone")
    solidaire = PartnerCompanyFactory(name="Télécom Solidaire")
    pour_tous = PartnerCompanyFactory(name="Numérique Pour Tous")
    attendance = [RegistrationStatus.PRESENT] * 8 + [RegistrationStatus.ABSENT]
    attendance += [RegistrationStatus.EXCUSED]
    first = _workshop(site, bill, date(2026, 9, 10), hours=2, capacity=10)
    first.facilitators.add(
        FacilitatorFactory(company=solidaire), FacilitatorFactory(company=solidaire)
    )
    second = _workshop(site, smartphone, date(2026, 9, 17), hours=3, capacity=12)
    second.facilitators.add(
        FacilitatorFactory(company=solidaire), FacilitatorFactory(company=pour_tous)
    )
    upcoming = _workshop(
        site, bill, date(2026, 12, 10), hours=2, capacity=6, status=SessionStatus.SCHEDULED
    )
    cancelled = _workshop(
        site, smartphone, date(2026, 10, 1), hours=2, capacity=8, status=SessionStatus.CANCELLED
    )
    groups = [
        (first, attendance, people[20:30]),
        (
            second,
            [RegistrationStatus.PRESENT] * 7
            + [RegistrationStatus.ABSENT] * 2
            + [RegistrationStatus.EXCUSED],
            people[30:40],
        ),
        (
            upcoming,
            [RegistrationStatus.REGISTERED] * 6 + [RegistrationStatus.WAITING] * 2,
            people[40:48],
        ),
        (cancelled, [RegistrationStatus.CANCELLED] * 3, people[48:51]),
    ]
    for session, statuses, persons in groups:
        for status, person in zip(statuses, persons, strict=True):
            RegistrationFactory(session=session, beneficiary=person, status=status)
