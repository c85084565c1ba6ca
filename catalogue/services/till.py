"""What the till (sales) calls inside its own checkout or refund transaction: a plain
`atomic()` each, never a durable one."""

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.enums import AuditAction, DeviceStatus, MovementKind, VoucherStatus
from catalogue.models import Device, Product, Voucher
from catalogue.services.errors import StockError
from catalogue.services.movements import (
    Move,
    add_counted,
    take_counted,
    take_devices,
    take_vouchers,
)
from connexions.audit import audit_log
from connexions.locking import Rank, lock_rows


@transaction.atomic
def vouchers_take_for_sale(
    *, site, product: Product, quantity: int = 1, actor, reference: str, today: date | None = None
) -> list[Voucher]:
    """The next `quantity` valid vouchers of `product` at `site` (earliest expiry first, never
    an expired one), marked sold. Raises `OutOfStock`. The caller prints their PINs."""
    return take_vouchers(
        site=site,
        product=product,
        quantity=quantity,
        today=today or timezone.localdate(),
        move=Move(MovementKind.SALE, actor, reference),
        status=VoucherStatus.SOLD,
        sale_reference=reference,
    )


@transaction.atomic
def devices_take_for_sale(*, site, device_codes: list[str], actor, reference: str) -> list[Device]:
    """These exact units (scanned codes), in stock at `site`, marked sold."""
    return take_devices(
        site=site,
        codes=device_codes,
        move=Move(MovementKind.SALE, actor, reference),
        status=DeviceStatus.SOLD,
        sale_reference=reference,
    )


@transaction.atomic
def counted_stock_remove_for_sale(
    *, site, quantities: Mapping[Product, int], actor, reference: str
) -> None:
    """Counted items out of `site`'s stock. Raises `OutOfStock` if the site holds fewer."""
    take_counted(site=site, quantities=quantities, move=Move(MovementKind.SALE, actor, reference))


@transaction.atomic
def vouchers_void_for_refund(*, vouchers: list[Voucher], actor, reference: str) -> list[Voucher]:
    """Sold vouchers are voided (their PINs were handed over, so they never return to stock; no
    ledger row, since the site's stock does not change)."""
    vouchers = lock_rows(Rank.VOUCHER, Voucher.objects.filter(pk__in=[v.pk for v in vouchers]))
    for voucher in vouchers:
        if voucher.status != VoucherStatus.SOLD:
            raise StockError(_("This voucher was not sold: it cannot be voided."))
        voucher.status = VoucherStatus.VOIDED
        voucher.save(update_fields=["status"])
        audit_log(
            actor=actor,
            action=AuditAction.VOUCHER_VOIDED,
            obj=voucher,
            site=voucher.site,
            ref=reference,
        )
    return vouchers


@transaction.atomic
def devices_return_for_refund(
    *, devices: list[Device], site, actor, reference: str
) -> list[Device]:
    """Sold devices come back to `site`, to be inspected."""
    devices = lock_rows(
        Rank.DEVICE, Device.objects.filter(pk__in=[d.pk for d in devices]).select_related("product")
    )
    move = Move(MovementKind.RETURN, actor, reference)
    for device in devices:
        if device.status != DeviceStatus.SOLD:
            raise StockError(_("This device was not sold: it cannot come back."))
        device.status = DeviceStatus.RETURNED
        device.site = site
        device.save(update_fields=["status", "site"])
        move.record(site=site, product=device.product, quantity=1, device=device)
    return devices


@transaction.atomic
def counted_stock_return_for_refund(
    *, site, quantities: Mapping[Product, int], actor, reference: str
) -> None:
    """Counted items come back into `site`'s stock."""
    add_counted(site=site, quantities=quantities, move=Move(MovementKind.RETURN, actor, reference))
