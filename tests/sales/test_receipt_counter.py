"""Receipt numbers restart at 1 on 1 January, for each site, for sales and refunds alike; the
journal's own numbering goes on."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from sales import refunds
from sales.journal import verify_site_journal
from sales.services import CartItem
from tests.sales.factories import buyer, checkout, open_till, stocked_site

PARIS = ZoneInfo("Europe/Paris")
YEAR = timezone.localdate().year


def at(year, month, day, hour, minute):
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


@pytest.mark.django_db
def test_receipt_numbers_restart_on_the_first_of_january_per_site(
    site_a, site_b, manager_a, programme_admin
):
    open_till(site_a, manager_a)
    open_till(site_b, programme_admin)
    topup_a, _, _ = stocked_site(site_a, manager_a, vouchers=5, phones=0)
    topup_b, _, _ = stocked_site(site_b, programme_admin, vouchers=5, phones=0)
    person = buyer()

    def sell(site, topup, actor, when):
        return checkout(site, person, [CartItem(topup)], actor, now=when).sale

    december = [sell(site_a, topup_a, manager_a, at(YEAR - 1, 12, 31, h, 50)) for h in (9, 23)]
    other_site = sell(site_b, topup_b, programme_admin, at(YEAR - 1, 12, 31, 23, 55))
    january = sell(site_a, topup_a, manager_a, at(YEAR, 1, 1, 0, 5))
    other_site_january = sell(site_b, topup_b, programme_admin, at(YEAR, 1, 1, 0, 10))

    assert [s.receipt_sequence for s in december] == [1, 2]
    assert {s.receipt_year for s in december} == {YEAR - 1}
    assert (other_site.receipt_year, other_site.receipt_sequence) == (YEAR - 1, 1)
    assert (january.receipt_year, january.receipt_sequence) == (YEAR, 1)
    assert january.receipt_number == f"V{YEAR}-{site_a.pk:02d}-00001"
    assert (other_site_january.receipt_year, other_site_january.receipt_sequence) == (YEAR, 1)
    assert january.journal_number == 3  # the chain itself is not numbered by year

    refund = refunds.refund_create(
        sale=december[0],
        quantities={december[0].lines.get().pk: 1},
        note="Recharge non utilisée",
        voucher_unused=True,
        actor=manager_a,
        now=at(YEAR, 1, 1, 0, 15),
    )
    assert (refund.receipt_year, refund.receipt_sequence) == (YEAR, 1)
    assert refund.journal_number == 4
    assert verify_site_journal(site_a) is None
    assert verify_site_journal(site_b) is None
