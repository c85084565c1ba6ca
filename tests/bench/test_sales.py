import pytest
from django.db import transaction

from connexions.audit import audit_log
from sales.services import CartItem
from tests.sales.factories import buyer, checkout, open_till, stocked_site

pytestmark = pytest.mark.django_db


def test_checkout_against_a_one_row_transaction(site_a, manager_a, compare):
    """A checkout (card, two top-ups and a phone: token, locks, limits, stock, journal, audit)
    measured against the cheapest durable write: one audit row in its own transaction."""
    repeat = 20
    open_till(site_a, manager_a)
    topup, phone, devices = stocked_site(
        site_a, manager_a, vouchers=2 * (repeat + 2), phones=repeat + 2
    )
    people = iter([buyer() for _ in range(repeat + 2)])
    units = iter(devices)

    def sell():
        items = [CartItem(topup, quantity=2), CartItem(phone, device_code=next(units).imei)]
        checkout(site_a, next(people), items, manager_a)

    def baseline():
        with transaction.atomic(durable=True):
            audit_log(actor=manager_a, action="bench.baseline")

    ratio = compare("checkout (2 top-ups + 1 phone) vs one-row transaction", sell, baseline, repeat)
    assert ratio > 0
