"""Helpers to put a till in a known state: through the services, like the application."""

import uuid
from decimal import Decimal

from catalogue.services import counted_stock_receive
from sales import exchanges, refunds, services
from sales.enums import PaymentMethod
from sales.models import Sale
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.catalogue.factories import ProductFactory, receive_phone, receive_vouchers


def open_till(site, actor, opening_float="50.00"):
    return services.till_open(site=site, opening_float=Decimal(opening_float), actor=actor)


def stocked_site(site, actor, *, vouchers=10, phones=1):
    """A top-up product with `vouchers` vouchers and a phone product with `phones` units."""
    topup = ProductFactory(name=f"Recharge SFR 15 € {uuid.uuid4().hex[:6]}")
    phone = ProductFactory(phone=True)
    if vouchers:
        receive_vouchers(site, topup, vouchers, actor=actor, prefix=f"S{site.pk}T{topup.pk}")
    devices = [receive_phone(site, phone, actor=actor) for _ in range(phones)]
    return topup, phone, devices


def cart_total(items) -> Decimal:
    return sum((item.product.solidarity_price * item.quantity for item in items), Decimal("0.00"))


def checkout(site, beneficiary, items, actor, *, payments=None, token=None, **kwargs):
    payments = payments or [services.PaymentLine(PaymentMethod.CASH, cart_total(items))]
    return services.sale_checkout(
        token=token or uuid.uuid4(),
        site=site,
        beneficiary=beneficiary,
        items=items,
        payments=payments,
        actor=actor,
        **kwargs,
    )


def buyer(**fields):
    return BeneficiaryFactory(**fields)


def split_payment_sale(site, actor, agency):
    """A 59 € phone and an 11,50 € item, paid 20 € cash + 30 € card + 20,50 € agency funding.
    Returns (sale, phone line, item line)."""
    phone = ProductFactory(phone=True, solidarity_price=Decimal("59.00"))
    kit = ProductFactory(sim=True, solidarity_price=Decimal("11.50"))
    counted_stock_receive(site=site, product=kit, quantity=5, actor=actor)
    device = receive_phone(site, phone, actor=actor)
    sale = checkout(
        site,
        buyer(),
        [services.CartItem(phone, device_code=device.imei), services.CartItem(kit)],
        actor,
        payments=[
            services.PaymentLine(PaymentMethod.CASH, Decimal("20.00")),
            services.PaymentLine(PaymentMethod.CARD, Decimal("30.00"), "TPE 0042"),
            services.PaymentLine(PaymentMethod.AGENCY, Decimal("20.50"), "CCAS-2026-0042", agency),
        ],
    ).sale
    lines = {line.kind: line for line in sale.lines.all()}
    return sale, lines["phone"], lines["sim_card"]


def refund_receipt_url(site, user):
    """A refund at `site`, and its receipt's address."""
    open_till(site, user)
    topup, _, _ = stocked_site(site, user, vouchers=1, phones=0)
    sale = checkout(site, buyer(), [services.CartItem(topup)], user).sale
    refund = refunds.refund_create(
        sale=sale, quantities={sale.lines.get().pk: 1}, voucher_unused=True, actor=user
    )
    return f"/caisse/remboursements/{refund.pk}/"


def exchange_post(site, user):
    """A 2,50 € item sold at `site`, and the post that exchanges it for another."""
    open_till(site, user)
    kit = ProductFactory(sim=True, solidarity_price=Decimal("2.50"))
    counted_stock_receive(site=site, product=kit, quantity=3, actor=user)
    sale = checkout(site, buyer(), [services.CartItem(kit)], user).sale
    data = {
        "token": str(uuid.uuid4()),
        f"line_{sale.lines.get().pk}": "1",
        "product": kit.pk,
        "quantity": "1",
        "method": "cash",
    }
    return f"/caisse/ventes/{sale.pk}/echanger/", data


def exchange_receipt_url(site, user):
    """An exchange at `site`, and its receipt's address."""
    url, data = exchange_post(site, user)
    sale = Sale.objects.get(pk=url.split("/")[3])
    line = sale.lines.get()
    result = exchanges.exchange_create(
        token=data["token"],
        sale=sale,
        quantities={line.pk: 1},
        items=[services.CartItem(line.product)],
        actor=user,
    )
    return f"/caisse/echanges/{result.exchange.pk}/"
