"""Real concurrency: threads with their own database connections race for the last units."""

import pytest
from django.db import transaction

from catalogue import selectors, services
from catalogue.enums import MovementKind, VoucherStatus
from catalogue.models import CountedStock, StockMovement, Voucher
from catalogue.services import movements
from connexions.locking import Rank, locks_switched_off
from tests.catalogue.factories import ProductFactory, receive_vouchers
from tests.race import race

THREADS = 20
STOCK = 5


def race_in_transactions(target):
    """`target()` in THREADS threads at once, each in a transaction of its own, as the till's."""

    def call():
        with transaction.atomic(durable=True):
            return target()

    outcome = race([call] * THREADS, expected=(services.StockError,))
    assert outcome.crashes == []
    return outcome.results, outcome.errors


def check_exactly_the_stock_was_sold(site, product, results, errors):
    sold_ids = [voucher.pk for [voucher] in results]
    assert len(results) == STOCK, f"{len(results)} sales succeeded for {STOCK} vouchers"
    assert len(errors) == THREADS - STOCK
    assert len(set(sold_ids)) == STOCK, "a voucher was sold twice"
    assert Voucher.objects.filter(status=VoucherStatus.SOLD).count() == STOCK
    assert StockMovement.objects.filter(kind=MovementKind.SALE).count() == STOCK
    assert selectors.ledger_balances(site)[product.pk] == 0
    assert selectors.ledger_discrepancies(site) == {}


def take_one(site, product, user):
    return lambda: services.vouchers_take_for_sale(
        site=site, product=product, actor=user, reference="sales.sale:race"
    )


@pytest.mark.django_db(transaction=True)
def test_twenty_tills_race_for_the_last_five_vouchers(site_a, manager_a):
    product = ProductFactory()
    receive_vouchers(site_a, product, STOCK, actor=manager_a)
    results, errors = race_in_transactions(take_one(site_a, product, manager_a))
    check_exactly_the_stock_was_sold(site_a, product, results, errors)
    assert all(isinstance(e, services.OutOfStock) for e in errors)


def without_the_status_guard(monkeypatch):
    """Take away the second line of defence (the update only of vouchers still in stock), so
    that only the row lock stands between two tills and the same voucher."""

    def hand_over_whatever_their_status(ids, *, status, **updates):
        return Voucher.objects.filter(pk__in=ids).update(status=status, **updates)

    monkeypatch.setattr(movements, "hand_over_vouchers", hand_over_whatever_their_status)


@pytest.mark.django_db(transaction=True)
def test_the_row_lock_alone_sells_each_voucher_once(site_a, manager_a, monkeypatch):
    """The same race with only the lock left: still exactly the stock is sold."""
    without_the_status_guard(monkeypatch)
    product = ProductFactory()
    receive_vouchers(site_a, product, STOCK, actor=manager_a)
    results, errors = race_in_transactions(take_one(site_a, product, manager_a))
    check_exactly_the_stock_was_sold(site_a, product, results, errors)


@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_a_voucher_is_sold_twice(site_a, manager_a, monkeypatch):
    """The race of the test above with the row lock taken away as well: the same voucher (the
    same PIN) is handed to several people and the ledger counts more sales than the stock held,
    so the tests above prove the lock."""
    without_the_status_guard(monkeypatch)
    product = ProductFactory()
    receive_vouchers(site_a, product, STOCK, actor=manager_a)
    with locks_switched_off(Rank.VOUCHER, pause=0.05):
        results, errors = race_in_transactions(take_one(site_a, product, manager_a))
    sold_ids = [voucher.pk for [voucher] in results]
    assert len(sold_ids) > len(set(sold_ids)), "no voucher was sold twice"
    assert StockMovement.objects.filter(kind=MovementKind.SALE).count() > STOCK
    assert selectors.ledger_balances(site_a)[product.pk] < 0
    assert selectors.ledger_discrepancies(site_a) != {}


@pytest.mark.django_db(transaction=True)
def test_counted_stock_never_goes_below_zero_under_a_race(site_a, manager_a):
    sim = ProductFactory(sim=True)
    services.counted_stock_receive(site=site_a, product=sim, quantity=STOCK, actor=manager_a)
    results, errors = race_in_transactions(
        lambda: services.counted_stock_remove_for_sale(
            site=site_a, quantities={sim: 1}, actor=manager_a, reference="race"
        )
    )
    assert (len(results), len(errors)) == (STOCK, THREADS - STOCK)
    assert CountedStock.objects.get(site=site_a, product=sim).quantity == 0
    assert selectors.ledger_discrepancies(site_a) == {}
