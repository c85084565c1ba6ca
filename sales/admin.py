"""Read-only admin of the till for programme admins: sales and refunds are append-only in the
database, so the admin can neither change nor delete them."""

from django.contrib import admin

from sales.models import (
    CashMovement,
    CheckoutToken,
    JournalHead,
    Payment,
    ReceiptPrint,
    Refund,
    RefundLine,
    RefundPayment,
    RefundPrint,
    Sale,
    SaleLine,
    TillSession,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SaleLineInline(admin.TabularInline):
    model = SaleLine
    fields = ["product_name", "quantity", "unit_price", "reference_price", "device", "voucher"]
    readonly_fields = fields
    raw_id_fields = ["device", "voucher"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ["method", "amount", "reference", "agency"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdmin):
    list_display = ["receipt_number", "site", "at", "total", "seller"]
    list_filter = ["site", "receipt_year"]
    list_select_related = ["site", "seller"]
    search_fields = ["receipt_sequence"]
    date_hierarchy = "at"
    inlines = [SaleLineInline, PaymentInline]
    raw_id_fields = ["beneficiary"]
    exclude = ["checkout"]


class RefundPaymentInline(admin.TabularInline):
    model = RefundPayment
    fields = ["method", "amount", "agency"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["receipt_number", "site", "at", "amount", "reason"]
    list_filter = ["site", "reason"]
    list_select_related = ["site"]
    raw_id_fields = ["sale"]
    inlines = [RefundPaymentInline]


@admin.register(TillSession)
class TillSessionAdmin(ReadOnlyAdmin):
    list_display = ["site", "opened_at", "closed_at", "opening_float", "cash_difference"]
    list_filter = ["site"]
    list_select_related = ["site"]


@admin.register(JournalHead)
class JournalHeadAdmin(ReadOnlyAdmin):
    list_display = ["site", "last_number", "year", "sale_counter", "refund_counter"]


for model in (
    SaleLine,
    Payment,
    RefundLine,
    ReceiptPrint,
    RefundPrint,
    CashMovement,
    CheckoutToken,
):
    admin.site.register(model, ReadOnlyAdmin)
