from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductKind(models.TextChoices):
    MOBILE_TOPUP = "mobile_topup", _("Mobile top-up")
    DATA_TOPUP = "data_topup", _("Data top-up")
    INTERNET_TOPUP = "internet_topup", _("Home internet top-up")
    SIM_CARD = "sim_card", _("SIM card")
    PHONE = "phone", _("Phone")
    COMPUTER = "computer", _("Computer")
    TABLET = "tablet", _("Tablet")
    ACCESSORY = "accessory", _("Accessory")


class Tracking(models.TextChoices):
    """How a product's stock is tracked: follows from its kind."""

    VOUCHER = "voucher", _("Top-up vouchers")
    DEVICE = "device", _("Serial-numbered devices")
    COUNTED = "counted", _("Counted items")


TRACKING_BY_KIND = {
    ProductKind.MOBILE_TOPUP: Tracking.VOUCHER,
    ProductKind.DATA_TOPUP: Tracking.VOUCHER,
    ProductKind.INTERNET_TOPUP: Tracking.VOUCHER,
    ProductKind.SIM_CARD: Tracking.COUNTED,
    ProductKind.PHONE: Tracking.DEVICE,
    ProductKind.COMPUTER: Tracking.DEVICE,
    ProductKind.TABLET: Tracking.DEVICE,
    ProductKind.ACCESSORY: Tracking.COUNTED,
}

KINDS_BY_TRACKING = {
    tracking: [kind for kind, t in TRACKING_BY_KIND.items() if t == tracking]
    for tracking in Tracking
}


class VoucherStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    IN_TRANSIT = "in_transit", _("In transit")
    SOLD = "sold", _("Sold")
    VOIDED = "voided", _("Voided (refunded)")
    WRITTEN_OFF = "written_off", _("Written off")


class DeviceStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    RESERVED = "reserved", _("Reserved")
    IN_TRANSIT = "in_transit", _("In transit")
    SOLD = "sold", _("Sold")
    RETURNED = "returned", _("Returned for inspection")
    IN_REPAIR = "in_repair", _("In repair")
    SCRAPPED = "scrapped", _("Scrapped")
    MISSING = "missing", _("Missing (lost or stolen)")


# Units a site holds (what its ledger counts): everything physically there, sellable or not.
DEVICE_ON_HAND = [
    DeviceStatus.IN_STOCK,
    DeviceStatus.RESERVED,
    DeviceStatus.RETURNED,
    DeviceStatus.IN_REPAIR,
]


class DeviceGrade(models.TextChoices):
    A = "A", _("A — as new")
    B = "B", _("B — light wear")
    C = "C", _("C — visible wear")


class MovementKind(models.TextChoices):
    RECEPTION = "reception", _("Reception")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    SALE = "sale", _("Sale")
    RETURN = "return", _("Return")
    ADJUSTMENT = "adjustment", _("Adjustment")
    WRITE_OFF = "write_off", _("Write-off")


class AdjustmentReason(models.TextChoices):
    STOCKTAKE = "stocktake", _("Stocktake difference")
    DAMAGED = "damaged", _("Damaged")
    LOST = "lost", _("Lost")
    STOLEN = "stolen", _("Stolen")
    EXPIRED = "expired", _("Expired")
    FOUND = "found", _("Found")
    CORRECTION = "correction", _("Entry correction")


# Why a unit expected at a stocktake and not scanned left the stock (chosen for each one).
MISSING_REASONS = [AdjustmentReason.LOST, AdjustmentReason.STOLEN, AdjustmentReason.DAMAGED]


class Acquisition(models.TextChoices):
    """How a device came to the programme."""

    PURCHASE = "purchase", _("Purchase")
    DONATION = "donation", _("Donation")


class TransferStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")


class AuditAction(StrEnum):
    """Audit action names (`<app>.<entity>.<past participle>`, see connexions.enums)."""

    PRODUCT_CREATED = "catalogue.product.created"
    PRODUCT_UPDATED = "catalogue.product.updated"
    PRICE_CHANGED = "catalogue.price.changed"
    VOUCHERS_IMPORTED = "catalogue.voucher_batch.imported"
    VOUCHER_VOIDED = "catalogue.voucher.voided"
    VOUCHERS_EXPIRED = "catalogue.vouchers.expired"
    DEVICE_RECEIVED = "catalogue.device.received"
    DEVICE_STATUS_CHANGED = "catalogue.device.status_changed"
    COUNTED_STOCK_RECEIVED = "catalogue.counted_stock.received"
    TRANSFER_SENT = "catalogue.transfer.sent"
    TRANSFER_RECEIVED = "catalogue.transfer.received"
    STOCKTAKE_RECORDED = "catalogue.stocktake.recorded"
    SCAN_COUNT_STARTED = "catalogue.scan_count.started"
    SCAN_COUNT_CONFIRMED = "catalogue.scan_count.confirmed"
    THRESHOLD_SET = "catalogue.threshold.set"
