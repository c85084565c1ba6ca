"""Stock counted by scanning (one count of a site's devices and vouchers, unit by unit) and the
status changes of a device that move no stock (reservation, inspection, repair and back)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.enums import DeviceStatus
from catalogue.models.moves import Stocktake
from catalogue.models.products import append_only
from catalogue.models.stock import Device, SiteStockQuerySet, Voucher
from connexions.models import ReceptionSite


class ScanCount(models.Model):
    """A stocktake of a site's devices and vouchers by scanning: open while units are scanned,
    confirmed once (its differences are then in the ledger, against `stocktake`)."""

    site = models.ForeignKey(
        ReceptionSite, verbose_name=_("reception site"), on_delete=models.PROTECT, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    stocktake = models.OneToOneField(
        Stocktake,
        verbose_name=_("stocktake"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scan_count",
    )

    objects = SiteStockQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("stocktake by scanning")
        verbose_name_plural = _("stocktakes by scanning")
        constraints = [
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(stocktake__isnull=True),
                name="scancount_one_open_per_site",
            ),
        ]

    def __str__(self):
        return _("Stocktake by scanning no. %(number)s") % {"number": self.pk}

    @property
    def is_open(self) -> bool:
        return self.stocktake_id is None


class ScannedUnit(models.Model):
    """One device or voucher scanned during a count, once."""

    count = models.ForeignKey(
        ScanCount, verbose_name=_("count"), on_delete=models.CASCADE, related_name="scans"
    )
    device = models.ForeignKey(
        Device, verbose_name=_("device"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    voucher = models.ForeignKey(
        Voucher, verbose_name=_("voucher"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scanned by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    scanned_at = models.DateTimeField(_("scanned at"), default=timezone.now)

    class Meta:
        ordering = ["-scanned_at", "-id"]
        verbose_name = _("scanned unit")
        verbose_name_plural = _("scanned units")
        constraints = [
            models.CheckConstraint(
                condition=Q(device__isnull=True) ^ Q(voucher__isnull=True),
                name="scannedunit_one_unit",
            ),
            models.UniqueConstraint(fields=["count", "device"], name="scannedunit_device_once"),
            models.UniqueConstraint(fields=["count", "voucher"], name="scannedunit_voucher_once"),
        ]

    def __str__(self):
        return str(self.device or self.voucher)


class DeviceStatusChange(models.Model):
    """A status change of a device that moves no stock (the ledger has the others): reserved,
    back in stock after inspection, sent to repair and back. Append-only."""

    device = models.ForeignKey(
        Device, verbose_name=_("device"), on_delete=models.PROTECT, related_name="status_changes"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    site = models.ForeignKey(
        ReceptionSite, verbose_name=_("reception site"), on_delete=models.PROTECT, related_name="+"
    )
    old_status = models.CharField(_("from"), max_length=20, choices=DeviceStatus.choices)
    new_status = models.CharField(_("to"), max_length=20, choices=DeviceStatus.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("device status change")
        verbose_name_plural = _("device status changes")
        triggers = [append_only("devicestatuschange_append_only")]

    def __str__(self):
        return f"{self.device}: {self.old_status} → {self.new_status}"
