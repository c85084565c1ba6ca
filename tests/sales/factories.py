"""Helpers to put a till in a known state: through the services, like the application."""

import uuid
from decimal import Decimal

from sales import services
from sales.enums import PaymentMethod
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
