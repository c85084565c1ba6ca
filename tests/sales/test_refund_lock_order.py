"""A refund locks what it gives back by id, whatever the order of the sale's lines."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connexions.models import AuditEvent
from sales import refunds
from sales.services import CartItem
from tests.catalogue.factories import ProductFactory, receive_vouchers
from tests.sales.factories import buyer, checkout, open_till


@pytest.mark.django_db
def test_a_refund_voids_its_vouchers_in_order_of_id(site_a, manager_a):
    open_till(site_a, manager_a)
    topup = ProductFactory()
    today = timezone.localdate()
    # The voucher received first expires last, so the till sells it second: the sale's lines
    # are not in the order of the vouchers' ids.
    receive_vouchers(
        site_a, topup, 1, actor=manager_a, prefix="LATE", expiry=today + timedelta(300)
    )
    receive_vouchers(site_a, topup, 1, actor=manager_a, prefix="SOON", expiry=today + timedelta(30))
    sale = checkout(site_a, buyer(), [CartItem(topup, quantity=2)], manager_a).sale
    lines = list(sale.lines.order_by("pk"))
    assert lines[0].voucher_id > lines[1].voucher_id

    refunds.refund_create(
        sale=sale,
        quantities={line.pk: 1 for line in lines},
        note="Recharges non utilisées",
        voucher_unused=True,
        actor=manager_a,
    )
    voided = AuditEvent.objects.filter(action="catalogue.voucher.voided").order_by("pk")
    assert list(voided.values_list("object_id", flat=True)) == [
        str(pk) for pk in sorted(line.voucher_id for line in lines)
    ]
