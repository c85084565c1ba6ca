"""How stock moves: one function for each way units leave or enter a site, shared by the till's
sales and refunds, transfers and receptions, with its ledger rows.

These functions open no transaction: the services calling them own it. They lock through
`connexions.locking`, in its order (devices, vouchers, counted-stock rows), so a caller that
moves several kinds of units calls them in that order."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import F, Q
from django.utils.translation import gettext as _

from catalogue.enums import Acquisition, DeviceStatus, Tracking, VoucherStatus
from catalogue.models import CountedStock, Device, Product, StockMovement, Transfer, Voucher
from catalogue.services.errors import OutOfStock, StockError, not_enough
from connexions.codes import normalise_scanned_code
from connexions.locking import Rank, lock_rows, pick_free


@dataclass(frozen=True)
class Move:
    """Why stock moves: the ledger kind, who moves it, and what it is recorded against (the
    reference of a sale or refund, or a transfer)."""

    kind: str
    actor: object
    reference: str = ""
    transfer: Transfer | None = None

    def record(self, *, site, product, quantity: int, **fields) -> StockMovement:
        return StockMovement.objects.create(**self._row(site, product, quantity), **fields)

    def row(self, *, site, product, quantity: int, **fields) -> StockMovement:
        """The ledger row, unsaved, for a bulk insert."""
        return StockMovement(**self._row(site, product, quantity), **fields)

    def _row(self, site, product, quantity: int) -> dict:
        actor = self.actor if getattr(self.actor, "is_authenticated", False) else None
        return {
            "site": site,
            "product": product,
            "kind": self.kind,
            "quantity": quantity,
            "actor": actor,
            "reference": self.reference,
            "transfer": self.transfer,
        }


def require_positive(quantities: Iterable[int]) -> None:
    """Every quantity the till or a transfer moves is at least 1: a negative one would turn a
    sale into a reception (or a refund into a sale)."""
    if any(quantity < 1 for quantity in quantities):
        raise StockError(_("The quantity must be at least 1."))


def require_tracking(product: Product, tracking: Tracking) -> None:
    if product.tracking != tracking:
        raise StockError(
            _("%(product)s is not tracked as %(tracking)s.")
            % {"product": product.name, "tracking": tracking.label.lower()}
        )


def check_acquisition(acquisition: str, donor, value) -> None:
    """How received stock came: a donation names its donor (the partner report traces what their
    units funded), a purchase names none; a value is never negative."""
    if acquisition not in Acquisition.values:
        raise StockError(_("Choose how the stock was acquired."))
    if acquisition == Acquisition.DONATION and donor is None:
        raise StockError(_("Choose the partner who donated this stock."))
    if acquisition == Acquisition.PURCHASE and donor is not None:
        raise StockError(_("Purchased stock has no donor: choose donation or remove the donor."))
    if value is not None and value < 0:
        raise StockError(_("The value cannot be negative."))


# --- devices ----------------------------------------------------------------------------------


def take_devices(*, site, codes: list[str], move: Move, status: str, **updates) -> list[Device]:
    """These exact units (scanned codes), locked by id, which must be in stock at `site` (a
    reserved unit is kept for its person: it goes back to stock before it can leave); they get
    `status` and `updates`, and one ledger row each."""
    codes = [normalise_scanned_code(code) for code in codes]
    if len(set(codes)) != len(codes):
        raise StockError(_("The same device was listed twice."))
    devices = Device.objects.filter(Q(imei__in=codes) | Q(serial__in=codes))
    by_code = {device.code: device for device in lock_rows(Rank.DEVICE, devices)}
    for code in codes:
        device = by_code.get(code)
        if device is None or device.site_id != site.pk or device.status != DeviceStatus.IN_STOCK:
            raise OutOfStock(_("Device %(code)s is not in stock at this site.") % {"code": code})
    taken = [by_code[code] for code in codes]
    for device in taken:
        device.status = status
        for name, value in updates.items():
            setattr(device, name, value)
        device.save(update_fields=["status", *updates])
        move.record(site=site, product=device.product, quantity=-1, device=device)
    return taken


# --- vouchers ---------------------------------------------------------------------------------


def take_vouchers(
    *, site, product: Product, quantity: int, today: date, move: Move, status: str, **updates
) -> list[Voucher]:
    """The next `quantity` valid vouchers of `product` at `site` (earliest expiry first, never an
    expired one), picked with SKIP LOCKED; they get `status` and `updates`, and one ledger row
    each. Raises `OutOfStock`."""
    require_tracking(product, Tracking.VOUCHER)
    require_positive([quantity])
    free = Voucher.objects.filter(
        site=site, product=product, status=VoucherStatus.IN_STOCK, expires_on__gte=today
    ).order_by("expires_on", "id")
    vouchers = pick_free(Rank.VOUCHER, free, quantity)
    if len(vouchers) < quantity:
        raise not_enough(product.name, site.name, len(vouchers), quantity)
    if hand_over_vouchers([v.pk for v in vouchers], status=status, **updates) != quantity:
        raise OutOfStock(_("These vouchers were just taken by someone else: please retry."))
    for voucher in vouchers:
        voucher.status = status
        for name, value in updates.items():
            setattr(voucher, name, value)
    StockMovement.objects.bulk_create(
        move.row(site=site, product=product, quantity=-1, voucher=voucher) for voucher in vouchers
    )
    return vouchers


def hand_over_vouchers(ids: list[int], *, status, **updates) -> int:
    """Second line of defence behind the row locks: only vouchers still in stock change hands.
    Returns how many did."""
    return Voucher.objects.filter(pk__in=ids, status=VoucherStatus.IN_STOCK).update(
        status=status, **updates
    )


# --- counted items ----------------------------------------------------------------------------


def locked_counted_rows(site, product_ids: Iterable[int]) -> dict[int, CountedStock]:
    """The site's counted-stock rows for these products (created at 0 if missing), locked by id."""
    product_ids = sorted(set(product_ids))
    CountedStock.objects.bulk_create(
        [CountedStock(site=site, product_id=pid, quantity=0) for pid in product_ids],
        ignore_conflicts=True,
    )
    rows = CountedStock.objects.filter(site=site, product_id__in=product_ids)
    return {row.product_id: row for row in lock_rows(Rank.COUNTED_STOCK, rows)}


def take_counted(*, site, quantities: Mapping[Product, int], move: Move) -> None:
    """Counted items leave `site`'s stock (rows locked by id). Raises `OutOfStock` if the site
    holds fewer."""
    rows = _counted_rows(site, quantities)
    for product, quantity in quantities.items():
        if quantity > rows[product.pk].quantity:
            raise not_enough(product.name, site.name, rows[product.pk].quantity, quantity)
    _change_counted(site, quantities, move, rows, sign=-1)


def add_counted(*, site, quantities: Mapping[Product, int], move: Move) -> dict[int, CountedStock]:
    """Counted items enter `site`'s stock. Returns its rows by product id (quantities before)."""
    rows = _counted_rows(site, quantities)
    _change_counted(site, quantities, move, rows, sign=1)
    return rows


def _counted_rows(site, quantities: Mapping[Product, int]) -> dict[int, CountedStock]:
    require_positive(quantities.values())
    for product in quantities:
        require_tracking(product, Tracking.COUNTED)
    return locked_counted_rows(site, [product.pk for product in quantities])


def _change_counted(site, quantities, move: Move, rows, *, sign: int) -> None:
    for product, quantity in quantities.items():
        CountedStock.objects.filter(pk=rows[product.pk].pk).update(
            quantity=F("quantity") + sign * quantity
        )
        move.record(site=site, product=product, quantity=sign * quantity)
