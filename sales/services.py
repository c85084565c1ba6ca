"""Every write of the till: opening and closing sessions, checkout, receipt prints, and the
journal entries that sales and refunds (`sales.refunds`) share.

Entry points are durable transactions. Checkout and refund lock through `connexions.locking`, in
its order: the beneficiary row, then stock units by id (catalogue's services), then counted-stock
rows by id, then the site's journal head, then its till session (closing the till locks the same
head first).
"""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import attrgetter

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from beneficiaries.models import Beneficiary
from catalogue import services as stock
from catalogue.enums import Tracking
from catalogue.models import Product
from catalogue.services import StockError
from connexions.audit import audit_log
from connexions.errors import DomainError
from connexions.locking import Rank, lock_row, lock_rows
from connexions.models import PartnerAgency
from connexions.numbers import CENT, money
from connexions.periods import add_months
from connexions.perms import Action, can
from sales import journal, selectors
from sales import money as money_reads
from sales.enums import AuditAction, PaymentMethod
from sales.models import (
    JournalHead,
    Payment,
    ReceiptPrint,
    Sale,
    SaleLine,
    TillSession,
)


class SaleError(DomainError):
    """A till operation refused, with a message fit for the user. Nothing was written."""


def date_text(value) -> str:
    return formats.date_format(timezone.localtime(value) if isinstance(value, datetime) else value)


# --- till sessions -----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def till_open(*, site, opening_float: Decimal, actor, at: datetime | None = None) -> TillSession:
    if not can(actor, Action.OPEN_TILL, site):
        raise SaleError(_("You may not open the till of this site."))
    if opening_float is None or opening_float < 0:
        raise SaleError(_("The cash float cannot be negative."))
    try:
        with transaction.atomic():
            session = TillSession.objects.create(
                site=site,
                opened_by=actor,
                opening_float=money(opening_float),
                opened_at=at or timezone.now(),
            )
    except IntegrityError as exc:
        raise SaleError(_("The till of this site is already open.")) from exc
    audit_log(
        actor=actor,
        action=AuditAction.TILL_OPENED,
        obj=session,
        site=site,
        float=str(opening_float),
    )
    return session


def lock_journal_head(site) -> JournalHead:
    """The site's journal head, locked; created at the site's first entry."""
    try:
        head = lock_row(Rank.JOURNAL_HEAD, JournalHead.objects, site=site)
    except JournalHead.DoesNotExist:
        JournalHead.objects.bulk_create([JournalHead(site=site)], ignore_conflicts=True)
        head = lock_row(Rank.JOURNAL_HEAD, JournalHead.objects, site=site)
    head.site = site  # the entries' site, without reading it again
    return head


@transaction.atomic(durable=True)
def till_close(
    *,
    session: TillSession,
    counted_cash: Decimal,
    actor,
    at: datetime | None = None,
    denominations: dict | None = None,
    comment: str = "",
    confirmed_by=None,
) -> TillSession:
    """Close with the counted cash (counted blind, before the expected cash is shown):
    expected cash, difference and totals by method are kept. A difference above
    `TILL_CLOSE_DIFFERENCE_LIMIT` needs a comment and a site manager's confirmation (their
    password is checked by the form). The journal head is locked first, so no sale slips in
    while the totals are computed. A stale session can always be closed."""
    if not can(actor, Action.OPEN_TILL, session.site):
        raise SaleError(_("You may not close the till of this site."))
    if counted_cash is None or counted_cash < 0:
        raise SaleError(_("The counted cash cannot be negative."))
    lock_journal_head(session.site)
    session = lock_row(Rank.TILL_SESSION, TillSession.objects.select_related("site"), pk=session.pk)
    if not session.is_open:
        raise SaleError(_("This till session is already closed."))
    totals = selectors.session_totals(session)
    expected = selectors.expected_cash(session, totals)
    difference = money(counted_cash) - expected
    if abs(difference) > settings.TILL_CLOSE_DIFFERENCE_LIMIT:
        _check_difference_confirmed(session.site, comment, confirmed_by)
    session.closed_at = at or timezone.now()
    session.closed_by = actor
    session.counted_cash = money(counted_cash)
    session.counted_denominations = denominations or {}
    session.close_comment = comment.strip()
    session.difference_confirmed_by = confirmed_by if comment.strip() else None
    session.expected_cash = expected
    session.cash_difference = difference
    session.cash_total = totals.method(PaymentMethod.CASH)
    session.card_total = totals.method(PaymentMethod.CARD)
    session.cheque_total = totals.method(PaymentMethod.CHEQUE)
    session.agency_total = totals.method(PaymentMethod.AGENCY)
    session.refunds_total = totals.refunds_total
    session.sales_count = totals.sales_count
    session.save()
    audit_log(
        actor=actor,
        action=AuditAction.TILL_CLOSED,
        obj=session,
        site=session.site,
        expected=str(expected),
        counted=str(session.counted_cash),
        difference=str(session.cash_difference),
        confirmed_by=session.difference_confirmed_by_id,
    )
    return session


def _check_difference_confirmed(site, comment: str, confirmed_by) -> None:
    limit = formats.number_format(settings.TILL_CLOSE_DIFFERENCE_LIMIT, 2)
    if not comment.strip():
        raise SaleError(
            _("The difference is above %(limit)s €: explain it in a comment.") % {"limit": limit}
        )
    if confirmed_by is None or not can(confirmed_by, Action.CONFIRM_CASH_DIFFERENCE, site):
        raise SaleError(
            _("The difference is above %(limit)s €: a site manager must confirm it.")
            % {"limit": limit}
        )


# --- checkout ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CartItem:
    product: Product
    quantity: int = 1
    device_code: str = ""  # the scanned IMEI or serial of a device


@dataclass(frozen=True)
class PaymentLine:
    method: str
    amount: Decimal
    reference: str = ""
    agency: PartnerAgency | None = None


@dataclass(frozen=True)
class CheckoutResult:
    sale: Sale
    replayed: bool  # True when the token had already recorded this sale


def claim_token(token, site) -> bool:
    """Insert the checkout token: False if it exists (after waiting for the transaction that
    inserted it to end, so its sale is visible)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sales_checkouttoken (token, site_id, created_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (token) DO NOTHING RETURNING token",
            [token, site.pk, timezone.now()],
        )
        return cursor.fetchone() is not None


def next_id(model) -> int:
    """The id the row will have, taken before the insert so stock movements can name it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [model._meta.db_table])
        return cursor.fetchone()[0]


def open_session_or_none(site) -> TillSession | None:
    return TillSession.objects.open().filter(site=site).select_related("opened_by").first()


def open_session(site) -> TillSession:
    session = TillSession.objects.open().filter(site=site).first()
    if session is None:
        raise SaleError(_("The till of %(site)s is closed: open it first.") % {"site": site.name})
    return session


def selling_session(site, now: datetime | None = None) -> TillSession:
    """The site's open session, if it may still take money: a session left open past
    `TILL_STALE_HOUR` the day after its opening must be closed and a new one opened."""
    session = open_session(site)
    check_not_stale(session, now)
    return session


def check_not_stale(session: TillSession, now: datetime | None = None) -> None:
    if money_reads.is_stale(session, now):
        raise SaleError(
            _(
                "The till has been open since %(since)s: close it and open a new one "
                "before taking money."
            )
            % {"since": money_reads.opened_since(session)}
        )


def lock_beneficiary(beneficiary) -> Beneficiary:
    """The person, locked and read again (the caller may hold only their id)."""
    try:
        return lock_row(Rank.BENEFICIARY, Beneficiary.objects, pk=beneficiary.pk)
    except Beneficiary.DoesNotExist as exc:
        raise SaleError(_("Scan the member card of the person first.")) from exc


def check_eligibility(beneficiary, today) -> None:
    if not beneficiary.is_eligible_on(today):
        raise SaleError(
            _(
                "%(number)s is no longer eligible since %(date)s: purchases become possible "
                "again once a social worker renews the referral."
            )
            % {"number": beneficiary.number, "date": date_text(beneficiary.valid_until)}
        )


def limit_message(refusal) -> str:
    status = refusal.status
    if status.next_available_at is not None:
        return _(
            "Purchase limit reached for %(label)s (%(max)s per %(days)s days, at every site): "
            "possible again from %(date)s."
        ) % {
            "label": refusal.label,
            "max": status.max_count,
            "days": status.window_days,
            "date": date_text(status.next_available_at),
        }
    return _(
        "Purchase limit for %(label)s: %(remaining)s more allowed now, %(wanted)s in the cart "
        "(%(max)s per %(days)s days, at every site)."
    ) % {
        "label": refusal.label,
        "remaining": status.remaining,
        "wanted": refusal.wanted,
        "max": status.max_count,
        "days": status.window_days,
    }


def check_limits(beneficiary, quantities: dict, now) -> None:
    refusals = selectors.limit_refusals(selectors.limit_statuses(beneficiary, now=now), quantities)
    if refusals:
        raise SaleError(" ".join(limit_message(r) for r in refusals))


# Card, cheque and agency references are hashed into the journal, which can never be erased:
# an identifier only (an optional prefix of up to 4 letters, then digits), never a name.
REFERENCE_PATTERN = r"^(?:[A-Z]{1,4}[ -]?)?[0-9][0-9 ./-]{0,29}$"
REFERENCE_MESSAGE = _lazy(
    "A reference is an identifier: up to 4 letters, then digits (e.g. CHQ 1234567, "
    "CCAS-2026-0042), never a name."
)


def normalise_reference(value: str) -> str:
    return " ".join((value or "").split()).upper()


def check_reference(value: str) -> str:
    """The reference, normalised, or a refusal if it is not an identifier."""
    value = normalise_reference(value)
    if value and not re.fullmatch(REFERENCE_PATTERN, value):
        raise SaleError(str(REFERENCE_MESSAGE))
    return value


def check_payments(total: Decimal, payments: list[PaymentLine], cash_received):
    """(cash received, change) once the payments cover exactly the total."""
    for payment in payments:
        if payment.method not in PaymentMethod.values:
            raise SaleError(_("Unknown payment method."))
        if payment.amount is None or payment.amount <= 0:
            raise SaleError(_("Each payment must be a positive amount."))
        if payment.method == PaymentMethod.AGENCY and (
            payment.agency is None or not payment.reference.strip()
        ):
            raise SaleError(_("Agency funding needs the partner agency and its reference."))
        check_reference(payment.reference)
    paid = sum((money(p.amount) for p in payments), Decimal("0.00"))
    if paid != total:
        raise SaleError(
            _("The payments (%(paid)s €) do not match the total (%(total)s €).")
            % {"paid": formats.number_format(paid, 2), "total": formats.number_format(total, 2)}
        )
    cash = sum((money(p.amount) for p in payments if p.method == PaymentMethod.CASH), CENT * 0)
    if not cash:
        return None, Decimal("0.00")
    received = cash if cash_received in (None, "") else money(cash_received)
    if received < cash:
        raise SaleError(
            _("The cash received (%(received)s €) is less than the cash due (%(due)s €).")
            % {
                "received": formats.number_format(received, 2),
                "due": formats.number_format(cash, 2),
            }
        )
    return received, received - cash


@transaction.atomic(durable=True)
def sale_checkout(
    *,
    token,
    site,
    beneficiary,
    items: list[CartItem],
    payments: list[PaymentLine],
    cash_received: Decimal | None = None,
    actor,
    now: datetime | None = None,
) -> CheckoutResult:
    """Record a sale in one transaction: token first, then locks in the project's order, checks
    again under the locks (eligibility, limits across all sites, stock, the till session open
    and not stale), lines with price snapshots, payments, stock movements, vouchers sold, the
    journal entry and the audit row. The same token again answers with the sale it recorded.
    `beneficiary` may be a bare instance with its id: it is read again under its lock."""
    if not claim_token(token, site):
        sale = Sale.objects.filter(checkout_id=token).first()
        if sale is None:  # pragma: no cover - the token row is only written with its sale
            raise SaleError(_("This checkout form was already used: start the sale again."))
        return CheckoutResult(sale, replayed=True)
    if not can(actor, Action.SELL, site):
        raise SaleError(_("You may not sell at this site."))
    if not items:
        raise SaleError(_("The cart is empty."))
    if any(p.method == PaymentMethod.EXCHANGE for p in payments):
        raise SaleError(_("Unknown payment method."))
    now = now or timezone.now()
    today = timezone.localdate(now)
    beneficiary = lock_beneficiary(beneficiary)
    check_eligibility(beneficiary, today)
    check_limits(beneficiary, cart_quantities(items), now)
    total = sum((money(item.product.solidarity_price) * item.quantity for item in items), CENT * 0)
    cash_received, change = check_payments(total, payments, cash_received)

    sale_id = next_id(Sale)
    reference = f"sales.sale:{sale_id}"
    lines = _take_stock(site=site, items=items, actor=actor, reference=reference, today=today)

    head, entry = journal_entry(site=site, today=today, counter="sale_counter")
    check_not_stale(entry["till_session"], now)  # read under its lock, after the journal head
    sale = record_sale(
        sale_id=sale_id,
        head=head,
        entry=entry,
        token=token,
        beneficiary=beneficiary,
        lines=lines,
        payments=payments,
        total=total,
        cash=(cash_received, change),
        actor=actor,
        now=now,
    )
    return CheckoutResult(sale, replayed=False)


def record_sale(
    *, sale_id, head, entry, token, beneficiary, lines, payments, total, cash, actor, now
) -> Sale:
    """The sale's journal entry, lines and payments, once its stock is taken and its journal
    head locked (checkout and exchange). `cash`: (cash received, change given)."""
    sale = Sale(
        pk=sale_id,
        at=now,
        **entry,
        beneficiary=beneficiary,
        seller=actor,
        checkout_id=token,
        total=total,
        reference_total=sum((line.reference_price * line.quantity for line in lines), CENT * 0),
        operator_credit=sum(
            ((line.face_value or 0) * line.quantity for line in lines), Decimal("0.00")
        ),
        cash_received=cash[0],
        change_given=cash[1],
    )
    payment_rows = [
        Payment(
            method=p.method,
            amount=money(p.amount),
            reference=normalise_reference(p.reference),
            agency=p.agency,
        )
        for p in payments
    ]
    sale.hash = journal.sale_hash(sale, lines, payment_rows)
    sale.save(force_insert=True)
    for line in lines:
        line.sale = sale
    for payment in payment_rows:
        payment.sale = sale
    SaleLine.objects.bulk_create(lines)
    Payment.objects.bulk_create(payment_rows)
    advance_head(head, sale)
    audit_log(
        actor=actor,
        action=AuditAction.SALE_RECORDED,
        obj=sale,
        site=sale.site,
        receipt=sale.receipt_number,
        total=str(total),
        lines=len(lines),
    )
    return sale


def cart_quantities(items: list[CartItem]) -> Counter:
    """How many of each product the cart holds, once each product is still sold."""
    quantities = Counter()
    for item in items:
        if not item.product.is_active:
            raise SaleError(_("%(product)s is no longer sold.") % {"product": item.product.name})
        if item.quantity < 1:
            raise SaleError(_("Quantities must be at least 1."))
        quantities[item.product] += item.quantity
    return quantities


def take_stock_steps(*, site, items, actor, reference, today) -> list:
    """Taking the cart out of stock, as three steps in the lock order (devices, vouchers,
    counted rows); each returns its unsaved sale lines with their price snapshots. An exchange
    runs them between the steps giving the returned items back."""
    devices = [item for item in items if item.product.tracking == Tracking.DEVICE]
    vouchers = _quantities(items, Tracking.VOUCHER)
    counted = _quantities(items, Tracking.COUNTED)
    take = {"site": site, "actor": actor, "reference": reference}

    def take_devices():
        return _device_lines(take, devices, today) if devices else []

    def take_vouchers():
        lines = []
        for product in sorted(vouchers, key=attrgetter("pk")):
            taken = stock.vouchers_take_for_sale(
                product=product, quantity=vouchers[product], today=today, **take
            )
            lines += [_line(product, 1, today, voucher=voucher) for voucher in taken]
        return lines

    def take_counted():
        if counted:
            stock.counted_stock_remove_for_sale(quantities=dict(counted), **take)
        return [_line(p, counted[p], today) for p in sorted(counted, key=attrgetter("pk"))]

    return [take_devices, take_vouchers, take_counted]


def _take_stock(**kwargs) -> list[SaleLine]:
    try:
        return [line for step in take_stock_steps(**kwargs) for line in step()]
    except StockError as exc:
        raise SaleError(exc.message) from exc


def _quantities(items: list[CartItem], tracking: Tracking) -> Counter:
    quantities = Counter()
    for item in items:
        if item.product.tracking == tracking:
            quantities[item.product] += item.quantity
    return quantities


def _device_lines(take: dict, items: list[CartItem], today) -> list[SaleLine]:
    """The scanned devices, sold, each checked against its cart item."""
    if any(not item.device_code for item in items):
        raise SaleError(_("Scan the IMEI or serial number of each device."))
    devices = stock.devices_take_for_sale(device_codes=[item.device_code for item in items], **take)
    lines = []
    for item, device in zip(items, devices, strict=True):
        if device.product_id != item.product.pk:
            raise SaleError(_("The scanned device is not the product in the cart."))
        lines.append(_line(item.product, 1, today, device=device))
    return lines


def _line(product: Product, quantity: int, today, *, voucher=None, device=None) -> SaleLine:
    price = money(product.solidarity_price)
    compared = product.compared_price
    warranty_until = None
    if device is not None and product.warranty_months:
        warranty_until = add_months(today, product.warranty_months)
    return SaleLine(
        product=product,
        product_name=product.name,
        kind=product.kind,
        quantity=quantity,
        unit_price=price,
        reference_price=money(compared) if compared is not None else price,
        face_value=money(product.face_value) if product.face_value is not None else None,
        voucher=voucher,
        device=device,
        warranty_until=warranty_until,
    )


def journal_entry(*, site, today, counter: str):
    """Lock the site's journal head, then its open till session, and reserve the next numbered
    entry: the journal fields that sales and refunds share. Returns (head, fields)."""
    head = lock_journal_head(site)
    try:
        # Found and locked at once: a close that committed meanwhile leaves no open row.
        session = lock_row(Rank.TILL_SESSION, TillSession.objects.open(), site=site)
    except TillSession.DoesNotExist as exc:
        raise SaleError(
            _("The till of %(site)s is closed: open it first.") % {"site": site.name}
        ) from exc
    return head, next_entry(head, session, today, counter)


def next_entry(head: JournalHead, session: TillSession, today, counter: str) -> dict:
    """The journal fields of the next entry, the head and session locked by the caller (an
    exchange records its refund, then its sale, under the same locks)."""
    number, year, sequence = _next_numbers(head, today.year, counter)
    return {
        "site": head.site,
        "till_session": session,
        "journal_number": number,
        "receipt_year": year,
        "receipt_sequence": sequence,
        "previous_hash": head.last_hash,
    }


def _next_numbers(head: JournalHead, year: int, counter: str) -> tuple[int, int, int]:
    """(journal number, receipt year, receipt sequence) for the next entry; counters restart
    at 1 each year. The head is locked by the caller."""
    if head.year != year:
        head.year, head.sale_counter, head.refund_counter = year, 0, 0
    setattr(head, counter, getattr(head, counter) + 1)
    head.last_number += 1
    return head.last_number, year, getattr(head, counter)


def advance_head(head: JournalHead, entry) -> None:
    head.last_hash = entry.hash
    head.save()


# --- receipts ----------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def receipt_print_record(*, sale: Sale, actor) -> ReceiptPrint:
    """Record a print of the receipt: the first one is the original, the next are duplicates."""
    lock_rows(Rank.RECORD, Sale.objects.filter(pk=sale.pk))
    printed_before = ReceiptPrint.objects.filter(sale=sale).exists()
    receipt = ReceiptPrint.objects.create(sale=sale, printed_by=actor, is_duplicate=printed_before)
    if printed_before:
        audit_log(actor=actor, action=AuditAction.RECEIPT_REPRINTED, obj=sale, site=sale.site)
    return receipt
