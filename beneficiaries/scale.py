"""Large data set (`seed_scale`, and the programme-scale demo): people enrolled evenly over the
plan's years, each from an accepted referral, with their situation at the programme's published
rates, consents, a support session (a few more for the demo), follow-ups at +3 and +6 months
(most of the past ones done, recording spending and the situation then), some mediation cases,
and referrals in every other status.

Ids grow with the enrolment date, so a later app can pick someone enrolled by a given day from
`plan.shared["people"]` alone (see `enrolled_by`)."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from beneficiaries import follow_up_chain, summaries
from beneficiaries.demo import FIRST_NAMES, LAST_NAMES
from beneficiaries.enums import (
    AgreementKind,
    ConsentKind,
    DeclineReason,
    EmploymentStatus,
    HousingSituation,
    MediationStatus,
    Need,
    OfferKind,
    PlanType,
    ReferralChannel,
    ReferralStatus,
    SituationProfile,
    SupportTopic,
    TelecomOperator,
)
from beneficiaries.models import (
    Beneficiary,
    Consent,
    FollowUp,
    MediationCase,
    Referral,
    SupportSession,
)
from beneficiaries.offers import OfferSubscription
from connexions.bulk import BulkWriter, ScalePlan, fraction, instance, share
from connexions.models import PartnerAgency, ReceptionSite, SiteMembership, User
from connexions.periods import add_months

CITIES = ["Paris", "Saint-Denis", "Antony", "Montreuil", "Créteil", "Nanterre", "Évry", "Bobigny"]
OTHER_STATUSES = [
    ReferralStatus.DECLINED,
    ReferralStatus.WITHDRAWN,
    ReferralStatus.EXPIRED,
    ReferralStatus.PENDING,
]
REQUIRES_EMPTY = [Beneficiary, Referral]
DECLINE_REASONS = [r for r in DeclineReason.values if r != DeclineReason.OTHER]
OFFER_RATE = 0.16
FIRST_PHONE_RATE = 0.93  # of those without a mobile: the published "first mobile" is 20 % of all
OTHER_EMPLOYMENT = [s for s in EmploymentStatus.values if s != EmploymentStatus.JOB_SEEKING]


def enrolled_by(plan: ScalePlan, day) -> range:
    """Ids of the people the plan enrolled on or before `day`."""
    first, count = plan.shared["people"]
    span = (plan.today - plan.start).days or 1
    enrolled = min(count, max(0, ((day - plan.start).days + 1) * count // span))
    return range(first, first + enrolled)


def enrolment_day(plan: ScalePlan, index: int):
    """The day person number `index` (0 for the first id) enrolled: evenly over the years."""
    span = (plan.today - plan.start).days or 1
    return plan.start + timedelta(days=index * span // plan.people)


def seed(plan: ScalePlan, writer: BulkWriter) -> None:
    rng = plan.rng("beneficiaries")
    sites = list(ReceptionSite.objects.order_by("pk").values_list("pk", flat=True))
    staff = {
        site: list(
            SiteMembership.objects.filter(site_id=site)
            .order_by("pk")
            .values_list("user_id", flat=True)
        )
        for site in sites
    }
    agencies = list(PartnerAgency.objects.order_by("pk").values_list("pk", flat=True))
    referrers = dict(
        User.objects.filter(agency__isnull=False).order_by("pk").values_list("agency_id", "pk")
    )
    n = plan.people
    extra = max(1, n // 10)
    people = writer.reserve_ids(Beneficiary, n)
    referral_ids = iter(writer.reserve_ids(Referral, n + extra))
    plan.shared["people"] = (people.start, n)
    plan.shared["staff"] = staff
    plan.shared["sites"] = sites  # person number `index` enrols at `sites[index % len(sites)]`
    span = (plan.today - plan.start).days or 1

    def referral(site, agency, first, last, birth, phone, submitted, status, **fields):
        referrer = referrers.get(agency)
        return instance(
            Referral,
            pk=next(referral_ids),
            agency_id=agency,
            referrer_id=referrer,
            referrer_name="" if referrer else "Travailleur social",
            channel=ReferralChannel.PORTAL if referrer else ReferralChannel.PHONE,
            recorded_by_id=referrer or staff[site][0],
            site_id=site,
            first_name=first,
            last_name=last,
            birth_date=birth,
            phone=phone,
            city=rng.choice(CITIES),
            profile=rng.choice(SituationProfile.values),
            needs=rng.sample(Need.values, rng.randint(1, 2)),
            consent_attested_at=submitted,
            status=status,
            submitted_at=submitted,
            **fields,
        )

    for index, pk in enumerate(people):
        site = sites[index % len(sites)]
        counsellor = staff[site][index % len(staff[site])]
        enrolled_on = enrolment_day(plan, index)
        submitted = _at(enrolled_on - timedelta(days=rng.randint(1, 20)), 10)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        birth = plan.today - timedelta(days=rng.randint(18 * 365, 80 * 365))
        phone = _phone(pk)
        agency = rng.choice(agencies)
        enrolment = referral(
            site,
            agency,
            first,
            last,
            birth,
            phone,
            submitted,
            ReferralStatus.ACCEPTED,
            decided_at=_at(enrolled_on, 11),
            decided_by_id=counsellor,
            beneficiary_id=pk,
        )
        baseline = _baseline(rng, index)
        first_phone = _first_phone(plan, index, enrolled_on, baseline)
        if first_phone is not None:
            plan.shared.setdefault("first_phones", {})[pk] = first_phone
        writer.add(
            instance(
                Beneficiary,
                pk=pk,
                first_name=first,
                last_name=last,
                birth_date=birth,
                phone=phone,
                city=enrolment.city,
                enrolled_on=enrolled_on,
                enrolled_site_id=site,
                enrolled_by_id=counsellor,
                enrolment_referral_id=enrolment.pk,
                valid_until=add_months(enrolled_on, 12),
                housing=rng.choice(HousingSituation.values),
                household_size=rng.randint(1, 6),
                created_at=_at(enrolled_on, 11),
                **baseline,
            )
        )
        writer.add(enrolment)
        recorded = _at(enrolled_on, 11)
        writer.add(
            instance(
                Consent,
                beneficiary_id=pk,
                kind=ConsentKind.DATA_PROCESSING,
                granted=True,
                text_version="2026-01",
                recorded_at=recorded,
                recorded_by_id=counsellor,
            )
        )
        if index % 2:
            writer.add(
                instance(
                    Consent,
                    beneficiary_id=pk,
                    kind=ConsentKind.SHARE_OUTCOMES,
                    granted=True,
                    text_version="2026-01",
                    recorded_at=recorded,
                    recorded_by_id=counsellor,
                )
            )
        writer.add(
            instance(
                SupportSession,
                beneficiary_id=pk,
                site_id=site,
                counsellor_id=counsellor,
                date=enrolled_on,
                topics=rng.sample(SupportTopic.values, rng.randint(1, 2)),
                duration_minutes=rng.choice([20, 30, 45, 60]),
            )
        )
        if plan.demo:
            writer.add_all(_demo_rows(rng, plan, index, pk, site, counsellor, enrolled_on))
        writer.add_all(
            _follow_ups(rng, plan, index, pk, site, counsellor, enrolled_on, baseline, first_phone)
        )
        if index % 20 == 0:
            writer.add(_mediation(rng, pk, site, counsellor, enrolled_on, plan))
    for index in range(extra):
        site = sites[index % len(sites)]
        status = OTHER_STATUSES[index % len(OTHER_STATUSES)]
        day = plan.start + timedelta(days=index * span // extra)
        if status == ReferralStatus.PENDING:
            day = plan.today - timedelta(days=index % 30)
        decided = status in (ReferralStatus.DECLINED, ReferralStatus.EXPIRED)
        writer.add(
            referral(
                site,
                rng.choice(agencies),
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
                plan.today - timedelta(days=rng.randint(18 * 365, 80 * 365)),
                "",
                _at(day, 9),
                status,
                decided_at=_at(day + timedelta(days=3), 10) if decided else None,
                decided_by_id=staff[site][0] if status == ReferralStatus.DECLINED else None,
                decline_reason=rng.choice(DECLINE_REASONS)
                if status == ReferralStatus.DECLINED
                else "",
            )
        )
    writer.flush()


def _demo_rows(rng, plan, index, pk, site, counsellor, enrolled_on) -> list:
    """What only the demo records: later support sessions, an offer subscribed with help."""
    rows = [
        instance(
            SupportSession,
            beneficiary_id=pk,
            site_id=site,
            counsellor_id=counsellor,
            date=later,
            topics=rng.sample(SupportTopic.values, 1),
            duration_minutes=rng.choice([20, 30, 45]),
        )
        for later in _later_support(rng, plan, enrolled_on)
    ]
    offer = _offer(rng, plan, index, enrolled_on)
    if offer is not None:
        rows.append(
            instance(
                OfferSubscription,
                beneficiary_id=pk,
                site_id=site,
                counsellor_id=counsellor,
                created_at=_at(offer["subscribed_on"], 15),
                **offer,
            )
        )
    return rows


def _later_support(rng, plan, enrolled_on) -> list:
    """Up to three more one-to-one sessions in the person's first months, none after today."""
    days = sorted(rng.sample(range(7, 240), rng.choice([0, 1, 1, 2, 3])))
    return [
        enrolled_on + timedelta(days=d)
        for d in days
        if enrolled_on + timedelta(days=d) <= plan.today
    ]


def _baseline(rng, index: int) -> dict:
    """The situation at enrolment, at the programme's published rates (README, "Programme-scale
    demo": 20 % without a mobile, 87 % of mobile owners on prepaid, 67 % job-seeking, 55 % with
    a computer, 48 % with internet at home, 35 EUR a month on average), held in any run of
    consecutive people."""
    has_mobile = not share(index, 0.20, 0)
    seeking = share(index, 0.67, 2)
    return {
        "has_mobile": has_mobile,
        "plan_type": (PlanType.PREPAID if share(index, 0.87, 1) else PlanType.CONTRACT)
        if has_mobile
        else PlanType.NONE,
        "operator": rng.choice(TelecomOperator.values) if has_mobile else "",
        "monthly_spending": Decimal(10 + int(fraction(index, 5) * 51)) if has_mobile else None,
        "has_computer": share(index, 0.55, 3),
        "has_internet": share(index, 0.48, 4),
        "employment_status": EmploymentStatus.JOB_SEEKING
        if seeking
        else rng.choice(OTHER_EMPLOYMENT),
    }


def _offer(rng, plan, index: int, enrolled_on) -> dict | None:
    """For the demo, an offer subscribed with a counsellor's help for about one person in six,
    in their first weeks: a social mobile tariff or a home internet social tariff."""
    if not share(index, OFFER_RATE, 11):
        return None
    subscribed_on = enrolled_on + timedelta(days=rng.randint(1, 40))
    if subscribed_on > plan.today:
        return None
    mobile = rng.random() < 0.6
    return {
        "subscribed_on": subscribed_on,
        "operator": rng.choice(TelecomOperator.values),
        "kind": OfferKind.SOCIAL_MOBILE if mobile else OfferKind.HOME_INTERNET,
        "monthly_price": Decimal(rng.choice([5, 7, 10]) if mobile else rng.choice([15, 20])),
    }


def _first_phone(plan, index: int, enrolled_on, baseline: dict):
    """For the demo, the weekday on which a person who came without a mobile buys their first
    phone at the till, a few weeks after enrolling (most of them do; None: not, or not yet)."""
    if not plan.demo or baseline["has_mobile"] or not share(index, FIRST_PHONE_RATE, 9):
        return None
    day = enrolled_on + timedelta(days=3 + int(fraction(index, 10) * 40))
    day += timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)
    return day if day < plan.today else None


def _follow_ups(rng, plan, index, pk, site, counsellor, enrolled_on, baseline, first_phone):
    """The follow-ups planned at +3 and +6 months, done 9 times in 10 once due (a week's
    grace), with what their triggers would write (they are off here): the copy of the person's
    enrolment, and the day of the next one done."""
    person = {**baseline, "enrolled_site": site, "enrolled_on": enrolled_on}
    copies = {
        follow_up_chain.column(copy): person[source]
        for source, copy in follow_up_chain.COPIED.items()
    }
    follow_ups = []
    for months in (3, 6):
        due = add_months(enrolled_on, months)
        done = due < plan.today - timedelta(days=7) and rng.random() < 0.9
        follow_ups.append(
            instance(
                FollowUp,
                beneficiary_id=pk,
                due_on=due,
                **copies,
                done_on=due if done else None,
                recorded_by_id=counsellor if done else None,
                site_id=site if done else None,
                **(_at_follow_up(rng, index, baseline, months, first_phone, due) if done else {}),
            )
        )
    first, second = follow_ups
    if first.done_on and second.done_on:
        first.next_done_on = second.done_on
    return follow_ups


def _at_follow_up(rng, index: int, baseline: dict, months: int, first_phone, due) -> dict:
    """What a follow-up `months` after enrolment records: spending down to about 8 EUR a month
    (the published reduction of 27 EUR on 35), a phone for those who have bought their first
    one by then, some computers and internet boxes, and a few jobs or trainings."""
    spending = baseline["monthly_spending"]
    latest = Decimal(4 + int(fraction(index, 6 + months // 3) * 9))
    seeking = baseline["employment_status"] == EmploymentStatus.JOB_SEEKING
    found = seeking and rng.random() < 0.12 * months / 3
    return {
        "monthly_spending": min(spending, latest) if spending is not None else latest,
        "plan_type": PlanType.PREPAID
        if baseline["has_mobile"] or (first_phone is not None and first_phone <= due)
        else PlanType.NONE,
        "employment_status": rng.choice([EmploymentStatus.EMPLOYED, EmploymentStatus.TRAINING])
        if found
        else baseline["employment_status"],
        "has_computer": baseline["has_computer"] or rng.random() < 0.1,
        "has_internet": baseline["has_internet"] or rng.random() < 0.15,
    }


def _mediation(rng, pk, site, counsellor, enrolled_on, plan) -> MediationCase:
    """A case opened at enrolment: the older it is, the likelier it has ended, mostly with an
    agreement (a payment plan, or part or all of the debt written off)."""
    age = (plan.today - enrolled_on).days
    draw = rng.random()
    if age < 30:
        status = MediationStatus.OPEN if draw < 0.6 else MediationStatus.CONTACTED
    elif age < 90:
        status = MediationStatus.CONTACTED if draw < 0.5 else MediationStatus.AGREEMENT
    else:
        status = MediationStatus.CLOSED if draw < 0.75 else MediationStatus.FAILED
    finished = status in (MediationStatus.CLOSED, MediationStatus.FAILED)
    owed = Decimal(rng.randint(50, 900))
    kind = (
        rng.choice(AgreementKind.values)
        if status in (MediationStatus.AGREEMENT, MediationStatus.CLOSED)
        else ""
    )
    written_off = {
        AgreementKind.FULL_WRITE_OFF: owed,
        AgreementKind.PARTIAL_WRITE_OFF: (owed * rng.choice([25, 40, 50]) / 100).quantize(
            Decimal("0.01")
        ),
    }.get(kind, Decimal("0.00"))
    return instance(
        MediationCase,
        beneficiary_id=pk,
        site_id=site,
        opened_by_id=counsellor,
        opened_on=enrolled_on,
        operator=rng.choice(TelecomOperator.values),
        amount_owed=owed,
        amount_written_off=written_off,
        status=status,
        agreement_kind=kind,
        next_action_on=None if finished else enrolled_on + timedelta(days=rng.randint(7, 60)),
        closed_on=min(plan.today, enrolled_on + timedelta(days=60)) if finished else None,
    )


def _phone(pk: int) -> str:
    return f"+336{(pk * 7919) % 10**8:08d}"


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def finish() -> None:
    """The generated referrals and sessions lie in past months: rebuild the dashboard's monthly
    summary of them."""
    summaries.refresh()
