"""Stock sent from one site to another: in transit until the receiving site confirms."""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.enums import (
    AuditAction,
    DeviceStatus,
    MovementKind,
    Tracking,
    TransferStatus,
    VoucherStatus,
)
from catalogue.models import Device, Product, StockMovement, Transfer, TransferLine, Voucher
from catalogue.services.errors import StockError
from catalogue.services.movements import (
    Move,
    add_counted,
    require_positive,
    take_counted,
    take_devices,
    take_vouchers,
)
from connexions.audit import audit_log
from connexions.codes import normalise_scanned_code
from connexions.locking import Rank, lock_row, lock_rows


@dataclass
class TransferItem:
    """What to send: `quantity` of a voucher or counted product, or the scanned `device_codes`."""

    product: Product | None  # None for devices, known by their codes
    quantity: int = 0
    device_codes: list[str] = field(default_factory=list)


@transaction.atomic(durable=True)
def transfer_send(*, from_site, to_site, items: list[TransferItem], actor) -> Transfer:
    """Stock leaves `from_site`: in transit until `to_site` confirms its reception."""
    if from_site.pk == to_site.pk:
        raise StockError(_("Choose another site to send stock to."))
    if not items:
        raise StockError(_("Nothing to send."))
    device_codes, vouchers, counted = _by_tracking(items)
    transfer = Transfer.objects.create(from_site=from_site, to_site=to_site, sent_by=actor)
    move = Move(MovementKind.TRANSFER_OUT, actor, transfer=transfer)
    # Devices, then vouchers, then counted rows: the lock order.
    devices = take_devices(
        site=from_site,
        codes=device_codes,
        move=move,
        status=DeviceStatus.IN_TRANSIT,
        transfer=transfer,
    )
    today = timezone.localdate()
    for product, quantity in vouchers.items():
        take_vouchers(
            site=from_site,
            product=product,
            quantity=quantity,
            today=today,
            move=move,
            status=VoucherStatus.IN_TRANSIT,
            transfer=transfer,
        )
    take_counted(site=from_site, quantities=counted, move=move)
    sent = Counter(device.product for device in devices) + vouchers + counted
    TransferLine.objects.bulk_create(
        TransferLine(transfer=transfer, product=product, quantity=quantity)
        for product, quantity in sent.items()
    )
    audit_log(
        actor=actor,
        action=AuditAction.TRANSFER_SENT,
        obj=transfer,
        site=from_site,
        to_site=to_site.pk,
    )
    return transfer


def _by_tracking(items: list[TransferItem]) -> tuple[list[str], Counter, Counter]:
    """(device codes, quantities of vouchers, quantities of counted items) of what to send."""
    require_positive(item.quantity for item in items if not item.device_codes)
    codes, vouchers, counted = [], Counter(), Counter()
    for item in items:
        if item.device_codes:
            codes += item.device_codes
        elif item.product.tracking == Tracking.VOUCHER:
            vouchers[item.product] += item.quantity
        elif item.product.tracking == Tracking.COUNTED:
            counted[item.product] += item.quantity
        else:
            raise StockError(_("Devices are sent by their IMEI or serial number."))
    return codes, vouchers, counted


def transferable_device(*, site, code: str, listed: list[str] = ()) -> Device:
    """The device a code scanned for a transfer names, if `site` can send it (in stock there and
    not already in the list): said on the spot, before anything is sent. Raises StockError."""
    code = normalise_scanned_code(code)
    if not code:
        raise StockError(_("Scan or type the IMEI or serial number."))
    if code in {normalise_scanned_code(other) for other in listed}:
        raise StockError(_("%(code)s is already in the list.") % {"code": code})
    device = (
        Device.objects.filter(Q(imei=code) | Q(serial=code))
        .select_related("product", "site")
        .first()
    )
    if device is None:
        raise StockError(_("%(code)s is not known: no device has this code.") % {"code": code})
    if device.site_id != site.pk:
        raise StockError(
            _("%(code)s belongs to %(site)s.") % {"code": code, "site": device.site.name}
        )
    if device.status != DeviceStatus.IN_STOCK:
        raise StockError(
            _("%(code)s cannot be sent: it is %(status)s.")
            % {"code": code, "status": device.get_status_display().lower()}
        )
    return device


@transaction.atomic(durable=True)
def transfer_receive(*, transfer: Transfer, actor) -> Transfer:
    """The receiving site confirms: the units and quantities in transit enter its stock."""
    transfer = lock_row(Rank.RECORD, Transfer.objects, pk=transfer.pk)
    if transfer.status != TransferStatus.IN_TRANSIT:
        raise StockError(_("This transfer has already been received."))
    to_site = transfer.to_site
    move = Move(MovementKind.TRANSFER_IN, actor, transfer=transfer)
    devices = Device.objects.filter(transfer=transfer, status=DeviceStatus.IN_TRANSIT)
    for device in lock_rows(Rank.DEVICE, devices.select_related("product")):
        device.site = to_site
        device.status = DeviceStatus.IN_STOCK
        device.save(update_fields=["site", "status"])
        move.record(site=to_site, product=device.product, quantity=1, device=device)
    vouchers = Voucher.objects.filter(transfer=transfer, status=VoucherStatus.IN_TRANSIT)
    vouchers = lock_rows(Rank.VOUCHER, vouchers.select_related("product"))
    Voucher.objects.filter(pk__in=[v.pk for v in vouchers]).update(
        site=to_site, status=VoucherStatus.IN_STOCK
    )
    StockMovement.objects.bulk_create(
        move.row(site=to_site, product=v.product, quantity=1, voucher=v) for v in vouchers
    )
    lines = transfer.lines.select_related("product")
    counted = {
        line.product: line.quantity for line in lines if line.product.tracking == Tracking.COUNTED
    }
    add_counted(site=to_site, quantities=counted, move=move)
    transfer.status = TransferStatus.RECEIVED
    transfer.received_by = actor
    transfer.received_at = timezone.now()
    transfer.save(update_fields=["status", "received_by", "received_at"])
    audit_log(actor=actor, action=AuditAction.TRANSFER_RECEIVED, obj=transfer, site=to_site)
    return transfer
