"""Reads of the catalogue and stock that other code reuses (the till, the home widget, reports)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalogue.enums import DEVICE_ON_HAND, DeviceStatus, VoucherStatus
from catalogue.models import (
    CountedStock,
    Device,
    Product,
    ProductPrice,
    PurchaseLimit,
    StockMovement,
    StockThreshold,
    Voucher,
)

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
