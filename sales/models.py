"""The till: sessions, sales, payments, refunds, and each site's hash-chained journal.

Sales, their lines and payments, refunds and receipt prints are append-only (database triggers):
a correction is a refund, never an edit. The mutable facts live in rows of their own (refund
lines say how much of a sale line was given back, receipt prints count the reprints); the only
rows that change are the till session (until it is closed) and the site's journal head.
"""

import uuid

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from catalogue.enums import ProductKind
from catalogue.models import Device, Product, Voucher
from connexions.models import PartnerAgency, ReceptionSite
from connexions.perms import Action, sites_for
from sales.enums import CashMovementKind, PaymentMethod, PinCheck, RefundReason
from sales.models_summary import TillMonth, TillMonthsCovered  # noqa: F401

MONEY = {"max_digits": 9, "decimal_places": 2}


def _append_only(name):
    return pgtrigger.Protect(name=name, operation=pgtrigger.Update | pgtrigger.Delete)


class TillSessionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def visible_to(self, user):
        """Sessions of the sites where the user may sell (every site for programme admins)."""
        return self.filter(site__in=sites_for(user, Action.SELL))


@pghistory.track()
class TillSession(models.Model):
    """The till of one site from its opening (with a cash float) to its closing (counted cash).
    One open session per site at a time; once closed it cannot change (database trigger)."""

    site = models.ForeignKey(
        ReceptionSite,
        verbose_name=_("reception site"),
        on_delete=models.PROTECT,
        related_name="till_sessions",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opening_float = models.DecimalField(_("cash float"), **MONEY)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    counted_cash = models.DecimalField(_("counted cash"), **MONEY, null=True, blank=True)
    expected_cash = models.DecimalField(_("expected cash"), **MONEY, null=True, blank=True)
    cash_difference = models.DecimalField(_("cash difference"), **MONEY, null=True, blank=True)
    # Totals kept at closing (payments received minus refunds paid out, by method).
    cash_total = models.DecimalField(_("cash"), **MONEY, null=True, blank=True)
    card_total = models.DecimalField(_("bank card"), **MONEY, null=True, blank=True)
    cheque_total = models.DecimalField(_("cheque"), **MONEY, null=True, blank=True)
    agency_total = models.DecimalField(_("agency funding"), **MONEY, null=True, blank=True)
    refunds_total = models.DecimalField(_("refunds"), **MONEY, null=True, blank=True)
    sales_count = models.PositiveIntegerField(_("number of sales"), null=True, blank=True)
    # The blind close: the count by denomination ({"20.00": 3, ...}, optional), the comment on a
    # difference above the setting and the site manager who confirmed it with their password.
    counted_denominations = models.JSONField(_("count by denomination"), default=dict, blank=True)
    close_comment = models.CharField(_("comment on the difference"), max_length=500, blank=True)
    difference_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("difference confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TillSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("till session")
        verbose_name_plural = _("till sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(closed_at__isnull=True),
                name="tillsession_one_open_per_site",
                violation_error_message=_("The till of this site is already open."),
            ),
            models.CheckConstraint(
                condition=Q(opening_float__gte=0)
                & (Q(counted_cash__isnull=True) | Q(counted_cash__gte=0)),
                name="tillsession_cash_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, counted_cash__isnull=True)
                | Q(
                    closed_at__isnull=False,
                    counted_cash__isnull=False,
                    expected_cash__isnull=False,
                    closed_by__isnull=False,
                ),
                name="tillsession_closed_with_counted_cash",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="tillsession_no_delete", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="tillsession_closed_is_final",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__closed_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.site} {timezone.localtime(self.opened_at):%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class JournalHead(models.Model):
    """One row per site: the last journal entry's number and hash, and this year's receipt
    counters. Locked FOR UPDATE last in every checkout and refund, so numbers have no gap."""

    site = models.OneToOneField(
        ReceptionSite,
        verbose_name=_("reception site"),
        on_delete=models.PROTECT,
        related_name="journal_head",
    )
    last_number = models.PositiveIntegerField(_("last entry"), default=0)
    last_hash = models.CharField(_("last hash"), max_length=64, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), default=0)
    sale_counter = models.PositiveIntegerField(_("last sale receipt"), default=0)
    refund_counter = models.PositiveIntegerField(_("last refund receipt"), default=0)

    class Meta:
        verbose_name = _("journal head")
        verbose_name_plural = _("journal heads")
        triggers = [pgtrigger.Protect(name="journalhead_no_delete", operation=pgtrigger.Delete)]

    def __str__(self):
        return f"{self.site} #{self.last_number}"


class CheckoutToken(models.Model):
    """The one-time token of a checkout form, inserted first in the checkout transaction: a
    second submission of the same form waits on this unique key, then finds the sale."""

    token = models.UUIDField(_("token"), primary_key=True, default=uuid.uuid4)
    site = models.ForeignKey(
        ReceptionSite, verbose_name=_("reception site"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("checkout token")
        verbose_name_plural = _("checkout tokens")
        triggers = [_append_only("checkouttoken_append_only")]

    def __str__(self):
        return str(self.token)


class JournalEntryMixin(models.Model):
    """What a sale and a refund share: the site, the time, the numbers and the hash chain."""

    site = models.ForeignKey(
        ReceptionSite, verbose_name=_("reception site"), on_delete=models.PROTECT, related_name="+"
    )
    till_session = models.ForeignKey(
        TillSession, verbose_name=_("till session"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    journal_number = models.PositiveIntegerField(_("journal entry"))
    receipt_year = models.PositiveSmallIntegerField(_("year"))
    receipt_sequence = models.PositiveIntegerField(_("receipt sequence"))
    previous_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64)
    # What the hash covers changes with versions (`sales.journal`): entries keep the version
    # they were written with, so earlier ones still verify.
    hash_version = models.PositiveSmallIntegerField(_("hash version"), default=1)

    RECEIPT_PREFIX = ""

    class Meta:
        abstract = True

    @property
    def receipt_number(self) -> str:
        prefix, year, site = self.RECEIPT_PREFIX, self.receipt_year, self.site_id
        return f"{prefix}{year}-{site:02d}-{self.receipt_sequence:05d}"


class SaleQuerySet(models.QuerySet):
    def at_sites(self, sites):
        return self.filter(site__in=sites)

    def visible_to(self, user):
        """Sales of the sites where the user may sell (every site for programme admins)."""
        return self.at_sites(sites_for(user, Action.SELL))


class Sale(JournalEntryMixin):
    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="sales"
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counsellor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    checkout = models.OneToOneField(
        CheckoutToken, verbose_name=_("checkout token"), on_delete=models.PROTECT, related_name="+"
    )
    total = models.DecimalField(_("total"), **MONEY)
    reference_total = models.DecimalField(_("reference price total"), **MONEY)
    operator_credit = models.DecimalField(_("operator credit"), **MONEY)
    cash_received = models.DecimalField(_("cash received"), **MONEY, null=True, blank=True)
    change_given = models.DecimalField(_("change"), **MONEY, default=0)

    RECEIPT_PREFIX = "V"

    objects = SaleQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        constraints = [
            models.UniqueConstraint(fields=["site", "journal_number"], name="sale_unique_entry"),
            models.UniqueConstraint(
                fields=["site", "receipt_year", "receipt_sequence"], name="sale_unique_receipt"
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0, change_given__gte=0, operator_credit__gte=0),
                name="sale_amounts_not_negative",
            ),
        ]
        # The sales list: one site's sales, newest first.
        indexes = [models.Index(fields=["site", "at", "id"], name="sale_site_at_id")]
        triggers = [_append_only("sale_append_only")]

    def __str__(self):
        return self.receipt_number

    @property
    def saving(self):
        return max(self.reference_total - self.total, 0)


class SaleLine(models.Model):
    """One product sold, with its prices as they were: one line per voucher or device, one line
    per counted product with its quantity."""

    sale = models.ForeignKey(
        Sale, verbose_name=_("sale"), on_delete=models.PROTECT, related_name="lines"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    product_name = models.CharField(_("product"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=ProductKind.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    reference_price = models.DecimalField(_("reference price"), **MONEY)
    face_value = models.DecimalField(_("operator credit"), **MONEY, null=True, blank=True)
    voucher = models.OneToOneField(
        Voucher,
        verbose_name=_("voucher"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    device = models.ForeignKey(
        Device,
        verbose_name=_("device"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    warranty_until = models.DateField(_("warranty until"), null=True, blank=True)

    class Meta:
        ordering = ["sale", "id"]
        verbose_name = _("sale line")
        verbose_name_plural = _("sale lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, unit_price__gte=0, reference_price__gte=0),
                name="saleline_positive",
            ),
            models.CheckConstraint(
                condition=(Q(voucher__isnull=True) & Q(device__isnull=True))
                | Q(quantity=1, voucher__isnull=True)
                | Q(quantity=1, device__isnull=True),
                name="saleline_unit_lines_one",
            ),
        ]
        triggers = [_append_only("saleline_append_only")]
        indexes = [models.Index(fields=["sale"], condition=Q(kind="phone"), name="saleline_phone")]

    def __str__(self):
        return f"{self.product_name} × {self.quantity}"

    @property
    def amount(self):
        return self.unit_price * self.quantity


class Payment(models.Model):
    sale = models.ForeignKey(
        Sale, verbose_name=_("sale"), on_delete=models.PROTECT, related_name="payments"
    )
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    agency = models.ForeignKey(
        PartnerAgency,
        verbose_name=_("partner agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["sale", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=~Q(method=PaymentMethod.AGENCY) | Q(agency__isnull=False),
                name="payment_agency_named",
            ),
        ]
        triggers = [_append_only("payment_append_only")]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount}"


class Refund(JournalEntryMixin):
    """Money and goods given back for (part of) a sale: its own journal entry and receipt."""

    sale = models.ForeignKey(
        Sale, verbose_name=_("sale"), on_delete=models.PROTECT, related_name="refunds"
    )
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("refunded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Version 1 refunds went back by one method, kept here; later ones by `RefundPayment` rows.
    method = models.CharField(
        _("refund method"), max_length=10, choices=PaymentMethod.choices, blank=True
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(
        _("reason"), max_length=20, choices=RefundReason.choices, default=RefundReason.OTHER
    )
    pin_check = models.CharField(
        _("top-up PIN check"), max_length=10, choices=PinCheck.choices, blank=True
    )

    RECEIPT_PREFIX = "R"

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.UniqueConstraint(fields=["site", "journal_number"], name="refund_unique_entry"),
            models.UniqueConstraint(
                fields=["site", "receipt_year", "receipt_sequence"], name="refund_unique_receipt"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="refund_not_negative"),
        ]
        triggers = [_append_only("refund_append_only")]

    def __str__(self):
        return self.receipt_number

    @property
    def note_text(self) -> str:
        try:
            return self.note.text
        except RefundNote.DoesNotExist:
            return ""


class RefundLine(models.Model):
    refund = models.ForeignKey(
        Refund, verbose_name=_("refund"), on_delete=models.PROTECT, related_name="lines"
    )
    sale_line = models.ForeignKey(
        SaleLine, verbose_name=_("sale line"), on_delete=models.PROTECT, related_name="refunds"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["refund", "id"]
        verbose_name = _("refund line")
        verbose_name_plural = _("refund lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, amount__gte=0), name="refundline_positive"
            ),
        ]
        triggers = [_append_only("refundline_append_only")]

    def __str__(self):
        return f"{self.sale_line} −{self.quantity}"


class RefundPayment(models.Model):
    """Where a refund's money went: one row per payment source of the sale (cash, card,
    cheque, or back to the agency that funded it: recorded, no cash leaves the till)."""

    refund = models.ForeignKey(
        Refund, verbose_name=_("refund"), on_delete=models.PROTECT, related_name="payments"
    )
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    agency = models.ForeignKey(
        PartnerAgency,
        verbose_name=_("partner agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["refund", "id"]
        verbose_name = _("refund payment")
        verbose_name_plural = _("refund payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refundpayment_positive"),
            models.CheckConstraint(
                condition=~Q(method=PaymentMethod.AGENCY) | Q(agency__isnull=False),
                name="refundpayment_agency_named",
            ),
        ]
        triggers = [_append_only("refundpayment_append_only")]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount}"


class RefundNote(models.Model):
    """The free text about a refund, outside the hashed and append-only row: it can be
    corrected or erased with the person's data."""

    refund = models.OneToOneField(
        Refund, verbose_name=_("refund"), on_delete=models.CASCADE, related_name="note"
    )
    text = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("refund note")
        verbose_name_plural = _("refund notes")

    def __str__(self):
        return self.text


class Exchange(models.Model):
    """An item returned and another sold in one step: the refund and the sale recorded
    together; one receipt shows both and the balance."""

    refund = models.OneToOneField(
        Refund, verbose_name=_("refund"), on_delete=models.PROTECT, related_name="exchange"
    )
    sale = models.OneToOneField(
        Sale, verbose_name=_("sale"), on_delete=models.PROTECT, related_name="exchange"
    )

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        triggers = [_append_only("exchange_append_only")]

    def __str__(self):
        return f"{self.refund} / {self.sale}"

    @property
    def balance(self):
        """What the person pays (positive) or gets back (negative)."""
        return self.sale.total - self.refund.amount


class RefundPrint(models.Model):
    """Each print of a refund receipt: the first is the original, later ones duplicates."""

    refund = models.ForeignKey(
        Refund, verbose_name=_("refund"), on_delete=models.PROTECT, related_name="prints"
    )
    printed_at = models.DateTimeField(_("printed at"), default=timezone.now)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("printed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_duplicate = models.BooleanField(_("duplicate"))

    class Meta:
        ordering = ["refund", "id"]
        verbose_name = _("refund receipt print")
        verbose_name_plural = _("refund receipt prints")
        triggers = [_append_only("refundprint_append_only")]

    def __str__(self):
        return f"{self.refund} {self.printed_at:%Y-%m-%d %H:%M}"


class CashMovement(models.Model):
    """Cash put in or taken out of the drawer during a session (float top-up, bank deposit,
    petty expense): append-only, counted in the expected cash and listed on the Z report."""

    till_session = models.ForeignKey(
        TillSession,
        verbose_name=_("till session"),
        on_delete=models.PROTECT,
        related_name="cash_movements",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("reason"), max_length=20, choices=CashMovementKind.choices)
    # Signed: positive in, negative out.
    amount = models.DecimalField(_("amount"), **MONEY)
    comment = models.CharField(_("comment"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["till_session", "at", "id"]
        verbose_name = _("cash movement")
        verbose_name_plural = _("cash movements")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="cashmovement_not_zero"),
        ]
        triggers = [_append_only("cashmovement_append_only")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"


class ReceiptPrint(models.Model):
    """Each print of a receipt (page or PDF): the first is the original, later ones duplicates."""

    sale = models.ForeignKey(
        Sale, verbose_name=_("sale"), on_delete=models.PROTECT, related_name="prints"
    )
    printed_at = models.DateTimeField(_("printed at"), default=timezone.now)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("printed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_duplicate = models.BooleanField(_("duplicate"))

    class Meta:
        ordering = ["sale", "id"]
        verbose_name = _("receipt print")
        verbose_name_plural = _("receipt prints")
        triggers = [_append_only("receiptprint_append_only")]

    def __str__(self):
        return f"{self.sale} {self.printed_at:%Y-%m-%d %H:%M}"
