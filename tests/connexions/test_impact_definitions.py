"""Each definition of the impact dashboard on a small hand-made data set, its figures worked out
by hand in the comments: the spending cohort (followed up in the period, any enrolment date,
latest follow-up up to the period end and at least 60 days after enrolment, so the day-0
follow-up is left out), outcomes at follow-up, first mobile and prepaid over both groups,
sales net of the refunds made in the period, the "since launch" row, support sessions,
mediation and offers subscribed with help."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from beneficiaries import selectors
from beneficiaries.enums import (
    AgreementKind,
    EmploymentStatus,
    MediationStatus,
    OfferKind,
    PlanType,
)
from beneficiaries.offers import OfferSubscription, spending_prefill
from connexions.impact.report import impact_report
from connexions.periods import Period
from sales import refunds
from sales.selectors import sales_figures, sales_totals
from sales.services import CartItem
from tests.beneficiaries.factories import (
    BeneficiaryFactory,
    FollowUpFactory,
    MediationCaseFactory,
    SupportSessionFactory,
)
from tests.sales.factories import checkout, open_till, stocked_site

pytestmark = pytest.mark.django_db
D = Decimal
H1 = Period(date(2026, 1, 1), date(2026, 6, 30))
H2 = Period(date(2026, 7, 1), date(2026, 12, 31))
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))


def person(site, agency, enrolled_on, **fields):
    return BeneficiaryFactory(
        enrolled_site=site,
        enrolled_on=enrolled_on,
        enrolment_referral__agency=agency,
        **fields,
    )


def follow_up(beneficiary, done_on, spending, **situation):
    return FollowUpFactory(
        beneficiary=beneficiary,
        done=True,
        due_on=done_on,
        done_on=done_on,
        monthly_spending=D(spending),
        **situation,
    )


@pytest.fixture
def followed(site_a, site_b, agency_a):
    # p1, enrolled before the period (40 EUR, job-seeking, no computer, no internet, a mobile):
    # followed up in the period -> in the cohort.
    p1 = person(site_a, agency_a, date(2025, 10, 1), monthly_spending=D("40.00"))
    follow_up(
        p1,
        date(2026, 3, 1),
        "20.00",
        employment_status=EmploymentStatus.EMPLOYED,
        has_computer=True,
        has_internet=False,
        plan_type=PlanType.PREPAID,
    )
    # p2: a follow-up on the enrolment day and one 42 days after: neither counts.
    p2 = person(site_a, agency_a, date(2026, 2, 1), monthly_spending=D("30.00"))
    follow_up(p2, date(2026, 2, 1), "0.00")
    follow_up(p2, date(2026, 3, 15), "5.00")
    # p3 (50 EUR): followed up 86 days after enrolment (35 EUR, still job-seeking, internet now),
    # and again after the period, which the period's figures ignore.
    p3 = person(site_a, agency_a, date(2026, 1, 5), monthly_spending=D("50.00"))
    follow_up(
        p3,
        date(2026, 4, 1),
        "35.00",
        employment_status=EmploymentStatus.JOB_SEEKING,
        has_internet=True,
    )
    follow_up(p3, date(2026, 8, 1), "0.00")
    # p4: followed up before the period only.
    p4 = person(site_a, agency_a, date(2025, 6, 1))
    follow_up(p4, date(2025, 12, 1), "10.00")
    # p5: no mobile and no spending at entry; a mobile (prepaid) at follow-up.
    p5 = person(
        site_a,
        agency_a,
        date(2026, 1, 10),
        has_mobile=False,
        plan_type=PlanType.NONE,
        monthly_spending=None,
    )
    follow_up(p5, date(2026, 5, 1), "15.00", plan_type=PlanType.PREPAID)
    # p6: another site.
    p6 = person(site_b, agency_a, date(2025, 9, 1), monthly_spending=D("60.00"))
    follow_up(p6, date(2026, 2, 1), "10.00")
    return p1, p2, p3, p4, p5, p6


def test_spending_cohort_and_outcomes(followed, site_a, agency_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        figures = selectors.follow_up_figures(period=H1, sites=[site_a], agency=agency_a)
    # p1, p3 and p5 (p2's follow-ups are too early, p4's before the period, p6 elsewhere).
    assert figures.followed_up == 3
    # With a spending at entry: p1 (40 -> 20) and p3 (50 -> 35, not the later 0).
    assert figures.paired == 2
    assert figures.entry_spending == D("45.00")  # (40 + 50) / 2
    assert figures.latest_spending == D("27.50")  # (20 + 35) / 2
    assert figures.average_reduction == D("17.50")  # (20 + 15) / 2
    assert figures.relative_reduction == D("38.9")  # 35 / 90
    # Job-seeking at entry with an employment recorded: p1 (employed) and p3 (still seeking).
    assert figures.employed_or_training == selectors.Outcome(2, 0, 1)
    # Computer recorded for p1 only: none at entry, one now.
    assert figures.computer == selectors.Outcome(1, 0, 1)
    # Internet recorded for p1 (no) and p3 (yes): none at entry.
    assert figures.internet == selectors.Outcome(2, 0, 1)
    # Plan recorded for p1 (a mobile at entry) and p5 (none at entry): both have one now.
    assert figures.mobile == selectors.Outcome(2, 1, 2)
    # Every site: p6 joins (60 -> 10).
    everywhere = selectors.follow_up_figures(period=H1)
    assert (everywhere.followed_up, everywhere.paired) == (4, 3)
    assert everywhere.average_reduction == D("28.33")  # (20 + 15 + 50) / 3


def test_day_zero_follow_up_left_out_and_setting(followed, settings, site_a):
    p2 = followed[1]
    # With no minimum, p2's follow-up of 15 March (5 EUR) is their latest in the period.
    settings.FOLLOW_UP_MIN_DAYS = 0
    figures = selectors.follow_up_figures(period=H1, sites=[site_a])
    assert figures.paired == 3
    assert figures.entry_spending == D("40.00")  # (40 + 30 + 50) / 3
    settings.FOLLOW_UP_MIN_DAYS = 60
    assert selectors.follow_up_figures(period=H1, sites=[site_a]).paired == 2
    # A past period does not change when a later follow-up is recorded: p3's August follow-up
    # is the year's latest (50 -> 0).
    year = selectors.follow_up_figures(period=YEAR, sites=[site_a])
    assert year.latest_spending == D("10.00")  # (20 + 0) / 2
    assert p2.follow_ups.count() == 2


def test_enrolment_shares_both_named_definitions(followed, site_a, agency_a):
    report = impact_report(period=H1, sites=[site_a], agency=agency_a)
    figures = {f.key: f for f in report.key_figures}
    # Enrolled in H1 at site A: p2, p3, p5 (p5 without a mobile); 2 prepaid.
    assert figures["enrolled"].cell.value == 3
    assert figures["prepaid"].cell.value == D("100")  # 2 / 2 mobile owners
    assert figures["prepaid_all"].cell.value == D("66.7")  # 2 / 3 enrolled
    assert figures["prepaid"].basis_cell.value == 2
    assert figures["prepaid_all"].basis_cell.value == 3
    assert figures["reduction"].cell.value == D("17.50")
    assert figures["relative_reduction"].cell.value == D("38.9")
    # Every figure with a denominator says what it counts.
    for figure in report.key_figures:
        if figure.basis_cell is not None and figure.cell.kind == "rate":
            assert figure.counted and figure.basis, figure.key


def test_sales_net_of_refunds_made_in_the_period(site_a, manager_a, agency_a):
    open_till(site_a, manager_a)
    topup, phone, devices = stocked_site(site_a, manager_a, vouchers=2, phones=2)
    enrolled = date(2026, 2, 1)
    a = person(site_a, agency_a, enrolled, has_mobile=False, plan_type=PlanType.NONE)
    b = person(site_a, agency_a, enrolled, has_mobile=False, plan_type=PlanType.NONE)
    c = person(site_a, agency_a, enrolled)
    person(site_a, agency_a, enrolled, has_mobile=False, plan_type=PlanType.NONE)
    tz = timezone.get_current_timezone()
    sold_at = datetime(2026, 3, 10, 10, tzinfo=tz)
    checkout(site_a, a, [CartItem(phone, device_code=devices[0].imei)], manager_a, now=sold_at)
    phone_sale = checkout(
        site_a, b, [CartItem(phone, device_code=devices[1].imei)], manager_a, now=sold_at
    ).sale
    topup_sale = checkout(site_a, c, [CartItem(topup, quantity=2)], manager_a, now=sold_at).sale
    # One top-up given back in March, b's phone in July.
    refunds.refund_create(
        sale=topup_sale,
        quantities={topup_sale.lines.order_by("pk").first().pk: 1},
        reason="entry_error",
        voucher_unused=True,
        actor=manager_a,
        now=datetime(2026, 3, 20, 10, tzinfo=tz),
    )
    refunds.refund_create(
        sale=phone_sale,
        quantities={phone_sale.lines.get().pk: 1},
        reason="faulty",
        actor=manager_a,
        now=datetime(2026, 7, 10, 10, tzinfo=tz),
    )

    h1 = sales_figures(period=H1)
    # Gross: 2 phones (2 x 49), 2 top-ups (2 x 2.50); subsidy 2 x 140 + 2 x 12.50.
    assert (h1.gross.devices, h1.gross.topups) == (2, 2)
    assert h1.gross.amount == D("103.00")
    assert h1.gross.subsidy == D("305.00")
    # Refunded in H1: one top-up (2.50 paid, 12.50 of subsidy, 15 EUR of credit).
    assert h1.refunds_count == 1
    assert (h1.refunded.topups, h1.refunded.amount, h1.refunded.subsidy) == (
        1,
        D("2.50"),
        D("12.50"),
    )
    assert (h1.net.topups, h1.net.devices, h1.net.operator_credit) == (1, 2, D("15.00"))
    assert h1.net.subsidy == D("292.50")
    # First phones, H1: a and b (b's phone comes back after the period) out of 4 enrolled,
    # 3 of them without a mobile.
    assert h1.first_mobile_phones == 2
    # H2: nothing sold, b's phone given back: -1 device, -49 EUR, -140 EUR of subsidy.
    h2 = sales_figures(period=H2)
    assert (h2.gross.devices, h2.refunded.devices, h2.net.devices) == (0, 1, -1)
    assert (h2.net.amount, h2.net.subsidy) == (D("-49.00"), D("-140.00"))
    # The year: only a keeps a first phone.
    report = impact_report(period=YEAR)
    figures = {f.key: f.cell.value for f in report.key_figures}
    assert figures["first_phones"] == D("25")  # 1 / 4 enrolled (the published definition)
    assert figures["first_phones_without"] == D("33.3")  # 1 / 3 without a mobile
    assert figures["topups"] == 1
    assert figures["subsidy"] == D("152.50")  # 140 + 12.50
    # Since the launch, up to the end of H1 and of the year.
    launch_h1 = sales_totals(period=Period(date(1900, 1, 1), H1.end))
    assert (launch_h1.topups, launch_h1.devices) == (1, 2)
    launch = {f.key: f.cell.value for f in report.since_launch}
    assert launch == {
        "launch_enrolled": 4,
        "launch_topups": 1,
        "launch_devices": 1,
        "launch_subsidy": D("152.50"),
    }


def test_support_mediation_and_offers(followed, site_a, site_b, agency_a):
    p1, _p2, p3, _p4, _p5, p6 = followed
    SupportSessionFactory(
        beneficiary=p1,
        date=date(2026, 2, 2),
        topics=["reading_bill", "choosing_offer"],
        duration_minutes=30,
    )
    SupportSessionFactory(
        beneficiary=p3, date=date(2026, 3, 3), topics=["reading_bill"], duration_minutes=60
    )
    SupportSessionFactory(
        beneficiary=p6, date=date(2026, 4, 4), topics=["device_setup"], duration_minutes=45
    )
    SupportSessionFactory(beneficiary=p1, date=date(2026, 9, 1), duration_minutes=90)
    support = selectors.support_figures(period=H1)
    assert (support.sessions, support.people) == (3, 3)
    assert support.hours == D("2.3")  # 135 minutes
    assert support.by_topic["reading_bill"] == 2
    assert support.by_topic["choosing_offer"] == 1
    assert support.by_topic["device_setup"] == 1
    at_a = next(row for row in support.by_site if row["site_id"] == site_a.pk)
    assert (at_a["sessions"], at_a["people"], at_a["reading_bill"]) == (2, 2, 2)

    closed = MediationCaseFactory(
        beneficiary=p1,
        opened_on=date(2025, 11, 1),
        amount_owed=D("300.00"),
        status=MediationStatus.CLOSED,
        agreement_kind=AgreementKind.PARTIAL_WRITE_OFF,
        amount_written_off=D("100.00"),
        closed_on=date(2026, 3, 1),
    )
    MediationCaseFactory(
        beneficiary=p3,
        opened_on=date(2026, 2, 1),
        amount_owed=D("200.00"),
        status=MediationStatus.AGREEMENT,
        agreement_kind=AgreementKind.PARTIAL_WRITE_OFF,
        amount_written_off=D("50.00"),
    )
    MediationCaseFactory(beneficiary=p3, opened_on=date(2026, 4, 1), amount_owed=D("80.00"))
    mediation = selectors.mediation_figures(period=H1)
    assert (mediation.opened, mediation.agreements) == (2, 1)
    assert (mediation.amount_owed, mediation.amount_written_off) == (D("280.00"), D("50.00"))
    assert mediation.closed_with_agreement == 1
    assert mediation.written_off_on_closing == D("100.00")
    assert closed.site == site_a

    def offer(beneficiary, day, kind, price):
        return OfferSubscription.objects.create(
            beneficiary=beneficiary,
            site=beneficiary.enrolled_site,
            counsellor=beneficiary.enrolled_by,
            subscribed_on=day,
            operator="orange",
            kind=kind,
            monthly_price=D(price),
        )

    offer(p1, date(2026, 3, 1), OfferKind.SOCIAL_MOBILE, "10.00")
    offer(p3, date(2026, 4, 1), OfferKind.HOME_INTERNET, "15.00")
    offer(p6, date(2026, 8, 1), OfferKind.SOCIAL_MOBILE, "9.99")
    offers = selectors.offer_figures(period=H1)
    assert (offers.subscribed, offers.average_price) == (2, D("12.50"))
    assert offers.by_kind[OfferKind.HOME_INTERNET]["average_price"] == D("15.00")
    assert selectors.offer_figures(period=H1, sites=[site_b]).subscribed == 0


def test_offer_prefills_the_next_follow_up(followed):
    p1 = followed[0]
    p1.offer_subscriptions.create(
        site=p1.enrolled_site,
        counsellor=p1.enrolled_by,
        subscribed_on=date(2026, 2, 1),
        operator="sfr",
        kind=OfferKind.SOCIAL_MOBILE,
        monthly_price=D("5.00"),
    )
    # Before the follow-up of 1 March: that follow-up already counted it.
    assert spending_prefill(p1) is None
    for day, kind, price in [
        (date(2026, 3, 5), OfferKind.SOCIAL_MOBILE, "8.00"),
        (date(2026, 3, 9), OfferKind.SOCIAL_MOBILE, "10.00"),
        (date(2026, 3, 10), OfferKind.HOME_INTERNET, "15.99"),
    ]:
        p1.offer_subscriptions.create(
            site=p1.enrolled_site,
            counsellor=p1.enrolled_by,
            subscribed_on=day,
            operator="free",
            kind=kind,
            monthly_price=D(price),
        )
    amount, offers = spending_prefill(p1)
    # The latest of each kind: 10.00 + 15.99.
    assert amount == D("25.99")
    assert len(offers) == 2
