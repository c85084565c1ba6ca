"""Exchanges: one refund and one sale recorded together, limits net of the return."""

import uuid
from decimal import Decimal as D

import pytest

from catalogue.enums import DeviceStatus
from catalogue.models import Device
from catalogue.selectors import ledger_discrepancies
from catalogue.services import counted_stock_receive
from sales import exchanges, journal, selectors
from sales.enums import PaymentMethod
from sales.models import Exchange, TillSession
from sales.services import CartItem, PaymentLine, SaleError
from tests.catalogue.factories import ProductFactory, PurchaseLimitFactory, receive_phone
from tests.conftest import client_for
from tests.sales.factories import buyer, checkout, open_till

pytestmark = pytest.mark.django_db


def _pairs(rows):
    return [(row.method, row.amount) for row in rows.order_by("id")]


def test_a_faulty_phone_for_a_dearer_one(site_a, manager_a):
    open_till(site_a, manager_a)
    phone = ProductFactory(phone=True)  # 49 €
    dearer = ProductFactory(phone=True, solidarity_price=D("59.00"))
    PurchaseLimitFactory(kind=phone.kind, max_count=1, window_days=730)
    first, second = (
        receive_phone(site_a, phone, actor=manager_a),
        receive_phone(site_a, dearer, actor=manager_a),
    )
    person = buyer()
    sale = checkout(site_a, person, [CartItem(phone, device_code=first.imei)], manager_a).sale
    with pytest.raises(SaleError, match="Plafond"):  # a second phone, without a return
        checkout(site_a, person, [CartItem(dearer, device_code=second.imei)], manager_a)
    result = exchanges.exchange_create(
        token=uuid.uuid4(),
        sale=sale,
        quantities={sale.lines.get().pk: 1},
        items=[CartItem(dearer, device_code=second.imei)],
        payments=[PaymentLine(PaymentMethod.CASH, D("10.00"))],
        actor=manager_a,
    )
    exchange = result.exchange
    assert exchange.balance == D("10.00")
    assert _pairs(exchange.refund.payments) == [("exchange", D("49.00"))]
    assert _pairs(exchange.sale.payments) == [("exchange", D("49.00")), ("cash", D("10.00"))]
    assert exchange.sale.journal_number == exchange.refund.journal_number + 1
    assert Device.objects.get(pk=first.pk).status == DeviceStatus.RETURNED
    assert Device.objects.get(pk=second.pk).status == DeviceStatus.SOLD
    totals = selectors.session_totals(TillSession.objects.get())
    assert selectors.expected_cash(TillSession.objects.get(), totals) == D("109.00")
    assert totals.method(PaymentMethod.EXCHANGE) == D("0.00")
    assert journal.verify_site_journal(site_a) is None
    assert ledger_discrepancies(site_a) == {}


def test_a_cheaper_item_gives_the_difference_back_the_way_it_was_paid(site_a, manager_a):
    open_till(site_a, manager_a)
    phone = ProductFactory(phone=True)
    kit = ProductFactory(sim=True, solidarity_price=D("11.50"))
    counted_stock_receive(site=site_a, product=kit, quantity=2, actor=manager_a)
    device = receive_phone(site_a, phone, actor=manager_a)
    sale = checkout(
        site_a,
        buyer(),
        [CartItem(phone, device_code=device.imei)],
        manager_a,
        payments=[PaymentLine(PaymentMethod.CARD, D("49.00"), "TPE 12")],
    ).sale
    token = uuid.uuid4()
    exchange = exchanges.exchange_create(
        token=token,
        sale=sale,
        quantities={sale.lines.get().pk: 1},
        items=[CartItem(kit)],
        actor=manager_a,
    ).exchange
    assert exchange.balance == D("-37.50")
    assert _pairs(exchange.refund.payments) == [("exchange", D("11.50")), ("card", D("37.50"))]
    again = exchanges.exchange_create(
        token=token,
        sale=sale,
        quantities={sale.lines.get().pk: 1},
        items=[CartItem(kit)],
        actor=manager_a,
    )
    assert again.replayed and again.exchange == exchange
    assert journal.verify_site_journal(site_a) is None


def test_an_exchange_through_the_page_and_its_one_receipt(client, site_a, manager_a):
    open_till(site_a, manager_a)
    phone = ProductFactory(phone=True)
    dearer = ProductFactory(phone=True, solidarity_price=D("59.00"))
    first = receive_phone(site_a, phone, actor=manager_a)
    second = receive_phone(site_a, dearer, actor=manager_a)
    sale = checkout(site_a, buyer(), [CartItem(phone, device_code=first.imei)], manager_a).sale
    client_for(client, manager_a)
    url = f"/caisse/ventes/{sale.pk}/echanger/"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "token": str(uuid.uuid4()),
            f"line_{sale.lines.get().pk}": "1",
            "product": dearer.pk,
            "quantity": "1",
            "device_code": second.imei,
            "method": "card",
            "reference": "TPE 77",
        },
        follow=True,
    )
    exchange = Exchange.objects.get()
    assert _pairs(exchange.sale.payments) == [("exchange", D("49.00")), ("card", D("10.00"))]
    body = response.content.decode()
    assert "L’échange est enregistré." in body
    printed = client.post(f"/caisse/echanges/{exchange.pk}/imprimer/").content.decode()
    assert exchange.refund.receipt_number in printed and exchange.sale.receipt_number in printed
    assert 'id="exchange-balance"' in printed and "10,00 €" in printed
    assert "DUPLICATA" not in printed
    assert "DUPLICATA" in client.post(f"/caisse/echanges/{exchange.pk}/imprimer/").content.decode()
