"""Stock held at a site: vouchers, devices, counted items, alert thresholds and the ledger."""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.enums import (
    DEVICE_ON_HAND,
    Acquisition,
    DeviceGrade,
    DeviceStatus,
    VoucherStatus,
)
from catalogue.models.products import MONEY, Product
from connexions.models import Partner, ReceptionSite


class SiteStockQuerySet(models.QuerySet):
    def at_site(self, site):
        return self.filter(site=site)


def donor_field():
    """The partner who gave the stock (a donation only): the partner report traces what their
    units funded through the ledger (docs/architecture.md, "Donated stock")."""
    return models.ForeignKey(
        Partner,
        verbose_name=_("donor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )


def donor_only_for_donations(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(donor__isnull=True) | Q(acquisition=Acquisition.DONATION), name=name
    )


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
    acquisition = models.CharField(
        _("acquisition"), max_length=20, choices=Acquisition.choices, default=Acquisition.PURCHASE
    )
    donor = donor_field()
    # One voucher's purchase cost, or for a donation its face value (the credit it gives).
    unit_value = models.DecimalField(_("value per voucher"), **MONEY, null=True, blank=True)

    objects = SiteStockQuerySet.as_manager()

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("voucher batch")
        verbose_name_plural = _("voucher batches")
        constraints = [
            donor_only_for_donations("voucherbatch_donor_only_for_donations"),
            models.CheckConstraint(
                condition=Q(unit_value__isnull=True) | Q(unit_value__gte=0),
                name="voucherbatch_value_not_negative",
            ),
        ]

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
    def code(self) -> str:
        """What a scanner reads on the card, as for a device."""
        return self.serial

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
    received_from = models.CharField(_("received from"), max_length=150, blank=True)
    acquisition = models.CharField(
        _("acquisition"), max_length=20, choices=Acquisition.choices, default=Acquisition.PURCHASE
    )
    donor = donor_field()
    # The purchase cost, or the value declared by the donor for a donation.
    value = models.DecimalField(_("value"), **MONEY, null=True, blank=True)
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
            donor_only_for_donations("device_donor_only_for_donations"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0), name="device_value_not_negative"
            ),
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
