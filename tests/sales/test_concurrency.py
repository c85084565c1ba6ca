"""Real concurrency: threads with their own database connections race at the till."""

import uuid

import pytest

from catalogue.enums import DeviceStatus, VoucherStatus
from catalogue.models import Device, Voucher
from catalogue.selectors import ledger_discrepancies
from connexions.locking import Rank, locks_switched_off
from sales.journal import verify_site_journal
from sales.models import Sale, SaleLine
from sales.services import CartItem, SaleError
from tests.race import race
from tests.sales.factories import buyer, checkout, open_till, stocked_site


def till_race(calls):
    """(results, refusals, crashes) of the calls run at once."""
    outcome = race(calls, expected=(SaleError,))
    return outcome.results, outcome.errors, outcome.crashes


def phone_race(site, manager, threads=50):
    _, phone, [device] = stocked_site(site, manager, vouchers=0, phones=1)
    buyers = [buyer() for _ in range(threads)]
    calls = [
        (
            lambda person=person: checkout(
                site, person, [CartItem(phone, device_code=device.imei)], manager
            )
        )
        for person in buyers
    ]
    return device, till_race(calls)


def check_one_sale_of_the_last_phone(site, device, results, refusals, crashes, threads=50):
    assert crashes == []
    assert len(results) == 1, f"{len(results)} sales of the last phone"
    assert len(refusals) == threads - 1
    assert all("pas en stock" in exc.message for exc in refusals)
    assert SaleLine.objects.filter(device=device).count() == 1
    assert Device.objects.get(pk=device.pk).status == DeviceStatus.SOLD
    assert ledger_discrepancies(site) == {}
    assert verify_site_journal(site) is None


@pytest.mark.django_db(transaction=True)
def test_fifty_tills_race_for_the_last_phone(site_a, manager_a):
    open_till(site_a, manager_a)
    device, (results, refusals, crashes) = phone_race(site_a, manager_a)
    check_one_sale_of_the_last_phone(site_a, device, results, refusals, crashes)
    assert Sale.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_control_without_the_locks_the_phone_is_sold_twice(site_a, manager_a):
    """The same race with the row locks switched off: the check above fails."""
    open_till(site_a, manager_a)
    with locks_switched_off(Rank.DEVICE, pause=0.05):
        device, (results, refusals, crashes) = phone_race(site_a, manager_a, threads=10)
    assert crashes == []
    assert len(results) > 1, "without the lock, the last phone should be sold more than once"
    assert SaleLine.objects.filter(device=device).count() == len(results) > 1


@pytest.mark.django_db(transaction=True)
def test_twice_as_many_buyers_as_vouchers(site_a, manager_a):
    vouchers = 8
    open_till(site_a, manager_a)
    topup, _, _ = stocked_site(site_a, manager_a, vouchers=vouchers, phones=0)
    buyers = [buyer() for _ in range(2 * vouchers)]
    calls = [
        (lambda person=person: checkout(site_a, person, [CartItem(topup)], manager_a))
        for person in buyers
    ]
    results, refusals, crashes = till_race(calls)
    assert crashes == []
    assert len(results) == vouchers and len(refusals) == vouchers
    sold = SaleLine.objects.values_list("voucher_id", flat=True)
    assert len(set(sold)) == vouchers == Voucher.objects.filter(status=VoucherStatus.SOLD).count()
    numbers = sorted(Sale.objects.values_list("receipt_sequence", flat=True))
    assert numbers == list(range(1, vouchers + 1))  # gapless
    assert ledger_discrepancies(site_a) == {}
    assert verify_site_journal(site_a) is None


@pytest.mark.django_db(transaction=True)
def test_same_token_posted_ten_times_at_once_records_one_sale(site_a, manager_a):
    open_till(site_a, manager_a)
    topup, _, _ = stocked_site(site_a, manager_a, vouchers=20, phones=0)
    person = buyer()
    token = uuid.uuid4()
    calls = [
        (lambda: checkout(site_a, person, [CartItem(topup)], manager_a, token=token))
        for _ in range(10)
    ]
    results, refusals, crashes = till_race(calls)
    assert crashes == [] and refusals == []
    assert len({result.sale.pk for result in results}) == 1
    assert sum(not result.replayed for result in results) == 1
    assert Sale.objects.count() == 1
    assert Voucher.objects.filter(status=VoucherStatus.SOLD).count() == 1
