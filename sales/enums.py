from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Bank card")
    CHEQUE = "cheque", _("Cheque")
    AGENCY = "agency", _("Agency funding")


class JournalKind(models.TextChoices):
    SALE = "sale", _("Sale")
    REFUND = "refund", _("Refund")


class AuditAction(StrEnum):
    """Audit action names (`<app>.<entity>.<past participle>`, see connexions.enums)."""

    TILL_OPENED = "sales.till_session.opened"
    TILL_CLOSED = "sales.till_session.closed"
    SALE_RECORDED = "sales.sale.recorded"
    RECEIPT_REPRINTED = "sales.receipt.reprinted"
    REFUND_RECORDED = "sales.refund.recorded"
