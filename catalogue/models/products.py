"""The catalogue: operators, products, their price history and purchase-limit rules."""

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
    ProductKind,
    VoucherStatus,
)
from connexions.perms import Action, can

MONEY = {"max_digits": 8, "decimal_places": 2}


def append_only(name):
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
        # Stock is built on products, so its models are imported here rather than at the top.
        from catalogue.models.stock import CountedStock, Device, Voucher

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
        triggers = [append_only("productprice_append_only")]

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
