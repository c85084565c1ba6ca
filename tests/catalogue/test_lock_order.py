"""The till's stock functions, called out of the lock order within one transaction, are
refused before they lock anything."""

import pytest
from django.db import transaction

from catalogue import services
from connexions.locking import LockOrderError
from tests.catalogue.factories import ProductFactory, receive_vouchers


@pytest.mark.django_db
def test_vouchers_after_counted_rows_in_one_transaction_are_refused(site_a, manager_a):
    sim, topup = ProductFactory(sim=True), ProductFactory()
    services.counted_stock_receive(site=site_a, product=sim, quantity=1, actor=manager_a)
    receive_vouchers(site_a, topup, 1, actor=manager_a)
    sale = {"site": site_a, "actor": manager_a, "reference": "sales.sale:1"}
    with pytest.raises(LockOrderError, match="VOUCHER locked after COUNTED_STOCK"):
        with transaction.atomic(durable=True):
            services.counted_stock_remove_for_sale(quantities={sim: 1}, **sale)
            services.vouchers_take_for_sale(product=topup, **sale)
