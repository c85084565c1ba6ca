"""Refurbished devices: reception by IMEI or serial number, and the status changes a site
manager makes (inspection, repair, reservation, scrapping)."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from catalogue.enums import (
    Acquisition,
    AdjustmentReason,
    AuditAction,
    DeviceStatus,
    MovementKind,
    ProductKind,
    Tracking,
)
from catalogue.models import Device, DeviceStatusChange, Product
from catalogue.services.errors import StockError
from catalogue.services.movements import Move, check_acquisition, require_tracking
from catalogue.validators import imei_is_valid, serial_is_valid
from connexions.audit import audit_log
from connexions.codes import normalise_scanned_code
from connexions.locking import Rank, lock_row


def device_code_parts(product: Product, raw: str) -> tuple[str | None, str | None]:
    """(imei, serial) of a scanned code for `product`; raises StockError with the reason."""
    code = normalise_scanned_code(raw)
    if not code:
        raise StockError(_("Scan or type the IMEI or serial number."))
    if product.kind == ProductKind.PHONE or (code.isdigit() and len(code) == 15):
        if not code.isdigit() or len(code) != 15:
            raise StockError(
                _("%(code)s is not an IMEI: an IMEI has exactly 15 digits.") % {"code": code}
            )
        if not imei_is_valid(code):
            raise StockError(
                _("%(code)s is not a valid IMEI: its check digit is wrong.") % {"code": code}
            )
        return code, None
    if not serial_is_valid(code):
        raise StockError(_("%(code)s is not a valid serial number.") % {"code": code})
    return None, code


@transaction.atomic(durable=True)
def device_receive(
    *,
    site,
    product: Product,
    code: str,
    grade: str,
    refurbisher: str = "",
    wipe_certificate: str = "",
    received_from: str = "",
    acquisition: str = Acquisition.PURCHASE,
    donor=None,
    value: Decimal | None = None,
    actor,
) -> Device:
    """One scanned refurbished device enters the stock of `site`: from whom, bought at `value`
    or given by `donor` (a partner; `value` is then the value the donor declared)."""
    require_tracking(product, Tracking.DEVICE)
    check_acquisition(acquisition, donor, value)
    imei, serial = device_code_parts(product, code)
    existing = Device.objects.filter(Q(imei=imei) if imei else Q(serial=serial)).first()
    if existing is not None:
        raise StockError(
            _("%(code)s is already registered (%(status)s).")
            % {"code": existing.code, "status": existing.get_status_display().lower()}
        )
    try:
        with transaction.atomic():
            device = Device.objects.create(
                product=product,
                site=site,
                imei=imei,
                serial=serial,
                grade=grade,
                refurbisher=refurbisher,
                wipe_certificate=wipe_certificate,
                received_from=received_from,
                acquisition=acquisition,
                donor=donor,
                value=value,
            )
    except IntegrityError as exc:
        raise StockError(
            _("%(code)s is already registered (%(status)s).")
            % {"code": imei or serial, "status": _("just now")}
        ) from exc
    Move(MovementKind.RECEPTION, actor).record(
        site=site, product=product, quantity=1, device=device
    )
    audit_log(
        actor=actor,
        action=AuditAction.DEVICE_RECEIVED,
        obj=device,
        site=site,
        acquisition=acquisition,
        donor=donor.pk if donor else None,
        value=str(value) if value is not None else None,
    )
    return device


# Status changes a site manager makes on a unit the site holds.
DEVICE_TRANSITIONS = {
    DeviceStatus.IN_STOCK: {DeviceStatus.RESERVED, DeviceStatus.IN_REPAIR, DeviceStatus.SCRAPPED},
    DeviceStatus.RESERVED: {DeviceStatus.IN_STOCK, DeviceStatus.SCRAPPED},
    DeviceStatus.RETURNED: {DeviceStatus.IN_STOCK, DeviceStatus.IN_REPAIR, DeviceStatus.SCRAPPED},
    DeviceStatus.IN_REPAIR: {DeviceStatus.IN_STOCK, DeviceStatus.SCRAPPED},
}


@transaction.atomic(durable=True)
def device_change_status(
    *, device: Device, status: str, reason: str = "", note: str = "", actor
) -> Device:
    """Inspection, repair (and back), reservation or scrapping of a unit; scrapping writes it
    off in the ledger, the other changes are kept in the device's status changes, with `note`
    (the repairer, what was wrong)."""
    device = lock_row(Rank.DEVICE, Device.objects, pk=device.pk)
    if status not in DEVICE_TRANSITIONS.get(device.status, set()):
        raise StockError(
            _("A device %(from)s cannot become %(to)s.")
            % {
                "from": device.get_status_display().lower(),
                "to": DeviceStatus(status).label.lower(),
            }
        )
    old = device.status
    device.status = status
    device.save(update_fields=["status"])
    if status == DeviceStatus.SCRAPPED:
        Move(MovementKind.WRITE_OFF, actor).record(
            site=device.site,
            product=device.product,
            quantity=-1,
            reason=reason or AdjustmentReason.DAMAGED,
            device=device,
        )
    else:
        DeviceStatusChange.objects.create(
            device=device,
            site=device.site,
            old_status=old,
            new_status=status,
            note=note,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
    audit_log(
        actor=actor,
        action=AuditAction.DEVICE_STATUS_CHANGED,
        obj=device,
        site=device.site,
        old=old,
        new=status,
    )
    return device
