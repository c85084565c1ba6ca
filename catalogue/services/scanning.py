"""Stocktakes of devices and vouchers by scanning: each unit scanned once, what was expected
and not scanned is missing, what was scanned and not expected is unexpected; confirming records
every difference in the ledger with its reason, once."""

from collections import Counter
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.enums import (
    MISSING_REASONS,
    AdjustmentReason,
    AuditAction,
    DeviceStatus,
    MovementKind,
    VoucherStatus,
)
from catalogue.models import (
    Device,
    ScanCount,
    ScannedUnit,
    Stocktake,
    StocktakeLine,
    Voucher,
)
from catalogue.services.errors import StockError
from catalogue.services.movements import Move
from connexions.audit import audit_log
from connexions.codes import normalise_scanned_code
from connexions.locking import Rank, lock_row, lock_rows

# What a site is expected to hold on its shelves: units it holds, apart from those at a repairer.
EXPECTED_DEVICE_STATUSES = [DeviceStatus.IN_STOCK, DeviceStatus.RESERVED, DeviceStatus.RETURNED]
# Units written off that a scan brings back ("found").
FOUND_DEVICE_STATUSES = [DeviceStatus.MISSING]


def expected_devices(site):
    return Device.objects.filter(site=site, status__in=EXPECTED_DEVICE_STATUSES)


def expected_vouchers(site):
    return Voucher.objects.filter(site=site, status=VoucherStatus.IN_STOCK)


def unit_key(unit) -> str:
    """How a form names a unit: "device-12", "voucher-34"."""
    return f"{'device' if isinstance(unit, Device) else 'voucher'}-{unit.pk}"


@transaction.atomic(durable=True)
def scan_count_start(*, site, actor) -> ScanCount:
    """The site's open count (a count is resumed, never started twice), or a new one."""
    open_count = ScanCount.objects.filter(site=site, stocktake__isnull=True).first()
    if open_count is not None:
        return open_count
    try:
        with transaction.atomic():
            count = ScanCount.objects.create(site=site, started_by=actor)
    except IntegrityError:  # started at the same moment by a colleague: theirs is the one
        return ScanCount.objects.get(site=site, stocktake__isnull=True)
    audit_log(actor=actor, action=AuditAction.SCAN_COUNT_STARTED, obj=count, site=site)
    return count


@dataclass(frozen=True)
class ScanOutcome:
    scan: ScannedUnit
    # Said on the spot when the unit is not one the site is expected to hold.
    warning: str = ""


def _find_unit(code: str, raw: str):
    device = Device.objects.filter(Q(imei=code) | Q(serial=code)).select_related("product").first()
    if device is not None:
        return device
    serials = {code, str(raw or "").strip()}
    return Voucher.objects.filter(serial__in=serials).select_related("product").first()


def _warning(count: ScanCount, unit) -> str:
    if unit.site_id != count.site_id:
        return _("%(code)s belongs to %(site)s: it is listed as unexpected, not moved.") % {
            "code": unit.code,
            "site": unit.site.name,
        }
    expected = (
        unit.status in EXPECTED_DEVICE_STATUSES
        if isinstance(unit, Device)
        else unit.status == VoucherStatus.IN_STOCK
    )
    if expected:
        return ""
    return _("%(code)s is recorded as %(status)s: it is listed as unexpected.") % {
        "code": unit.code,
        "status": unit.get_status_display().lower(),
    }


@transaction.atomic(durable=True)
def scan_count_scan(*, count: ScanCount, code: str, actor) -> ScanOutcome:
    """One scanned code counted. Refused (StockError) for an unknown code, a unit already
    counted, or a count already confirmed; a unit of another site or not expected here is
    counted with a warning, to show among the unexpected ones."""
    raw, code = code, normalise_scanned_code(code)
    if not code:
        raise StockError(_("Scan or type the IMEI or serial number."))
    # Locked as its confirmation locks it: a scan is either in the count it confirms or refused.
    count = lock_row(Rank.RECORD, ScanCount.objects, pk=count.pk)
    if not count.is_open:
        raise StockError(_("This stocktake has already been confirmed."))
    unit = _find_unit(code, raw)
    if unit is None:
        raise StockError(
            _("%(code)s is not known: no device or voucher has this code.") % {"code": code}
        )
    fields = {"device": unit} if isinstance(unit, Device) else {"voucher": unit}
    try:
        with transaction.atomic():
            scan = ScannedUnit.objects.create(count=count, scanned_by=actor, **fields)
    except IntegrityError as exc:
        raise StockError(_("%(code)s has already been counted.") % {"code": unit.code}) from exc
    return ScanOutcome(scan, _warning(count, unit))


@dataclass
class CountState:
    """Where a count stands: expected units, those scanned, the missing and the unexpected."""

    expected: list = field(default_factory=list)
    scanned: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    unexpected: list = field(default_factory=list)


def scan_count_state(count: ScanCount, *, locked: bool = False) -> CountState:
    """The count as it stands now (with `locked`, the units' rows locked, devices then vouchers:
    for the confirmation)."""
    scans = list(
        count.scans.select_related(
            "device__product", "device__site", "voucher__product", "voucher__site"
        )
    )
    scanned_devices = {s.device_id for s in scans if s.device_id}
    scanned_vouchers = {s.voucher_id for s in scans if s.voucher_id}
    devices = Device.objects.filter(
        Q(pk__in=scanned_devices) | Q(site=count.site, status__in=EXPECTED_DEVICE_STATUSES)
    ).select_related("product", "site")
    vouchers = Voucher.objects.filter(
        Q(pk__in=scanned_vouchers) | Q(site=count.site, status=VoucherStatus.IN_STOCK)
    ).select_related("product", "site")
    if locked:
        devices = lock_rows(Rank.DEVICE, devices)
        vouchers = lock_rows(Rank.VOUCHER, vouchers)
    state = CountState()
    for unit, scanned_ids in [
        *((d, scanned_devices) for d in devices),
        *((v, scanned_vouchers) for v in vouchers),
    ]:
        is_expected = unit.site_id == count.site_id and not _warning(count, unit)
        if is_expected:
            state.expected.append(unit)
        if unit.pk in scanned_ids:
            state.scanned.append(unit)
            if not is_expected:
                state.unexpected.append(unit)
        elif is_expected:
            state.missing.append(unit)
    for units in (state.expected, state.scanned, state.missing, state.unexpected):
        units.sort(key=lambda unit: (unit.product.name, unit.code))
    return state


def _is_found(count: ScanCount, unit) -> bool:
    """An unexpected unit of this site that a scan brings back into its stock."""
    if unit.site_id != count.site_id:
        return False
    if isinstance(unit, Device):
        return unit.status in FOUND_DEVICE_STATUSES
    return unit.status == VoucherStatus.WRITTEN_OFF and unit.expires_on >= timezone.localdate()


@transaction.atomic(durable=True)
def scan_count_confirm(*, count: ScanCount, reasons: dict[str, str], actor) -> Stocktake:
    """Records the count: each missing unit leaves the stock with the reason chosen for it
    (`reasons` by `unit_key`: lost, stolen or damaged), each unit of this site written off and
    scanned comes back as found; every change is a ledger row against one stocktake."""
    count = lock_row(Rank.RECORD, ScanCount.objects.select_related("site"), pk=count.pk)
    if not count.is_open:
        raise StockError(_("This stocktake has already been confirmed."))
    state = scan_count_state(count, locked=True)
    without_reason = [u for u in state.missing if reasons.get(unit_key(u)) not in MISSING_REASONS]
    if without_reason:
        raise StockError(
            _("Give a reason for each missing unit (%(codes)s).")
            % {"codes": ", ".join(u.code for u in without_reason)}
        )
    site = count.site
    stocktake = Stocktake.objects.create(
        site=site, counted_by=actor, reason=AdjustmentReason.STOCKTAKE
    )
    move = Move(MovementKind.ADJUSTMENT, actor)
    expected, counted = Counter(), Counter()
    for unit in state.expected:
        expected[unit.product] += 1
        counted[unit.product] += 1
    for unit in state.missing:
        reason = reasons[unit_key(unit)]
        _write_off(unit, reason)
        move.record(
            site=site,
            product=unit.product,
            quantity=-1,
            reason=reason,
            stocktake=stocktake,
            **{_kind(unit): unit},
        )
        counted[unit.product] -= 1
    for unit in state.unexpected:
        if _is_found(count, unit):
            _bring_back(unit)
            move.record(
                site=site,
                product=unit.product,
                quantity=1,
                reason=AdjustmentReason.FOUND,
                stocktake=stocktake,
                **{_kind(unit): unit},
            )
            counted[unit.product] += 1
    StocktakeLine.objects.bulk_create(
        StocktakeLine(stocktake=stocktake, product=p, expected=expected[p], counted=counted[p])
        for p in sorted(set(expected) | set(counted), key=lambda p: p.name)
    )
    count.stocktake = stocktake
    count.save(update_fields=["stocktake"])
    audit_log(
        actor=actor,
        action=AuditAction.SCAN_COUNT_CONFIRMED,
        obj=count,
        site=site,
        missing=len(state.missing),
        unexpected=len(state.unexpected),
    )
    return stocktake


def _kind(unit) -> str:
    return "device" if isinstance(unit, Device) else "voucher"


def _write_off(unit, reason: str) -> None:
    if isinstance(unit, Device):
        unit.status = (
            DeviceStatus.SCRAPPED if reason == AdjustmentReason.DAMAGED else DeviceStatus.MISSING
        )
    else:
        unit.status = VoucherStatus.WRITTEN_OFF
    unit.save(update_fields=["status"])


def _bring_back(unit) -> None:
    unit.status = DeviceStatus.IN_STOCK if isinstance(unit, Device) else VoucherStatus.IN_STOCK
    unit.save(update_fields=["status"])
