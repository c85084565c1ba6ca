"""Vouchers entering the stock from an operator's file, and leaving it once expired."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.enums import (
    Acquisition,
    AdjustmentReason,
    AuditAction,
    MovementKind,
    Tracking,
    VoucherStatus,
)
from catalogue.models import Product, StockMovement, Voucher, VoucherBatch
from catalogue.services.errors import VoucherImportError
from catalogue.services.movements import Move, check_acquisition, require_tracking
from catalogue.voucher_csv import parse_voucher_csv
from connexions.audit import audit_log
from connexions.locking import Rank, pick_free


@transaction.atomic(durable=True)
def vouchers_import(
    *,
    site,
    product: Product,
    content: bytes,
    filename: str = "",
    acquisition: str = Acquisition.PURCHASE,
    donor=None,
    unit_cost: Decimal | None = None,
    actor,
    today: date | None = None,
) -> VoucherBatch:
    """Import an operator's CSV of vouchers (serial;pin;expiry) into `site`: all or nothing.
    Bought at `unit_cost` each, or given by `donor`: a donated voucher is worth its face value
    (the credit it gives), whatever the donor paid for it."""
    require_tracking(product, Tracking.VOUCHER)
    check_acquisition(acquisition, donor, unit_cost)
    unit_value = product.face_value if acquisition == Acquisition.DONATION else unit_cost
    today = today or timezone.localdate()
    rows, errors = parse_voucher_csv(content, today=today)
    if rows:
        known_serials = set(
            Voucher.objects.filter(serial__in=[r.serial for r in rows]).values_list(
                "serial", flat=True
            )
        )
        known_pins = set(
            Voucher.objects.filter(product=product, pin__in=[r.pin for r in rows]).values_list(
                "pin", flat=True
            )
        )
        for row in rows:
            if row.serial in known_serials:
                errors.append(
                    (row.line, _("serial number %(serial)s already known") % {"serial": row.serial})
                )
            if row.pin in known_pins:
                errors.append((row.line, _("PIN code already known for this product")))
    if errors:
        raise VoucherImportError(sorted(errors, key=lambda e: e[0]))
    batch = VoucherBatch.objects.create(
        site=site,
        product=product,
        filename=filename[:255],
        quantity=len(rows),
        imported_by=actor,
        acquisition=acquisition,
        donor=donor,
        unit_value=unit_value,
    )
    try:
        with transaction.atomic():
            Voucher.objects.bulk_create(
                Voucher(
                    product=product,
                    site=site,
                    batch=batch,
                    serial=row.serial,
                    pin=row.pin,
                    expires_on=row.expires_on,
                )
                for row in rows
            )
    except IntegrityError as exc:
        # Another import of the same codes committed between our check and our insert.
        raise VoucherImportError([(0, _("Some codes were imported meanwhile: retry."))]) from exc
    Move(MovementKind.RECEPTION, actor).record(
        site=site, product=product, quantity=len(rows), batch=batch
    )
    audit_log(
        actor=actor,
        action=AuditAction.VOUCHERS_IMPORTED,
        obj=batch,
        site=site,
        count=len(rows),
        acquisition=acquisition,
        donor=donor.pk if donor else None,
        unit_value=str(unit_value) if unit_value is not None else None,
    )
    return batch


@transaction.atomic(durable=True)
def vouchers_write_off_expired(*, today: date | None = None, actor=None) -> int:
    """Vouchers past their expiry leave the stock (cron, daily). Returns how many."""
    today = today or timezone.localdate()
    expired = Voucher.objects.filter(status=VoucherStatus.IN_STOCK, expires_on__lt=today)
    vouchers = pick_free(Rank.VOUCHER, expired.order_by("id"))
    for voucher in vouchers:
        voucher.status = VoucherStatus.WRITTEN_OFF
    Voucher.objects.bulk_update(vouchers, ["status"])
    StockMovement.objects.bulk_create(
        StockMovement(
            site_id=v.site_id,
            product_id=v.product_id,
            kind=MovementKind.WRITE_OFF,
            reason=AdjustmentReason.EXPIRED,
            quantity=-1,
            voucher=v,
            actor=actor,
        )
        for v in vouchers
    )
    if vouchers:
        audit_log(actor=actor, action=AuditAction.VOUCHERS_EXPIRED, count=len(vouchers))
    return len(vouchers)
