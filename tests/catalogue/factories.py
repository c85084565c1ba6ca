import zlib
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from catalogue.enums import DeviceGrade, ProductKind
from catalogue.models import Operator, Product, PurchaseLimit
from connexions.codes import luhn_check_digit


class OperatorFactory(DjangoModelFactory):
    class Meta:
        model = Operator
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Opérateur {n}")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Recharge mobile {n}")
    kind = ProductKind.MOBILE_TOPUP
    operator = factory.SubFactory(OperatorFactory)
    face_value = Decimal("15.00")
    solidarity_price = Decimal("2.50")
    validity_days = 30

    class Params:
        phone = factory.Trait(
            name=factory.Sequence(lambda n: f"Smartphone reconditionné {n}"),
            kind=ProductKind.PHONE,
            operator=None,
            face_value=None,
            solidarity_price=Decimal("49.00"),
            reference_price=Decimal("189.00"),
            validity_days=None,
            warranty_months=12,
        )
        laptop = factory.Trait(
            name=factory.Sequence(lambda n: f"Ordinateur portable {n}"),
            kind=ProductKind.COMPUTER,
            operator=None,
            face_value=None,
            solidarity_price=Decimal("99.00"),
            reference_price=Decimal("349.00"),
            validity_days=None,
            warranty_months=12,
        )
        sim = factory.Trait(
            name=factory.Sequence(lambda n: f"Carte SIM {n}"),
            kind=ProductKind.SIM_CARD,
            face_value=None,
            solidarity_price=Decimal("1.00"),
            reference_price=Decimal("10.00"),
            validity_days=None,
        )


class PurchaseLimitFactory(DjangoModelFactory):
    class Meta:
        model = PurchaseLimit

    kind = ProductKind.MOBILE_TOPUP
    max_count = 4
    window_days = 30


_imei_counter = iter(range(10**6))


def make_imei() -> str:
    """A fresh IMEI that passes the Luhn check."""
    body = f"35{next(_imei_counter):012d}"
    return body + luhn_check_digit(body)


def voucher_csv(count: int, *, start: int = 0, prefix: str = "SN", expiry=None) -> bytes:
    expiry = expiry or timezone.localdate() + timedelta(days=365)
    lines = ["serial;pin;expiry"]
    for i in range(start, start + count):
        lines.append(
            f"{prefix}{i:08d};{zlib.crc32(prefix.encode()) % 1000:03d}{i:09d};{expiry:%d/%m/%Y}"
        )
    return ("\n".join(lines) + "\n").encode()


def receive_vouchers(
    site, product, count, *, actor, start=0, prefix="SN", expiry=None, **acquisition
):
    """`acquisition`: how the batch came (acquisition, donor, unit_cost), a purchase by default."""
    from catalogue.services import vouchers_import

    return vouchers_import(
        site=site,
        product=product,
        content=voucher_csv(count, start=start, prefix=prefix, expiry=expiry),
        actor=actor,
        **acquisition,
    )


def receive_phone(site, product, *, actor, grade=DeviceGrade.A, **acquisition):
    """`acquisition`: how the phone came (acquisition, donor, value), a purchase by default."""
    from catalogue.services import device_receive

    return device_receive(
        site=site, product=product, code=make_imei(), grade=grade, actor=actor, **acquisition
    )
