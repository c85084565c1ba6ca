from decimal import Decimal

import pytest
from django.utils import timezone

from beneficiaries.enums import PlanType
from connexions.periods import Period
from sales import refunds
from sales.selectors import sales_figures
from sales.services import CartItem
from tests.connexions.factories import staff_user
from tests.sales.factories import buyer, checkout, open_till, stocked_site

pytestmark = pytest.mark.django_db
D = Decimal


def test_sales_figures_for_the_impact_dashboard(
    site_a, site_b, manager_a, agency_a, agency_b, django_assert_max_num_queries
):
    manager_b = staff_user(site_b, "site_manager", can_open_till=True)
    open_till(site_a, manager_a)
    open_till(site_b, manager_b)
    topup, phone, devices = stocked_site(site_a, manager_a, vouchers=5, phones=2)
    topup_b, phone_b, devices_b = stocked_site(site_b, manager_b, vouchers=5, phones=1)
    # Enrolled at site B without a mobile, referred by agency A, buys a first phone at site A.
    first_phone = buyer(
        enrolled_site=site_b,
        has_mobile=False,
        plan_type=PlanType.NONE,
        enrolment_referral__agency=agency_a,
    )
    checkout(site_a, first_phone, [CartItem(phone, device_code=devices[0].imei)], manager_a)
    other = buyer(enrolled_site=site_a, enrolment_referral__agency=agency_b)
    sale = checkout(site_a, other, [CartItem(topup, quantity=2)], manager_a).sale
    line = sale.lines.first()
    refunds.refund_create(
        sale=sale,
        quantities={line.pk: 1},
        note="Erreur",
        voucher_unused=True,
        actor=manager_a,
    )
    checkout(site_b, buyer(enrolled_site=site_b), [CartItem(topup_b)], manager_b)

    period = Period.year_to_date(timezone.localdate())
    with django_assert_max_num_queries(10):
        figures = sales_figures(period=period)
    assert figures.sales_count == 3
    assert figures.gross.topups == 3
    assert figures.gross.operator_credit == D("45.00")
    assert figures.gross.devices_by_kind["phone"] == 1
    assert figures.gross.amount == D("49.00") + D("5.00") + D("2.50")
    assert figures.gross.subsidy == D("140.00") + 3 * D("12.50")
    # One top-up given back: netted from every figure.
    assert (figures.refunds_count, figures.refunded.amount) == (1, D("2.50"))
    assert (figures.net.topups, figures.net.operator_credit) == (2, D("30.00"))
    assert figures.net.subsidy == D("140.00") + 2 * D("12.50")
    assert figures.first_mobile_phones == 1
    assert {row["site_id"] for row in figures.by_site_month} == {site_a.pk, site_b.pk}

    # Sales count under the site of the sale; the first phone under the site of enrolment.
    at_a = sales_figures(period=period, sites=[site_a])
    assert at_a.sales_count == 2 and at_a.first_mobile_phones == 0
    assert sales_figures(period=period, sites=[site_b]).first_mobile_phones == 1
    by_agency = sales_figures(period=period, agency=agency_a)
    assert by_agency.sales_count == 1 and by_agency.first_mobile_phones == 1
    assert sales_figures(period=period, agency=agency_b).refunds_count == 1
