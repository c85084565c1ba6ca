"""The impact dashboard's monthly till summary (docs/architecture.md, "Dashboard summaries"):
the whole months it covers are read from it, the rest is counted live, and every figure is the
one the live count gives, over three years of generated sales and refunds."""

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import TestCase
from django.utils import timezone

from beneficiaries.models import Beneficiary
from connexions.impact.report import BEFORE_LAUNCH, impact_report
from connexions.models import ReceptionSite, SiteMembership
from connexions.periods import Period, add_months, first_of_month
from connexions.search import french_order
from sales import refunds, services, summaries
from sales.figures import split
from sales.models import Sale, TillMonth, TillMonthsCovered
from sales.selectors import sales_figures, sales_totals
from sales.services import CartItem
from tests.sales.factories import checkout, open_till, stocked_site
from tests.summaries import counted_live, read_from

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Three years of sales (the seeder rebuilds the summary at its end), then, this month, a
    sale and the refund of a sale of a past month. Rolled back at the module's end."""
    with django_db_blocker.unblock():
        atomics = TestCase._enter_atomics()
        try:
            call_command("seed_scale", people=300, sale_lines=3000, stdout=io.StringIO())
            _top_ups_and_phones()
            yield
        finally:
            TestCase._rollback_atomics(atomics)


def _top_ups_and_phones():
    """Two months ago, a sale of top-ups and a phone at a site, then the summary rebuilt; this
    month, the refund of one of those top-ups and a sale. (The generated sales are of counted
    products only.)"""
    today = timezone.localdate()
    day = add_months(first_of_month(today), -2) + timedelta(days=9)
    at = datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())
    person = (
        Beneficiary.objects.eligible_on(day)
        .filter(enrolled_on__lte=day, valid_until__gte=today)
        .order_by("pk")
        .first()
    )
    site = person.enrolled_site
    manager = SiteMembership.objects.filter(site=site, can_open_till=True).first().user
    topup, phone, devices = stocked_site(site, manager, vouchers=4, phones=1)
    session = services.till_open(site=site, opening_float=Decimal("50.00"), actor=manager, at=at)
    items = [CartItem(topup, 2), CartItem(phone, device_code=devices[0].imei)]
    sold = checkout(site, person, items, manager, now=at).sale
    totals = services.selectors.session_totals(session)
    services.till_close(
        session=session,
        counted_cash=services.selectors.expected_cash(session, totals),
        actor=manager,
        at=at + timedelta(hours=6),
    )
    summaries.refresh()  # as the demo does after writing into a past month
    open_till(site, manager)
    refunds.refund_create(
        sale=sold,
        quantities={sold.lines.filter(kind=topup.kind).first().pk: 1},
        voucher_unused=True,
        actor=manager,
    )
    checkout(site, person, [CartItem(topup)], manager)


def _live(fn, **scope):
    return counted_live(TillMonthsCovered, fn, **scope)


def _read_summary(fn, **scope):
    return read_from("sales_tillmonth", fn, **scope)


def _scopes():
    today = timezone.localdate()
    agency = (
        Beneficiary.objects.exclude(enrolment_referral__agency=None)
        .values("enrolment_referral__agency")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("enrolment_referral__agency", flat=True)[0]
    )
    site = Sale.objects.values_list("site", flat=True).first()
    twelve = Period(add_months(today, -12) + timedelta(days=1), today)
    three_years = Period(today.replace(year=today.year - 3) + timedelta(days=1), today)
    closed = Period(add_months(first_of_month(today), -6), first_of_month(today) - timedelta(1))
    return [
        {"period": twelve, "sites": None, "agency": None},
        {"period": three_years, "sites": None, "agency": None},
        {"period": Period(BEFORE_LAUNCH, today), "sites": None, "agency": None},
        {"period": closed, "sites": None, "agency": None},
        {"period": twelve, "sites": ReceptionSite.objects.filter(pk=site), "agency": None},
        {"period": three_years, "sites": None, "agency": agency},
    ]


def _inside_months():
    """Periods that begin or end inside a closed month, mostly inside it, with sales on its days
    outside the period: the month is read whole from the summary, those days taken off."""
    this_month = first_of_month(timezone.localdate())
    days = [
        moment.date()
        for moment in Sale.objects.filter(at__lt=Period(this_month, this_month).bounds()[0])
        .datetimes("at", "day")
        .order_by("at")
    ]
    early = next(day for day in days if 2 <= day.day <= 10 and day.year < this_month.year)
    late = next(day for day in reversed(days) if day.day >= 20 and day.month != early.month)
    same_month_late = max(
        day for day in days if day.month == early.month and day.year == early.year
    )
    return [
        Period(early + timedelta(days=1), late - timedelta(days=1)),  # both ends
        Period(early + timedelta(days=1), this_month - timedelta(days=1)),  # its start
        Period(early + timedelta(days=1), same_month_late - timedelta(days=1)),  # one month
    ]


@pytest.mark.parametrize("index", range(3))
def test_a_month_read_whole_less_the_days_outside_the_period(seeded, index):
    period = _inside_months()[index]
    _months, live = split(period)
    taken_off = Q()
    for start, end in live.removed:
        taken_off |= Q(at__gte=start, at__lt=end)
    outside = Sale.objects.filter(taken_off)  # the days taken off have sales of their own
    assert outside.exists()
    for sites in (None, ReceptionSite.objects.filter(pk=outside.first().site_id)):
        scope = {"period": period, "sites": sites, "agency": None}
        summarised = _read_summary(sales_figures, **scope)
        assert summarised == _live(sales_figures, **scope)
        assert summarised.sales_count > 0 or sites is not None
        assert _read_summary(sales_totals, **scope) == _live(sales_totals, **scope)


def test_the_summary_covers_the_closed_months(seeded):
    covered = TillMonthsCovered.objects.get(pk=1)
    assert covered.until == first_of_month(timezone.localdate())
    months = set(TillMonth.objects.values_list("month", flat=True))
    assert len(months) >= 30 and max(months) < covered.until
    assert set(TillMonth.objects.values_list("kind", flat=True)) == {
        TillMonth.SALES,
        TillMonth.REFUNDS,
        TillMonth.PAYMENTS,
    }


@pytest.mark.parametrize("index", range(6))
def test_figures_equal_the_live_count(seeded, index):
    scope = _scopes()[index]
    summarised = _read_summary(sales_figures, **scope)
    live = _live(sales_figures, **scope)
    assert summarised == live
    assert summarised.sales_count > 0 and summarised.refunds_count > 0
    if scope["sites"] is None and scope["agency"] is None and index != 3:
        assert summarised.gross.topups == 2 + 1 and summarised.gross.devices_by_kind["phone"] == 1
    assert _read_summary(sales_totals, **scope) == _live(sales_totals, **scope)


def test_the_dashboard_is_the_live_one(seeded):
    scope = _scopes()[1]
    summarised = _read_summary(impact_report, **scope)
    live = _live(impact_report, **scope)
    assert summarised.tables() == live.tables()
    assert summarised.key_figures == live.key_figures
    assert summarised.since_launch == live.since_launch


def test_this_month_is_counted_live(seeded):
    """This month's sale and refund are in no summary row, yet in the figures."""
    today = timezone.localdate()
    this_month = Period(first_of_month(today), today)
    assert not TillMonth.objects.filter(month=first_of_month(today)).exists()
    figures = sales_figures(period=this_month)
    assert figures.sales_count == 1 and figures.refunds_count == 1
    assert figures.gross.topups == 1 and figures.refunded.topups == 1


def test_a_rebuild_gives_the_same_rows(seeded):
    def rows():
        return sorted(
            TillMonth.objects.values_list("month", "site", "agency", "kind", "method", "amount")
        )

    before = rows()
    assert summaries.refresh() == len(before)
    assert rows() == before


def test_the_command_queues_the_rebuild_for_the_worker(seeded):
    TillMonthsCovered.objects.filter(pk=1).update(until=date.min)
    out = io.StringIO()
    call_command("refresh_summaries", stdout=out)  # the tests' task backend runs it at once
    assert "queued" in out.getvalue()
    assert TillMonthsCovered.objects.get(pk=1).until == first_of_month(timezone.localdate())


def test_sites_in_french_order_whatever_the_collation():
    names = ["Paris 19e", "annexe Nord", "Évry", "Bobigny"]
    assert sorted(names, key=french_order) == ["annexe Nord", "Bobigny", "Évry", "Paris 19e"]
