"""Products, their prices and the low-stock thresholds of each site."""

from django.db import transaction
from django.utils.translation import gettext as _

from catalogue.enums import TRACKING_BY_KIND, AuditAction
from catalogue.models import Product, ProductPrice, StockMovement, StockThreshold
from catalogue.services.errors import StockError
from connexions.audit import audit_log
from connexions.locking import Rank, lock_row

PRICE_FIELDS = ("solidarity_price", "face_value", "reference_price")


@transaction.atomic
def product_save(*, product: Product, actor) -> Product:
    """Create or update a product; a change of price is kept as a new dated `ProductPrice`.
    Plain atomic: the admin calls it inside its own transaction."""
    product.full_clean()
    if product.pk is None:
        product.save()
        _record_price(product, actor)
        audit_log(actor=actor, action=AuditAction.PRODUCT_CREATED, obj=product)
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
            action=AuditAction.PRICE_CHANGED,
            obj=product,
            old=[str(v) if v is not None else None for v in old],
            new=[str(v) if v is not None else None for v in new],
        )
    else:
        audit_log(actor=actor, action=AuditAction.PRODUCT_UPDATED, obj=product)
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
        action=AuditAction.THRESHOLD_SET,
        obj=product,
        site=site,
        minimum=max(minimum, 0),
    )
    return threshold
