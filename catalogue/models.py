import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.enums import (
    DEVICE_ON_HAND,
    TRACKING_BY_KIND,
    AdjustmentReason,
    DeviceGrade,
    DeviceStatus,
    MovementKind,
    ProductKind,
    TransferStatus,
    VoucherStatus,
)
from connexions.models import ReceptionSite
from connexions.perms import Action, can

MONEY = {"max_digits": 8, "decimal_places": 2}


def _append_only(name):
    return pgtrigger.Protect(name=name, operation=pgtrigger.Update | pgtrigger.Delete)


@pghistory.track()
class Operator(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("operator")
        verbose_name_plural = _("operators")

    def __str__(self):
        return self.name


class ProductQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        """Those who manage the catalogue also see the products no longer sold."""
        return self if can(user, Action.MANAGE_CATALOGUE) else self.active()

    def active_or_held_at(self, site):
        """Active products, and the deactivated ones `site` still holds: their stock must still
        be seen, counted and sent on."""
        held = Q(
            Exists(
                Voucher.objects.filter(
                    site=site, product=OuterRef("pk"), status=VoucherStatus.IN_STOCK
                )
            )
        )
        held |= Exists(
            Device.objects.filter(site=site, product=OuterRef("pk"), status__in=DEVICE_ON_HAND)
        )
        held |= Exists(
            CountedStock.objects.filter(site=site, product=OuterRef("pk"), quantity__gt=0)
        )
        return self.filter(Q(is_active=True) | held)

    def tracked_as(self, tracking):
        return self.filter(kind__in=[k for k, t in TRACKING_BY_KIND.items() if t == tracking])


@pghistory.track()
class Product(models.Model):
    """What is sold. The current prices live here; every change is also a dated `ProductPrice`."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ProductKind.choices)
    operator = models.ForeignKey(
        Operator,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    face_value = models.DecimalField(
        _("face value"),
        **MONEY,
        null=True,
        blank=True,
        help_text=_("The credit the person receives (top-ups)."),
    )
    solidarity_price = models.DecimalField(
        _("solidarity price"), **MONEY, help_text=_("What the person pays.")
    )
    reference_price = models.DecimalField(
        _("reference price"),
        **MONEY,
        null=True,
        blank=True,
        help_text=_("What it costs elsewhere, to show the saving."),
    )
    validity_days = models.PositiveSmallIntegerField(_("validity (days)"), null=True, blank=True)
    warranty_months = models.PositiveSmallIntegerField(
        _("warranty (months)"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=Q(solidarity_price__gte=0)
                & (Q(face_value__isnull=True) | Q(face_value__gte=0))
                & (Q(reference_price__isnull=True) | Q(reference_price__gte=0)),
                name="product_prices_not_negative",
                violation_error_message=_("Prices cannot be negative."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def tracking(self):
        return TRACKING_BY_KIND[self.kind]

    @property
    def compared_price(self):
        """What the person would pay elsewhere: the reference price, else the face value."""
        return self.reference_price if self.reference_price is not None else self.face_value

    @property
    def saving(self):
        compared = self.compared_price
        if compared is None or compared <= self.solidarity_price:
            return None
        return compared - self.solidarity_price


class ProductPrice(models.Model):
    """One dated price of a product, from `valid_from` until the next one. Append-only."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="prices"
    )
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    solidarity_price = models.DecimalField(_("solidarity price"), **MONEY)
    face_value = models.DecimalField(_("face value"), **MONEY, null=True, blank=True)
    reference_price = models.DecimalField(_("reference price"), **MONEY, null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )

    class Meta:
        ordering = ["product", "-valid_from", "-id"]
        verbose_name = _("price")
        verbose_name_plural = _("price history")
        constraints = [
            models.CheckConstraint(
                condition=Q(solidarity_price__gte=0)
                & (Q(face_value__isnull=True) | Q(face_value__gte=0))
                & (Q(reference_price__isnull=True) | Q(reference_price__gte=0)),
                name="productprice_not_negative",
            ),
        ]
        triggers = [_append_only("productprice_append_only")]

    def __str__(self):
        return f"{self.product} {self.solidarity_price} ({self.valid_from:%Y-%m-%d})"


@pghistory.track()
class PurchaseLimit(models.Model):
    """At most `max_count` purchases of a product (or of any product of a kind) per person,
    across all sites, in a rolling window of `window_days`. The till counts the purchases."""

    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="limits",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ProductKind.choices, blank=True)
    max_count = models.PositiveSmallIntegerField(_("maximum number"))
    window_days = models.PositiveSmallIntegerField(_("rolling window (days)"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "product__name"]
        verbose_name = _("purchase limit")
        verbose_name_plural = _("purchase limits")
        constraints = [
            models.CheckConstraint(
                condition=(Q(product__isnull=False) & Q(kind=""))
                | (Q(product__isnull=True) & ~Q(kind="")),
                name="purchaselimit_product_xor_kind",
                violation_error_message=_("A limit applies to one product or to one kind."),
            ),
            models.CheckConstraint(
                condition=Q(max_count__gte=1) & Q(window_days__gte=1),
                name="purchaselimit_positive",
                violation_error_message=_("The number and the window must be at least 1."),
            ),
        ]

    def __str__(self):
        target = self.product.name if self.product_id else self.get_kind_display()
        return _("%(target)s: %(count)s per %(days)s days") % {
            "target": target,
            "count": self.max_count,
            "days": self.window_days,
        }


class SiteStockQuerySet(models.QuerySet):
    def at_site(self, site):
        return self.filter(site=site)


@pghistory.track()
class VoucherBatch(models.Model):
    """One import of an operator's CSV file of vouchers at a site."""

    site = models.ForeignKey(
        ReceptionSite, verbose_name=_("reception site"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=255, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    objects = SiteStockQuerySet.as_manager()

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("voucher batch")
        verbose_name_plural = _("voucher batches")

    def __str__(self):
        return f"{self.product} × {self.quantity} ({self.imported_at:%Y-%m-%d})"


@pghistory.track(exclude=["pin"])
class Voucher(models.Model):
    """One prepaid top-up: its PIN is shown only to whoever sells it (on the receipt)."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="vouchers"
    )
    site = models.ForeignKey(
        ReceptionSite,
        verbose_name=_("reception site"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    batch = models.ForeignKey(
        VoucherBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="vouchers"
    )
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    pin = models.CharField(_("PIN code"), max_length=40)
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(
        _("status"), max_length=20, choices=VoucherStatus.choices, default=VoucherStatus.IN_STOCK
    )
    transfer = models.ForeignKey(
        "Transfer",
        verbose_name=_("transfer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vouchers",
    )
    sale_reference = models.CharField(_("sale reference"), max_length=80, blank=True)

    objects = SiteStockQuerySet.as_manager()

    class Meta:
        ordering = ["expires_on", "id"]
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        constraints = [
            models.UniqueConstraint(fields=["product", "pin"], name="voucher_unique_product_pin"),
        ]
        indexes = [models.Index(fields=["site", "product", "status", "expires_on"])]

    def __str__(self):
        return f"{self.product} {self.serial}"

    @property
    def masked_pin(self) -> str:
        return mask_pin(self.pin)


def mask_pin(pin: str) -> str:
    """All but the last two characters hidden: enough to tell two vouchers apart, not to use one."""
    return "•" * max(len(pin) - 2, 4) + pin[-2:]


@pghistory.track()
class Device(models.Model):
    """One refurbished phone, computer or tablet, known by its IMEI or serial number."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="devices"
    )
    site = models.ForeignKey(
        ReceptionSite,
        verbose_name=_("reception site"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    imei = models.CharField(_("IMEI"), max_length=15, null=True, blank=True, unique=True)
    serial = models.CharField(_("serial number"), max_length=40, null=True, blank=True, unique=True)
    grade = models.CharField(_("grade"), max_length=1, choices=DeviceGrade.choices)
    refurbisher = models.CharField(_("refurbisher"), max_length=100, blank=True)
    wipe_certificate = models.CharField(_("data-wipe certificate"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DeviceStatus.choices, default=DeviceStatus.IN_STOCK
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    transfer = models.ForeignKey(
        "Transfer",
        verbose_name=_("transfer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
    )
    sale_reference = models.CharField(_("sale reference"), max_length=80, blank=True)

    objects = SiteStockQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.CheckConstraint(
                condition=Q(imei__isnull=False) | Q(serial__isnull=False),
                name="device_has_imei_or_serial",
            ),
            models.CheckConstraint(
                condition=Q(imei__isnull=True) | Q(imei__regex=r"^[0-9]{15}$"),
                name="device_imei_fifteen_digits",
            ),
        ]
        indexes = [models.Index(fields=["site", "product", "status"])]

    def __str__(self):
        return f"{self.product} {self.code}"

    @property
    def code(self) -> str:
        return self.imei or self.serial

    @property
    def is_on_hand(self) -> bool:
        return self.status in DEVICE_ON_HAND


@pghistory.track()
class CountedStock(models.Model):
    """How many of a counted item (SIM cards, accessories) a site holds."""

    site = models.ForeignKey(
        ReceptionSite, verbose_name=_("reception site"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="counted_stock"
    )
    quantity = models.IntegerField(_("quantity"), default=0)

    objects = SiteStockQuerySet.as_manager()

    class Meta:
        ordering = ["site", "product"]
        verbose_name = _("counted stock")
        verbose_name_plural = _("counted stock")
        constraints = [
            models.UniqueConstraint(fields=["site", "product"], name="countedstock_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0),
                name="countedstock_quantity_not_negative",
                violation_error_message=_("Stock cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.product} × {self.quantity} ({self.site})"


@pghistory.track()
class StockThreshold(models.Model):
    """Below `minimum` units available, the product shows in the site's low-stock alerts."""

    site = models.ForeignKey(
        ReceptionSite, verbose_name=_("reception site"), on_delete=models.CASCADE, related_name="+"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="thresholds"
    )
    minimum = models.PositiveIntegerField(_("alert threshold"))

    objects = SiteStockQuerySet.as_manager()

    class Meta:
        ordering = ["site", "product"]
        verbose_name = _("low-stock threshold")
        verbose_name_plural = _("low-stock thresholds")
        constraints = [
            models.UniqueConstraint(fields=["site", "product"], name="stockthreshold_unique"),
        ]

    def __str__(self):
        return f"{self.product} ≥ {self.minimum} ({self.site})"


class TransferQuerySet(models.QuerySet):
    def of_site(self, site):
        """Transfers `site` sent or is to receive."""
        return self.filter(Q(from_site=site) | Q(to_site=site))


@pghistory.track()
class Transfer(models.Model):
    """Stock sent from one site to another: in transit until the receiving site confirms."""

    from_site = models.ForeignKey(
        ReceptionSite, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_site = models.ForeignKey(
        ReceptionSite, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=TransferStatus.choices,
        default=TransferStatus.IN_TRANSIT,
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_site=models.F("to_site")), name="transfer_between_two_sites"
            ),
        ]

    def __str__(self):
        return _("Transfer no. %(number)s") % {"number": self.pk}


class TransferLine(models.Model):
    transfer = models.ForeignKey(
        Transfer, verbose_name=_("transfer"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["transfer", "product__name"]
        verbose_name = _("transfer line")
        verbose_name_plural = _("transfer lines")
        constraints = [
            models.UniqueConstraint(fields=["transfer", "product"], name="transferline_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="transferline_positive"),
        ]

    def __str__(self):
        return f"{self.product} × {self.quantity}"


class Stocktake(models.Model):
    site = models.ForeignKey(
        ReceptionSite, verbose_name=_("reception site"), on_delete=models.PROTECT, related_name="+"
    )
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    counted_at = models.DateTimeField(_("counted at"), default=timezone.now)
    reason = models.CharField(
        _("reason for differences"),
        max_length=20,
        choices=AdjustmentReason.choices,
        default=AdjustmentReason.STOCKTAKE,
    )

    objects = SiteStockQuerySet.as_manager()

    class Meta:
        ordering = ["-counted_at", "-id"]
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        triggers = [_append_only("stocktake_append_only")]

    def __str__(self):
        return _("Stocktake no. %(number)s") % {"number": self.pk}


class StocktakeLine(models.Model):
    stocktake = models.ForeignKey(
        Stocktake, verbose_name=_("stocktake"), on_delete=models.PROTECT, related_name="lines"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    expected = models.IntegerField(_("expected"))
    counted = models.IntegerField(_("counted"))

    class Meta:
        ordering = ["stocktake", "product__name"]
        verbose_name = _("stocktake line")
        verbose_name_plural = _("stocktake lines")
        constraints = [
            models.CheckConstraint(condition=Q(counted__gte=0), name="stocktakeline_counted"),
        ]
        triggers = [_append_only("stocktakeline_append_only")]

    def __str__(self):
        return f"{self.product}: {self.expected} → {self.counted}"

    @property
    def difference(self) -> int:
        return self.counted - self.expected


class StockMovementQuerySet(SiteStockQuerySet):
    pass


class StockMovement(models.Model):
    """One immutable row of a site's stock ledger: `quantity` units in (positive) or out
    (negative) of what the site holds. A site's stock always equals the sum of its ledger."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    site = models.ForeignKey(
        ReceptionSite, verbose_name=_("reception site"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField(_("movement"), max_length=20, choices=MovementKind.choices)
    quantity = models.IntegerField(_("quantity"))
    reason = models.CharField(
        _("reason"), max_length=20, choices=AdjustmentReason.choices, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    voucher = models.ForeignKey(
        Voucher, verbose_name=_("voucher"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    device = models.ForeignKey(
        Device, verbose_name=_("device"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    batch = models.ForeignKey(
        VoucherBatch, verbose_name=_("batch"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    transfer = models.ForeignKey(
        Transfer, verbose_name=_("transfer"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    stocktake = models.ForeignKey(
        Stocktake,
        verbose_name=_("stocktake"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    # Set by other apps (e.g. "sales.sale:42"): catalogue imports none of them.
    reference = models.CharField(_("reference"), max_length=80, blank=True, db_index=True)

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [models.Index(fields=["site", "product"])]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stockmovement_not_zero"),
        ]
        triggers = [_append_only("stockmovement_append_only")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.product} {self.quantity:+d} ({self.site})"
