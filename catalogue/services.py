"""Every write of the catalogue and of the stock.

Entry points a view or a command calls are `@transaction.atomic(durable=True)`. The functions
the till (sales) calls inside its own checkout or refund transaction use a plain `atomic()`:
`vouchers_take_for_sale`, `devices_take_for_sale`, `counted_stock_remove_for_sale` and their
refund counterparts. Rows are locked through `connexions.locking`, in its order: devices, then
vouchers, then counted-stock rows, each by id.
"""

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from catalogue.enums import (
    TRACKING_BY_KIND,
    AdjustmentReason,
    DeviceStatus,
    MovementKind,
    ProductKind,
    Tracking,
    TransferStatus,
    VoucherStatus,
)
from catalogue.models import (
    CountedStock,
    Device,
    Product,
    ProductPrice,
    StockMovement,
    Stocktake,
    StocktakeLine,
    StockThreshold,
    Transfer,
    TransferLine,
    Voucher,
    VoucherBatch,
)
from catalogue.validators import imei_is_valid, serial_is_valid
from connexions.audit import audit_log
from connexions.codes import normalise_scanned_code
from connexions.errors import DomainError
from connexions.locking import Rank, lock_row, lock_rows, pick_free

PRICE_FIELDS = ("solidarity_price", "face_value", "reference_price")
VOUCHER_IMPORT_MAX_ROWS = 5000


class StockError(DomainError):
    """A stock operation refused, with a message fit for the user."""


class OutOfStock(StockError):
    pass


def _not_enough(product_name, site_name, available, wanted) -> OutOfStock:
    return OutOfStock(
        _("Not enough %(product)s at %(site)s: %(available)s available, %(wanted)s wanted.")
        % {"product": product_name, "site": site_name, "available": available, "wanted": wanted}
    )


class VoucherImportError(StockError):
    """The whole file is refused: `errors` lists (line number, reason)."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(_("The file was not imported: nothing has been added."))
        self.errors = errors


# --- catalogue --------------------------------------------------------------------------------


@transaction.atomic
def product_save(*, product: Product, actor) -> Product:
    """Create or update a product; a change of price is kept as a new dated `ProductPrice`.
    Plain atomic: the admin calls it inside its own transaction."""
    product.full_clean()
    if product.pk is None:
        product.save()
        _record_price(product, actor)
        audit_log(actor=actor, action="catalogue.product_create", obj=product)
        return product
    current = lock_row(Rank.RECORD, Product.objects, pk=product.pk)
    refuse_tracking_change(product=product, kind=product.kind)
    product.save()
    old = [getattr(current, name) for name in PRICE_FIELDS]
    new = [getattr(product, name) for name in PRICE_FIELDS]
    if old != new:
        _record_price(product, actor)
        audit_log(
            actor=actor,
            action="catalogue.price_change",
            obj=product,
            old=[str(v) if v is not None else None for v in old],
            new=[str(v) if v is not None else None for v in new],
        )
    else:
        audit_log(actor=actor, action="catalogue.product_update", obj=product)
    return product


def refuse_tracking_change(*, product: Product, kind: str) -> None:
    """Raise `StockError` if `kind` would change how a product with stock movements is tracked
    (vouchers, devices, counted items): its units and ledger rows would no longer fit it."""
    if product.pk is None:
        return
    stored = Product.objects.filter(pk=product.pk).values_list("kind", flat=True).first()
    if stored is None or TRACKING_BY_KIND[stored] == TRACKING_BY_KIND[kind]:
        return
    if StockMovement.objects.filter(product_id=product.pk).exists():
        raise StockError(
            _(
                "%(product)s already has stock movements: its kind can only change to another "
                "kind tracked as %(tracking)s."
            )
            % {"product": product.name, "tracking": TRACKING_BY_KIND[stored].label.lower()}
        )


def _record_price(product: Product, actor) -> ProductPrice:
    return ProductPrice.objects.create(
        product=product,
        solidarity_price=product.solidarity_price,
        face_value=product.face_value,
        reference_price=product.reference_price,
        changed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


# --- the ledger -------------------------------------------------------------------------------


def _move(*, site, product, kind, quantity, actor, **fields) -> StockMovement:
    return StockMovement.objects.create(
        site=site,
        product=product,
        kind=kind,
        quantity=quantity,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        **fields,
    )


def _require_positive(quantities: Iterable[int]) -> None:
    """Every quantity the till or a transfer moves is at least 1: a negative one would turn a
    sale into a reception (or a refund into a sale)."""
    if any(quantity < 1 for quantity in quantities):
        raise StockError(_("The quantity must be at least 1."))


def _require_tracking(product: Product, tracking: Tracking) -> None:
    if product.tracking != tracking:
        raise StockError(
            _("%(product)s is not tracked as %(tracking)s.")
            % {"product": product.name, "tracking": tracking.label.lower()}
        )


def _locked_counted_rows(site, product_ids: Iterable[int]) -> dict[int, CountedStock]:
    """The site's counted-stock rows for these products (created at 0 if missing), locked by id."""
    product_ids = sorted(set(product_ids))
    CountedStock.objects.bulk_create(
        [CountedStock(site=site, product_id=pid, quantity=0) for pid in product_ids],
        ignore_conflicts=True,
    )
    rows = CountedStock.objects.filter(site=site, product_id__in=product_ids)
    return {row.product_id: row for row in lock_rows(Rank.COUNTED_STOCK, rows)}


def _free_vouchers(site, product, today: date):
    return Voucher.objects.filter(
        site=site, product=product, status=VoucherStatus.IN_STOCK, expires_on__gte=today
    ).order_by("expires_on", "id")


def _take_vouchers(*, site, product, quantity: int, today: date, status, **updates):
    vouchers = pick_free(Rank.VOUCHER, _free_vouchers(site, product, today), quantity)
    if len(vouchers) < quantity:
        raise _not_enough(product.name, site.name, len(vouchers), quantity)
    ids = [v.pk for v in vouchers]
    changed = _hand_over_vouchers(ids, status=status, **updates)
    if changed != len(ids):
        raise OutOfStock(_("These vouchers were just taken by someone else: please retry."))
    for voucher in vouchers:
        voucher.status = status
        for name, value in updates.items():
            setattr(voucher, name, value)
    return vouchers


def _hand_over_vouchers(ids: list[int], *, status, **updates) -> int:
    """Second line of defence behind the row locks: only vouchers still in stock change hands.
    Returns how many did."""
    return Voucher.objects.filter(pk__in=ids, status=VoucherStatus.IN_STOCK).update(
        status=status, **updates
    )


def _locked_devices(codes: list[str]) -> dict[str, Device]:
    devices = Device.objects.filter(Q(imei__in=codes) | Q(serial__in=codes))
    return {device.code: device for device in lock_rows(Rank.DEVICE, devices)}


# --- vouchers ---------------------------------------------------------------------------------

VOUCHER_HEADER = ["serial", "pin", "expiry"]
_HEADER_ALIASES = {
    "serial": "serial",
    "numero_serie": "serial",
    "numero": "serial",
    "pin": "pin",
    "code_pin": "pin",
    "expiry": "expiry",
    "expiration": "expiry",
    "date_expiration": "expiry",
}


@dataclass(frozen=True)
class VoucherRow:
    line: int
    serial: str
    pin: str
    expires_on: date


def _parse_expiry(value: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _valid_code(value: str) -> bool:
    return 4 <= len(value) <= 40 and value.replace("-", "").isalnum()


def parse_voucher_csv(content: bytes, *, today: date) -> tuple[list[VoucherRow], list]:
    """The rows of an operator's voucher file and the (line, reason) errors found in it.
    A reason never repeats a cell's content: a shifted column would put a PIN on screen."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            return [], [(0, _("The file is not a readable CSV text file."))]
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return [], [(1, _("The file is empty."))]
    delimiter = ";" if ";" in lines[0] else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return _parse_voucher_rows(reader, today=today)
    except csv.Error:
        # A field over the csv module's limit (128 KB) or a quote left open.
        return [], [
            (
                reader.line_num,
                _("This line is not readable CSV (a field too long or a quote left open)."),
            )
        ]


def _parse_voucher_rows(reader, *, today: date) -> tuple[list[VoucherRow], list]:
    header = [_HEADER_ALIASES.get(cell.strip().lower(), cell.strip()) for cell in next(reader)]
    if header != VOUCHER_HEADER:
        # Not the header found: without one, that is the first voucher, PIN included.
        return [], [
            (1, _("The header must be “%(expected)s”.") % {"expected": ";".join(VOUCHER_HEADER)})
        ]
    rows, errors = [], []
    serial_lines, pin_lines = {}, {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(errors) >= VOUCHER_IMPORT_MAX_ROWS:
            return [], [
                (line, _("Too many lines: at most %(max)s.") % {"max": VOUCHER_IMPORT_MAX_ROWS})
            ]
        if len(cells) != 3:
            errors.append((line, _("3 columns expected, %(count)s found.") % {"count": len(cells)}))
            continue
        serial, pin, expiry = (cell.strip() for cell in cells)
        line_errors = []
        if not _valid_code(serial):
            line_errors.append(_("the serial number is missing or invalid"))
        if not _valid_code(pin):
            line_errors.append(_("the PIN code is missing or invalid"))
        expires_on = _parse_expiry(expiry)
        if expires_on is None:
            line_errors.append(_("unreadable expiry date (expected DD/MM/YYYY)"))
        elif expires_on < today:
            line_errors.append(
                _("already expired (%(date)s)") % {"date": formats.date_format(expires_on)}
            )
        if serial in serial_lines:
            line_errors.append(
                _("serial number already on line %(line)s") % {"line": serial_lines[serial]}
            )
        if pin and pin in pin_lines:
            line_errors.append(_("PIN code already on line %(line)s") % {"line": pin_lines[pin]})
        serial_lines.setdefault(serial, line)
        pin_lines.setdefault(pin, line)
        if line_errors:
            errors.extend((line, reason) for reason in line_errors)
        else:
            rows.append(VoucherRow(line, serial, pin, expires_on))
    if not rows and not errors:
        errors.append((2, _("The file contains no voucher.")))
    return rows, errors


@transaction.atomic(durable=True)
def vouchers_import(
    *, site, product: Product, content: bytes, filename: str = "", actor, today: date | None = None
) -> VoucherBatch:
    """Import an operator's CSV of vouchers (serial;pin;expiry) into `site`: all or nothing."""
    _require_tracking(product, Tracking.VOUCHER)
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
        site=site, product=product, filename=filename[:255], quantity=len(rows), imported_by=actor
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
    _move(
        site=site,
        product=product,
        kind=MovementKind.RECEPTION,
        quantity=len(rows),
        actor=actor,
        batch=batch,
    )
    audit_log(
        actor=actor, action="catalogue.vouchers_import", obj=batch, site=site, count=len(rows)
    )
    return batch


@transaction.atomic
def vouchers_take_for_sale(
    *, site, product: Product, quantity: int = 1, actor, reference: str, today: date | None = None
) -> list[Voucher]:
    """For the till, inside its checkout transaction: the next `quantity` valid vouchers of
    `product` at `site` (earliest expiry first, never an expired one), locked with SKIP LOCKED,
    marked sold, one ledger row each. Raises `OutOfStock`. The caller prints their PINs."""
    _require_positive([quantity])
    _require_tracking(product, Tracking.VOUCHER)
    vouchers = _take_vouchers(
        site=site,
        product=product,
        quantity=quantity,
        today=today or timezone.localdate(),
        status=VoucherStatus.SOLD,
        sale_reference=reference,
    )
    StockMovement.objects.bulk_create(
        StockMovement(
            site=site,
            product=product,
            kind=MovementKind.SALE,
            quantity=-1,
            actor=actor,
            voucher=voucher,
            reference=reference,
        )
        for voucher in vouchers
    )
    return vouchers


def voucher_take_for_sale(*, site, product, actor, reference, today=None) -> Voucher:
    return vouchers_take_for_sale(
        site=site, product=product, quantity=1, actor=actor, reference=reference, today=today
    )[0]


@transaction.atomic
def vouchers_void_for_refund(*, vouchers: list[Voucher], actor, reference: str) -> list[Voucher]:
    """For the till's refund: sold vouchers are voided (their PINs were handed over, so they
    never return to stock; no ledger row, since the site's stock does not change)."""
    vouchers = lock_rows(Rank.VOUCHER, Voucher.objects.filter(pk__in=[v.pk for v in vouchers]))
    for voucher in vouchers:
        if voucher.status != VoucherStatus.SOLD:
            raise StockError(_("This voucher was not sold: it cannot be voided."))
        voucher.status = VoucherStatus.VOIDED
        voucher.save(update_fields=["status"])
        audit_log(
            actor=actor,
            action="catalogue.voucher_void",
            obj=voucher,
            site=voucher.site,
            ref=reference,
        )
    return vouchers


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
        audit_log(actor=actor, action="catalogue.vouchers_expire", count=len(vouchers))
    return len(vouchers)


# --- devices ----------------------------------------------------------------------------------


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
    actor,
) -> Device:
    """One scanned refurbished device enters the stock of `site`."""
    _require_tracking(product, Tracking.DEVICE)
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
            )
    except IntegrityError as exc:
        raise StockError(
            _("%(code)s is already registered (%(status)s).")
            % {"code": imei or serial, "status": _("just now")}
        ) from exc
    _move(
        site=site,
        product=product,
        kind=MovementKind.RECEPTION,
        quantity=1,
        actor=actor,
        device=device,
    )
    audit_log(actor=actor, action="catalogue.device_receive", obj=device, site=site)
    return device


@transaction.atomic
def devices_take_for_sale(*, site, device_codes: list[str], actor, reference: str) -> list[Device]:
    """For the till, inside its checkout transaction: these exact units (scanned codes), locked
    by id, which must be in stock at `site` (a reserved unit is kept for its person: it goes
    back to stock before it can be sold); marked sold, one ledger row each."""
    codes = [normalise_scanned_code(code) for code in device_codes]
    if len(set(codes)) != len(codes):
        raise StockError(_("The same device was scanned twice."))
    devices = _locked_devices(codes)
    for code in codes:
        device = devices.get(code)
        if device is None or device.site_id != site.pk or device.status != DeviceStatus.IN_STOCK:
            raise OutOfStock(_("Device %(code)s is not in stock at this site.") % {"code": code})
    taken = [devices[code] for code in codes]
    for device in taken:
        device.status = DeviceStatus.SOLD
        device.sale_reference = reference
        device.save(update_fields=["status", "sale_reference"])
        _move(
            site=site,
            product=device.product,
            kind=MovementKind.SALE,
            quantity=-1,
            actor=actor,
            device=device,
            reference=reference,
        )
    return taken


def device_take_for_sale(*, site, device_code: str, actor, reference: str) -> Device:
    return devices_take_for_sale(
        site=site, device_codes=[device_code], actor=actor, reference=reference
    )[0]


@transaction.atomic
def devices_return_for_refund(
    *, devices: list[Device], site, actor, reference: str
) -> list[Device]:
    """For the till's refund: sold devices come back to `site`, to be inspected."""
    devices = lock_rows(
        Rank.DEVICE, Device.objects.filter(pk__in=[d.pk for d in devices]).select_related("product")
    )
    for device in devices:
        if device.status != DeviceStatus.SOLD:
            raise StockError(_("This device was not sold: it cannot come back."))
        device.status = DeviceStatus.RETURNED
        device.site = site
        device.save(update_fields=["status", "site"])
        _move(
            site=site,
            product=device.product,
            kind=MovementKind.RETURN,
            quantity=1,
            actor=actor,
            device=device,
            reference=reference,
        )
    return devices


# Status changes a site manager makes on a unit the site holds.
DEVICE_TRANSITIONS = {
    DeviceStatus.IN_STOCK: {DeviceStatus.RESERVED, DeviceStatus.IN_REPAIR, DeviceStatus.SCRAPPED},
    DeviceStatus.RESERVED: {DeviceStatus.IN_STOCK, DeviceStatus.SCRAPPED},
    DeviceStatus.RETURNED: {DeviceStatus.IN_STOCK, DeviceStatus.IN_REPAIR, DeviceStatus.SCRAPPED},
    DeviceStatus.IN_REPAIR: {DeviceStatus.IN_STOCK, DeviceStatus.SCRAPPED},
}


@transaction.atomic(durable=True)
def device_change_status(*, device: Device, status: str, reason: str = "", actor) -> Device:
    """Inspection, repair, reservation or scrapping of a unit; scrapping writes it off."""
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
        _move(
            site=device.site,
            product=device.product,
            kind=MovementKind.WRITE_OFF,
            quantity=-1,
            reason=reason or AdjustmentReason.DAMAGED,
            actor=actor,
            device=device,
        )
    audit_log(
        actor=actor,
        action="catalogue.device_status",
        obj=device,
        site=device.site,
        old=old,
        new=status,
    )
    return device


# --- counted items ----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def counted_stock_receive(*, site, product: Product, quantity: int, actor) -> CountedStock:
    _require_tracking(product, Tracking.COUNTED)
    _require_positive([quantity])
    row = _locked_counted_rows(site, [product.pk])[product.pk]
    row.quantity = F("quantity") + quantity
    row.save(update_fields=["quantity"])
    row.refresh_from_db(fields=["quantity"])
    _move(site=site, product=product, kind=MovementKind.RECEPTION, quantity=quantity, actor=actor)
    audit_log(
        actor=actor, action="catalogue.counted_receive", obj=row, site=site, quantity=quantity
    )
    return row


@transaction.atomic
def counted_stock_remove_for_sale(
    *, site, quantities: Mapping[Product, int], actor, reference: str
) -> None:
    """For the till, inside its checkout transaction: take counted items out of `site`'s stock
    (rows locked by id). Raises `OutOfStock` if the site holds fewer."""
    _require_positive(quantities.values())
    products = {p.pk: p for p in quantities}
    for product in products.values():
        _require_tracking(product, Tracking.COUNTED)
    rows = _locked_counted_rows(site, products)
    for product, quantity in quantities.items():
        row = rows[product.pk]
        if quantity > row.quantity:
            raise _not_enough(product.name, site.name, row.quantity, quantity)
    for product, quantity in quantities.items():
        CountedStock.objects.filter(pk=rows[product.pk].pk).update(
            quantity=F("quantity") - quantity
        )
        _move(
            site=site,
            product=product,
            kind=MovementKind.SALE,
            quantity=-quantity,
            actor=actor,
            reference=reference,
        )


@transaction.atomic
def counted_stock_return_for_refund(
    *, site, quantities: Mapping[Product, int], actor, reference: str
) -> None:
    """For the till's refund: counted items come back into `site`'s stock."""
    _require_positive(quantities.values())
    rows = _locked_counted_rows(site, [p.pk for p in quantities])
    for product, quantity in quantities.items():
        CountedStock.objects.filter(pk=rows[product.pk].pk).update(
            quantity=F("quantity") + quantity
        )
        _move(
            site=site,
            product=product,
            kind=MovementKind.RETURN,
            quantity=quantity,
            actor=actor,
            reference=reference,
        )


# --- transfers --------------------------------------------------------------------------------


@dataclass
class TransferItem:
    """What to send: `quantity` of a voucher or counted product, or the scanned `device_codes`."""

    product: Product
    quantity: int = 0
    device_codes: list[str] = field(default_factory=list)


@transaction.atomic(durable=True)
def transfer_send(*, from_site, to_site, items: list[TransferItem], actor) -> Transfer:
    """Stock leaves `from_site`: in transit until `to_site` confirms its reception."""
    if from_site.pk == to_site.pk:
        raise StockError(_("Choose another site to send stock to."))
    if not items:
        raise StockError(_("Nothing to send."))
    transfer = Transfer.objects.create(from_site=from_site, to_site=to_site, sent_by=actor)
    lines: dict[Product, int] = {}
    # Stock units first (devices by id, vouchers skip-locked), then counted rows by id.
    device_codes = [normalise_scanned_code(code) for item in items for code in item.device_codes]
    if device_codes:
        if len(set(device_codes)) != len(device_codes):
            raise StockError(_("The same device was listed twice."))
        devices = _locked_devices(device_codes)
        for code in device_codes:
            device = devices.get(code)
            if (
                device is None
                or device.site_id != from_site.pk
                or device.status != DeviceStatus.IN_STOCK
            ):
                raise StockError(
                    _("Device %(code)s is not in stock at this site.") % {"code": code}
                )
        for code in device_codes:
            device = devices[code]
            device.status = DeviceStatus.IN_TRANSIT
            device.transfer = transfer
            device.save(update_fields=["status", "transfer"])
            lines[device.product] = lines.get(device.product, 0) + 1
            _move(
                site=from_site,
                product=device.product,
                kind=MovementKind.TRANSFER_OUT,
                quantity=-1,
                actor=actor,
                device=device,
                transfer=transfer,
            )
    today = timezone.localdate()
    counted = {}
    for item in items:
        if item.device_codes:
            continue
        _require_positive([item.quantity])
        if item.product.tracking == Tracking.VOUCHER:
            _take_vouchers(
                site=from_site,
                product=item.product,
                quantity=item.quantity,
                today=today,
                status=VoucherStatus.IN_TRANSIT,
                transfer=transfer,
            )
        elif item.product.tracking == Tracking.COUNTED:
            counted[item.product] = counted.get(item.product, 0) + item.quantity
            continue
        else:
            raise StockError(_("Devices are sent by their IMEI or serial number."))
        lines[item.product] = lines.get(item.product, 0) + item.quantity
        _move(
            site=from_site,
            product=item.product,
            kind=MovementKind.TRANSFER_OUT,
            quantity=-item.quantity,
            actor=actor,
            transfer=transfer,
        )
    if counted:
        rows = _locked_counted_rows(from_site, [p.pk for p in counted])
        for product, quantity in counted.items():
            row = rows[product.pk]
            if quantity > row.quantity:
                raise _not_enough(product.name, from_site.name, row.quantity, quantity)
            CountedStock.objects.filter(pk=row.pk).update(quantity=F("quantity") - quantity)
            lines[product] = lines.get(product, 0) + quantity
            _move(
                site=from_site,
                product=product,
                kind=MovementKind.TRANSFER_OUT,
                quantity=-quantity,
                actor=actor,
                transfer=transfer,
            )
    TransferLine.objects.bulk_create(
        TransferLine(transfer=transfer, product=product, quantity=quantity)
        for product, quantity in lines.items()
    )
    audit_log(
        actor=actor,
        action="catalogue.transfer_send",
        obj=transfer,
        site=from_site,
        to_site=to_site.pk,
    )
    return transfer


@transaction.atomic(durable=True)
def transfer_receive(*, transfer: Transfer, actor) -> Transfer:
    """The receiving site confirms: the units and quantities in transit enter its stock."""
    transfer = lock_row(Rank.RECORD, Transfer.objects, pk=transfer.pk)
    if transfer.status != TransferStatus.IN_TRANSIT:
        raise StockError(_("This transfer has already been received."))
    to_site = transfer.to_site
    devices = lock_rows(
        Rank.DEVICE, Device.objects.filter(transfer=transfer, status=DeviceStatus.IN_TRANSIT)
    )
    for device in devices:
        device.site = to_site
        device.status = DeviceStatus.IN_STOCK
        device.save(update_fields=["site", "status"])
        _move(
            site=to_site,
            product=device.product,
            kind=MovementKind.TRANSFER_IN,
            quantity=1,
            actor=actor,
            device=device,
            transfer=transfer,
        )
    device_products = {device.product_id for device in devices}
    vouchers = Voucher.objects.filter(transfer=transfer, status=VoucherStatus.IN_TRANSIT)
    lock_rows(Rank.VOUCHER, vouchers)
    vouchers.update(site=to_site, status=VoucherStatus.IN_STOCK)
    lines = list(transfer.lines.select_related("product"))
    counted = [line for line in lines if line.product.tracking == Tracking.COUNTED]
    rows = _locked_counted_rows(to_site, [line.product_id for line in counted])
    for line in lines:
        if line.product_id in device_products:
            continue
        if line.product.tracking == Tracking.COUNTED:
            CountedStock.objects.filter(pk=rows[line.product_id].pk).update(
                quantity=F("quantity") + line.quantity
            )
        _move(
            site=to_site,
            product=line.product,
            kind=MovementKind.TRANSFER_IN,
            quantity=line.quantity,
            actor=actor,
            transfer=transfer,
        )
    transfer.status = TransferStatus.RECEIVED
    transfer.received_by = actor
    transfer.received_at = timezone.now()
    transfer.save(update_fields=["status", "received_by", "received_at"])
    audit_log(actor=actor, action="catalogue.transfer_receive", obj=transfer, site=to_site)
    return transfer


# --- stocktake and thresholds -----------------------------------------------------------------


class StockChangedWhileCounting(StockError):
    """The stock of `products` moved (a sale, a transfer) between the count and its recording."""

    def __init__(self, products: list[Product]):
        super().__init__(_("The stock changed while counting: count again."))
        self.products = products


@transaction.atomic(durable=True)
def stocktake_record(
    *,
    site,
    counts: Mapping[Product, int],
    expected: Mapping[Product, int],
    reason: str = AdjustmentReason.STOCKTAKE,
    actor,
) -> Stocktake:
    """Counted quantities of counted items: each difference becomes an adjustment with `reason`.
    `expected` is what the counter was shown for each product: if the stock has moved since, the
    count no longer says what is there, so the whole stocktake is refused.
    (Devices and vouchers are checked unit by unit: a missing device is written off by status.)"""
    for product, counted in counts.items():
        _require_tracking(product, Tracking.COUNTED)
        if counted < 0:
            raise StockError(_("A counted quantity cannot be negative."))
    rows = _locked_counted_rows(site, [p.pk for p in counts])
    changed = [p for p in counts if expected.get(p) != rows[p.pk].quantity]
    if changed:
        raise StockChangedWhileCounting(changed)
    stocktake = Stocktake.objects.create(site=site, counted_by=actor, reason=reason)
    for product, counted in counts.items():
        row = rows[product.pk]
        StocktakeLine.objects.create(
            stocktake=stocktake, product=product, expected=row.quantity, counted=counted
        )
        difference = counted - row.quantity
        if difference:
            CountedStock.objects.filter(pk=row.pk).update(quantity=counted)
            _move(
                site=site,
                product=product,
                kind=MovementKind.ADJUSTMENT,
                quantity=difference,
                reason=reason,
                actor=actor,
                stocktake=stocktake,
            )
    audit_log(actor=actor, action="catalogue.stocktake", obj=stocktake, site=site)
    return stocktake


@transaction.atomic(durable=True)
def threshold_set(*, site, product: Product, minimum: int, actor) -> StockThreshold | None:
    """The low-stock alert level of `product` at `site` (0 removes it)."""
    if minimum <= 0:
        StockThreshold.objects.filter(site=site, product=product).delete()
        threshold = None
    else:
        threshold, _created = StockThreshold.objects.update_or_create(
            site=site, product=product, defaults={"minimum": minimum}
        )
    audit_log(
        actor=actor,
        action="catalogue.threshold_set",
        obj=product,
        site=site,
        minimum=max(minimum, 0),
    )
    return threshold
