"""Stock moved between sites (transfers), counted (stocktakes), and the ledger of every move."""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.enums import (
    AdjustmentReason,
    MovementKind,
    TransferStatus,
)
from catalogue.models.products import Product, append_only
from catalogue.models.stock import Device, SiteStockQuerySet, Voucher, VoucherBatch
from connexions.models import ReceptionSite


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
        triggers = [append_only("stocktake_append_only")]

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
        triggers = [append_only("stocktakeline_append_only")]

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
        indexes = [
            models.Index(fields=["site", "product"]),
            # The ledger page and its export: one site's rows, newest first.
            models.Index(fields=["site", "at", "id"], name="stockmovement_site_at_id"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stockmovement_not_zero"),
        ]
        triggers = [append_only("stockmovement_append_only")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.product} {self.quantity:+d} ({self.site})"
