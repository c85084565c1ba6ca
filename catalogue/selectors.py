"""Reads of the catalogue and stock that other code reuses (the till, the home widget, reports)."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from catalogue.enums import DEVICE_ON_HAND, Acquisition, DeviceStatus, MovementKind, VoucherStatus
from catalogue.models import (
    CountedStock,
    Device,
    DeviceStatusChange,
    Product,
    ProductPrice,
    PurchaseLimit,
    StockMovement,
    StockThreshold,
    Voucher,
)
from connexions.periods import add_months

ZERO = Decimal("0.00")

# --- prices and limits (for the till) ---------------------------------------------------------


def current_price(product: Product):
    """What a sale snapshots now: the product's solidarity price."""
    return product.solidarity_price


def price_at(product: Product, when: datetime) -> ProductPrice | None:
    """The dated price in force at `when` (None before the product's first price)."""
    return product.prices.filter(valid_from__lte=when).order_by("-valid_from", "-id").first()


def price_history(product: Product):
    return product.prices.select_related("changed_by").order_by("-valid_from", "-id")


def rules_for_product(product: Product) -> list[PurchaseLimit]:
    """The active purchase limits that apply to `product`: its own and its kind's."""
    return list(
        PurchaseLimit.objects.filter(is_active=True)
        .filter(Q(product=product) | Q(kind=product.kind))
        .select_related("product")
        .order_by("id")
    )


def rule_product_filter(rule: PurchaseLimit, prefix: str = "product") -> Q:
    """A Q selecting the rows (e.g. the till's sale lines through `prefix`) a rule counts."""
    if rule.product_id:
        return Q(**{f"{prefix}_id": rule.product_id})
    return Q(**{f"{prefix}__kind": rule.kind})


# --- stock levels -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StockLevel:
    on_hand: int = 0  # what the site holds (its ledger's balance)
    available: int = 0  # what can be sold now


def stock_levels(site, today=None) -> dict[int, StockLevel]:
    """Stock of every product at `site`, by product id, in three queries."""
    today = today or timezone.localdate()
    levels: dict[int, StockLevel] = {}
    vouchers = (
        Voucher.objects.filter(site=site, status=VoucherStatus.IN_STOCK)
        .values("product_id")
        .annotate(on_hand=Count("id"), available=Count("id", filter=Q(expires_on__gte=today)))
    )
    devices = (
        Device.objects.filter(site=site, status__in=DEVICE_ON_HAND)
        .values("product_id")
        .annotate(
            on_hand=Count("id"), available=Count("id", filter=Q(status=DeviceStatus.IN_STOCK))
        )
    )
    for row in [*vouchers, *devices]:
        levels[row["product_id"]] = StockLevel(row["on_hand"], row["available"])
    for product_id, quantity in CountedStock.objects.filter(site=site).values_list(
        "product_id", "quantity"
    ):
        levels[product_id] = StockLevel(quantity, quantity)
    return levels


def available_quantity(site, product: Product) -> int:
    return stock_levels(site).get(product.pk, StockLevel()).available


@dataclass(frozen=True)
class StockRow:
    product: Product
    level: StockLevel
    minimum: int | None

    @property
    def is_low(self) -> bool:
        return self.minimum is not None and self.level.available < self.minimum


def stock_overview(site, *, products=None) -> list[StockRow]:
    """One row per product (of `products`, by default all) with its stock at `site`: the active
    ones, and the deactivated ones the site still holds."""
    if products is None:
        products = Product.objects.all()
    products = products.active_or_held_at(site).select_related("operator").order_by("kind", "name")
    levels = stock_levels(site)
    minimums = dict(StockThreshold.objects.filter(site=site).values_list("product_id", "minimum"))
    return [
        StockRow(product, levels.get(product.pk, StockLevel()), minimums.get(product.pk))
        for product in products
    ]


def _count(queryset):
    """A correlated subquery counting the rows of `queryset` for the outer row's product."""
    counted = queryset.filter(product=OuterRef("product")).values("product")
    return Coalesce(Subquery(counted.annotate(n=Count("id")).values("n")), 0)


def low_stock_alerts(site, today=None) -> list[StockRow]:
    """Products below their alert threshold at `site`, in one query (the home-page widget)."""
    today = today or timezone.localdate()
    counted = CountedStock.objects.filter(site=site, product=OuterRef("product"))
    thresholds = (
        StockThreshold.objects.filter(site=site, product__is_active=True)
        .select_related("product")
        .annotate(
            available=_count(
                Voucher.objects.filter(
                    site=site, status=VoucherStatus.IN_STOCK, expires_on__gte=today
                )
            )
            + _count(Device.objects.filter(site=site, status=DeviceStatus.IN_STOCK))
            + Coalesce(Subquery(counted.values("quantity")[:1]), 0)
        )
        .filter(available__lt=F("minimum"))
        .order_by("product__name")
    )
    return [StockRow(t.product, StockLevel(available=t.available), t.minimum) for t in thresholds]


# --- the ledger -------------------------------------------------------------------------------


def ledger_balances(site) -> dict[int, int]:
    rows = (
        StockMovement.objects.filter(site=site)
        .values("product_id")
        .annotate(balance=Sum("quantity"))
    )
    return {row["product_id"]: row["balance"] for row in rows}


def ledger_discrepancies(site) -> dict[int, tuple[int, int]]:
    """Products whose stock at `site` differs from its ledger: {product id: (ledger, stock)}.
    Empty when all is well (what the tests and `catalogue_check_ledger` assert)."""
    balances = ledger_balances(site)
    levels = stock_levels(site)
    found = {}
    for product_id in set(balances) | set(levels):
        ledger = balances.get(product_id, 0)
        on_hand = levels.get(product_id, StockLevel()).on_hand
        if ledger != on_hand:
            found[product_id] = (ledger, on_hand)
    return found


def movements_at(site):
    return StockMovement.objects.filter(site=site).select_related(
        "product", "actor", "device", "voucher"
    )


# --- a device's life --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceHistoryEntry:
    at: datetime
    title: str
    detail: str
    actor: object
    site: object


def _status_change_title(change) -> str:
    titles = {
        (DeviceStatus.IN_STOCK, DeviceStatus.IN_REPAIR): _("Sent to repair"),
        (DeviceStatus.RETURNED, DeviceStatus.IN_REPAIR): _("Sent to repair"),
        (DeviceStatus.IN_REPAIR, DeviceStatus.IN_STOCK): _("Back from repair"),
        (DeviceStatus.RETURNED, DeviceStatus.IN_STOCK): _("Inspected, back in stock"),
        (DeviceStatus.IN_STOCK, DeviceStatus.RESERVED): _("Reserved"),
        (DeviceStatus.RESERVED, DeviceStatus.IN_STOCK): _("Reservation released"),
    }
    return titles.get(
        (change.old_status, change.new_status),
        _("Now %(status)s") % {"status": change.get_new_status_display().lower()},
    )


def _movement_detail(movement, device) -> str:
    if movement.kind == MovementKind.RECEPTION:
        return device_acquisition(device)
    if movement.kind == MovementKind.RETURN:
        return _("Returned for inspection")
    if movement.reason:
        return movement.get_reason_display()
    return movement.reference


def device_acquisition(device) -> str:
    """How the device came: "Purchase from X, 45.00 €" or "Donation from X, declared value …"."""
    parts = [device.get_acquisition_display()]
    whom = device.donor.name if device.donor_id else device.received_from
    if whom:
        parts = [_("%(how)s from %(whom)s") % {"how": parts[0], "whom": whom}]
    if device.value is not None:
        label = _("declared value") if device.acquisition == Acquisition.DONATION else _("cost")
        parts.append(f"{label} {number_format(device.value, 2)} €")
    return ", ".join(parts)


def device_history(device) -> list[DeviceHistoryEntry]:
    """Everything that happened to `device`, latest first, from the ledger (received, sent,
    sold, returned, written off, counted) and its status changes (repairs, inspection), in two
    queries."""
    entries = [
        DeviceHistoryEntry(m.at, m.get_kind_display(), _movement_detail(m, device), m.actor, m.site)
        for m in StockMovement.objects.filter(device=device).select_related("actor", "site")
    ]
    entries += [
        DeviceHistoryEntry(c.at, _status_change_title(c), c.note, c.actor, c.site)
        for c in DeviceStatusChange.objects.filter(device=device).select_related("actor", "site")
    ]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def device_warranty_end(device) -> date | None:
    """When the warranty of a sold device ends: its product's warranty from the day of its
    latest sale (as the receipt says), or None if it is not sold or has no warranty."""
    if device.status != DeviceStatus.SOLD or not device.product.warranty_months:
        return None
    sale = (
        StockMovement.objects.filter(device=device, kind=MovementKind.SALE).order_by("-at").first()
    )
    if sale is None:
        return None
    return add_months(timezone.localdate(sale.at), device.product.warranty_months)


# --- donated stock (the partner report) -------------------------------------------------------


@dataclass(frozen=True)
class DonatedUnitOut:
    """One unit of a donor's stock that left a site through the till: a ledger `SALE` row of a
    voucher from their batch or a device they gave. `reference` is what the till wrote on the
    row (its sale); `value` is the unit's value (a voucher's face value, a device's declared
    value)."""

    site_id: int
    site_name: str
    kind: str
    voucher_id: int | None
    device_id: int | None
    reference: str
    value: Decimal


def donated_units_given_out(*, donor, since: datetime) -> list[DonatedUnitOut]:
    """What `donor`'s donated vouchers and devices gave out through the till from `since`,
    traced through the stock ledger (the rows the till wrote when it sold them), never inferred
    from products: one query. The till writes a unit's row with its sale, never before, so a
    caller asking about the sales of a period passes its start and keeps the sales made in it."""
    rows = (
        StockMovement.objects.filter(kind=MovementKind.SALE, at__gte=since)
        .filter(Q(voucher__batch__donor=donor) | Q(device__donor=donor))
        .annotate(
            unit_value=Coalesce(F("voucher__batch__unit_value"), F("device__value"), Value(ZERO))
        )
        .values_list(
            "site_id",
            "site__name",
            "product__kind",
            "voucher_id",
            "device_id",
            "reference",
            "unit_value",
        )
        .order_by("id")
    )
    return [DonatedUnitOut(*row) for row in rows]
