"""Admin for programme admins: the catalogue is edited here (prices through the service, so the
history is kept); stock is read-only here, since it changes only through the stock services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalogue import services
from catalogue.forms import ProductAdminForm
from catalogue.models import (
    CountedStock,
    Device,
    DeviceStatusChange,
    Operator,
    Product,
    ProductPrice,
    PurchaseLimit,
    ScanCount,
    StockMovement,
    Stocktake,
    StockThreshold,
    Transfer,
    Voucher,
    VoucherBatch,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    list_display = ["name", "website", "is_active"]
    search_fields = ["name"]


class ProductPriceInline(admin.TabularInline):
    model = ProductPrice
    extra = 0
    fields = ["valid_from", "solidarity_price", "face_value", "reference_price", "changed_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    list_display = [
        "name",
        "kind",
        "operator",
        "solidarity_price",
        "face_value",
        "reference_price",
        "is_active",
    ]
    list_filter = ["kind", "operator", "is_active"]
    search_fields = ["name"]
    list_select_related = ["operator"]
    inlines = [ProductPriceInline]

    def save_model(self, request, obj, form, change):
        services.product_save(product=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PurchaseLimit)
class PurchaseLimitAdmin(admin.ModelAdmin):
    list_display = ["__str__", "product", "kind", "max_count", "window_days", "is_active"]
    list_filter = ["kind", "is_active"]
    autocomplete_fields = ["product"]
    list_select_related = ["product"]


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    # The PIN is never shown here: only the seller sees it, on the receipt.
    list_display = ["serial", "product", "site", "masked_pin", "expires_on", "status"]
    list_filter = ["status", "site", "product"]
    search_fields = ["serial"]
    list_select_related = ["product", "site"]
    fields = ["serial", "product", "site", "batch", "masked_pin", "expires_on", "status"]
    readonly_fields = fields

    @admin.display(description=_("PIN code"))
    def masked_pin(self, obj):
        return obj.masked_pin


@admin.register(VoucherBatch)
class VoucherBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "imported_at",
        "product",
        "site",
        "quantity",
        "acquisition",
        "donor",
        "unit_value",
        "imported_by",
        "filename",
    ]
    list_filter = ["acquisition", "donor", "site", "product"]
    list_select_related = ["product", "site", "imported_by", "donor"]


@admin.register(Device)
class DeviceAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "imei",
        "serial",
        "site",
        "grade",
        "status",
        "acquisition",
        "donor",
        "value",
        "received_at",
    ]
    list_filter = ["status", "grade", "acquisition", "donor", "site", "product"]
    search_fields = ["imei", "serial"]
    list_select_related = ["product", "site", "donor"]


@admin.register(CountedStock)
class CountedStockAdmin(ReadOnlyAdmin):
    list_display = ["product", "site", "quantity"]
    list_filter = ["site", "product"]
    list_select_related = ["product", "site"]


@admin.register(StockThreshold)
class StockThresholdAdmin(ReadOnlyAdmin):
    list_display = ["product", "site", "minimum"]
    list_filter = ["site"]
    list_select_related = ["product", "site"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["at", "site", "product", "kind", "quantity", "reason", "reference", "actor"]
    list_filter = ["kind", "site", "reason"]
    search_fields = ["reference", "product__name", "device__imei", "device__serial"]
    list_select_related = ["site", "product", "actor"]
    date_hierarchy = "at"


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "from_site", "to_site", "status", "sent_at", "received_at"]
    list_filter = ["status", "from_site", "to_site"]
    list_select_related = ["from_site", "to_site"]


@admin.register(Stocktake)
class StocktakeAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "site", "counted_at", "counted_by", "reason"]
    list_filter = ["site"]
    list_select_related = ["site", "counted_by"]


@admin.register(ScanCount)
class ScanCountAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "site", "started_at", "started_by", "stocktake"]
    list_filter = ["site"]
    list_select_related = ["site", "started_by", "stocktake"]


@admin.register(DeviceStatusChange)
class DeviceStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "device", "site", "old_status", "new_status", "note", "actor"]
    list_filter = ["new_status", "site"]
    search_fields = ["device__imei", "device__serial", "note"]
    list_select_related = ["device__product", "site", "actor"]
