from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Bank card")
    CHEQUE = "cheque", _("Cheque")
    AGENCY = "agency", _("Agency funding")
    # An exchange: what the returned item is worth pays for the new one (no money moves).
    EXCHANGE = "exchange", _("Exchange credit")


class JournalKind(models.TextChoices):
    SALE = "sale", _("Sale")
    REFUND = "refund", _("Refund")


class RefundReason(models.TextChoices):
    FAULTY = "faulty", _("Faulty item")
    UNUSED_TOPUP = "unused_topup", _("Top-up not used")
    ENTRY_ERROR = "entry_error", _("Till entry error")
    EXCHANGE = "exchange", _("Exchange")
    OTHER = "other", _("Other")


class PinCheck(models.TextChoices):
    """How a refunded top-up's PIN was found unused (hashed with the refund)."""

    NONE = "", _("No top-up")
    ATTESTED = "attested", _("Attested by the counsellor")
    OPERATOR = "operator", _("Balance checked with the operator")


class CashMovementKind(models.TextChoices):
    FLOAT_TOP_UP = "float_top_up", _("Float top-up")
    BANK_DEPOSIT = "bank_deposit", _("Bank deposit")
    PETTY_EXPENSE = "petty_expense", _("Petty expense")
    OTHER_IN = "other_in", _("Other cash in")
    OTHER_OUT = "other_out", _("Other cash out")

    @classmethod
    def outgoing(cls) -> set[str]:
        return {cls.BANK_DEPOSIT, cls.PETTY_EXPENSE, cls.OTHER_OUT}


class AuditAction(StrEnum):
    """Audit action names (`<app>.<entity>.<past participle>`, see connexions.enums)."""

    TILL_OPENED = "sales.till_session.opened"
    TILL_CLOSED = "sales.till_session.closed"
    SALE_RECORDED = "sales.sale.recorded"
    RECEIPT_REPRINTED = "sales.receipt.reprinted"
    REFUND_RECORDED = "sales.refund.recorded"
    REFUND_RECEIPT_REPRINTED = "sales.refund_receipt.reprinted"
    CASH_MOVED = "sales.cash_movement.recorded"
    TILL_COUNTED = "sales.till_session.counted"
    EXCHANGE_RECORDED = "sales.exchange.recorded"
