"""Counted items (SIM cards, accessories): reception and stocktakes."""

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from catalogue.enums import AdjustmentReason, AuditAction, MovementKind, Tracking
from catalogue.models import CountedStock, Product, Stocktake, StocktakeLine
from catalogue.services.errors import StockChangedWhileCounting, StockError
from catalogue.services.movements import Move, add_counted, locked_counted_rows, require_tracking
from connexions.audit import audit_log


@transaction.atomic(durable=True)
def counted_stock_receive(*, site, product: Product, quantity: int, actor) -> CountedStock:
    row = add_counted(
        site=site, quantities={product: quantity}, move=Move(MovementKind.RECEPTION, actor)
    )[product.pk]
    row.refresh_from_db(fields=["quantity"])
    audit_log(
        actor=actor,
        action=AuditAction.COUNTED_STOCK_RECEIVED,
        obj=row,
        site=site,
        quantity=quantity,
    )
    return row


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
        require_tracking(product, Tracking.COUNTED)
        if counted < 0:
            raise StockError(_("A counted quantity cannot be negative."))
    rows = locked_counted_rows(site, [p.pk for p in counts])
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
            Move(MovementKind.ADJUSTMENT, actor).record(
                site=site, product=product, quantity=difference, reason=reason, stocktake=stocktake
            )
    audit_log(actor=actor, action=AuditAction.STOCKTAKE_RECORDED, obj=stocktake, site=site)
    return stocktake
