"""Refunds: (part of) a sale given back at its site, as a numbered journal entry of its own.

Locks in the project's order (`connexions.locking`): the beneficiary row, then the devices and
vouchers given back by id, then counted-stock rows, then the site's journal head. Two refunds of
one sale wait for each other on the beneficiary row, so together they never give back more than
the sale (by line quantity and by payment source)."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from catalogue import services as stock
from catalogue.services import StockError
from connexions.audit import audit_log
from connexions.locking import Rank, lock_rows
from connexions.numbers import money
from connexions.perms import Action, can
from sales import journal, pin_checks, selectors
from sales import money as money_reads
from sales.enums import AuditAction, RefundReason
from sales.models import (
    Refund,
    RefundLine,
    RefundNote,
    RefundPayment,
    RefundPrint,
    Sale,
    SaleLine,
)
from sales.money import RefundSource
from sales.services import (
    SaleError,
    advance_head,
    date_text,
    journal_entry,
    lock_beneficiary,
    next_id,
    selling_session,
)


@transaction.atomic(durable=True)
def refund_create(
    *,
    sale: Sale,
    quantities: dict[int, int],
    split: dict[str, Decimal] | None = None,
    reason: str = RefundReason.OTHER,
    note: str = "",
    voucher_unused: bool = False,
    actor,
    now: datetime | None = None,
) -> Refund:
    """Give back (part of) a sale at its site: a device within its warranty returns to stock
    for inspection, a top-up only if its PIN is known unused (then voided), counted items
    return to stock; the limits are given back since they count sale lines not refunded.

    The money goes back over the sale's payment sources (`split`: {source key: amount}, the
    natural split when None), each capped at what it paid net of earlier refunds; agency
    funding goes back to its agency (recorded, no cash)."""
    site = sale.site
    if not can(actor, Action.SELL, site):
        raise SaleError(_("You may not refund at this site."))
    if reason not in RefundReason.values:
        raise SaleError(_("Choose the reason for the refund."))
    now = now or timezone.now()
    today = timezone.localdate(now)
    selling_session(site, now)
    lock_beneficiary(sale.beneficiary)
    # Under the beneficiary lock, so two refunds of the same sale see each other's amounts.
    wanted, pin_check = check_refund(sale, quantities, voucher_unused, today)
    amount = sum((line.unit_price * quantity for line, quantity in wanted.items()), Decimal("0.00"))
    payment_rows = refund_payments(money_reads.refund_sources(sale), amount, split)
    refund_id = next_id(Refund)
    _give_back_stock(wanted, site=site, actor=actor, reference=f"sales.refund:{refund_id}")
    head, entry = journal_entry(site=site, today=today, counter="refund_counter")
    refund = record_refund(
        refund_id=refund_id,
        head=head,
        entry=entry,
        sale=sale,
        wanted=wanted,
        payment_rows=payment_rows,
        reason=reason,
        pin_check=pin_check,
        note=note,
        actor=actor,
        now=now,
    )
    return refund


def check_refund(sale: Sale, quantities: dict[int, int], voucher_unused: bool, today):
    """({sale line: quantity}, PIN check) of a refund, each line checked, under the
    beneficiary's lock."""
    wanted = _refundable_quantities(sale, quantities, today)
    return wanted, _check_pins(wanted, voucher_unused)


def record_refund(
    *, refund_id, head, entry, sale, wanted, payment_rows, reason, pin_check, note, actor, now
) -> Refund:
    """The refund's journal entry, lines, payments and note, once its stock is given back and
    its journal head locked (refund and exchange)."""
    refund_lines = [
        RefundLine(sale_line=line, quantity=quantity, amount=line.unit_price * quantity)
        for line, quantity in wanted.items()
    ]
    refund = Refund(
        pk=refund_id,
        at=now,
        **entry,
        hash_version=journal.REFUND_HASH_VERSION,
        sale=sale,
        refunded_by=actor,
        amount=sum((line.amount for line in refund_lines), Decimal("0.00")),
        reason=reason,
        pin_check=pin_check,
    )
    refund.hash = journal.refund_hash(refund, refund_lines, payment_rows, sale.beneficiary_id)
    refund.save(force_insert=True)
    for row in [*refund_lines, *payment_rows]:
        row.refund = refund
    RefundLine.objects.bulk_create(refund_lines)
    RefundPayment.objects.bulk_create(payment_rows)
    if note.strip():
        RefundNote.objects.create(refund=refund, text=note.strip()[:500])
    advance_head(head, refund)
    audit_log(
        actor=actor,
        action=AuditAction.REFUND_RECORDED,
        obj=refund,
        site=sale.site,
        sale=sale.pk,
        amount=str(refund.amount),
        split={row.method: str(row.amount) for row in payment_rows},
    )
    return refund


def refund_payments(
    sources: list[RefundSource], amount: Decimal, split: dict[str, Decimal] | None
) -> list[RefundPayment]:
    """The refund's payment rows: `split` checked against the sources (each at most what it
    may still give back, together exactly the amount), or the natural split."""
    if split is None:
        split = money_reads.natural_split(amount, sources)
    by_key = {source.key: source for source in sources}
    rows = []
    for key, value in split.items():
        value = money(value or 0)
        if not value:
            continue
        source = by_key.get(key)
        if source is None or value < 0:
            raise SaleError(
                _("This sale was not paid this way: give the money back the way it was paid.")
            )
        if value > source.available:
            raise SaleError(
                _("At most %(amount)s € can still be given back this way (%(method)s).")
                % {
                    "amount": formats.number_format(max(source.available, 0), 2),
                    "method": source.label.lower(),
                }
            )
        rows.append(RefundPayment(method=source.method, amount=value, agency=source.agency))
    given = sum((row.amount for row in rows), Decimal("0.00"))
    if given != amount:
        raise SaleError(
            _("The money given back (%(given)s €) must equal the refund (%(amount)s €).")
            % {
                "given": formats.number_format(given, 2),
                "amount": formats.number_format(amount, 2),
            }
        )
    return rows


def _check_pins(wanted: dict[SaleLine, int], attested: bool) -> str:
    vouchers = [line.voucher for line in wanted if line.voucher_id]
    check, used = pin_checks.check_vouchers(vouchers, attested=attested)
    if used:
        raise SaleError(
            _("The operator says this top-up was used: it cannot be refunded (%(code)s).")
            % {"code": used[0].masked_pin}
        )
    if vouchers and not check:
        raise SaleError(
            _("A top-up is refunded only if its PIN was not used: confirm it was not used.")
        )
    return check


def _refundable_quantities(sale: Sale, quantities: dict[int, int], today):
    """{sale line: quantity to refund}, in order of line id, each line checked."""
    lines = {
        line.pk: line
        for line in SaleLine.objects.filter(sale=sale)
        .select_related("product", "voucher__product", "device")
        .annotate(refunded=selectors._refunded_quantity())
    }
    wanted = {pk: quantity for pk, quantity in sorted(quantities.items()) if quantity}
    if not wanted:
        raise SaleError(_("Choose at least one item to refund."))
    for pk, quantity in wanted.items():
        line = lines.get(pk)
        if line is None or quantity < 0 or quantity > line.quantity - line.refunded:
            raise SaleError(_("This quantity cannot be refunded."))
        _check_warranty(line, today)
    return {lines[pk]: quantity for pk, quantity in wanted.items()}


def _check_warranty(line: SaleLine, today) -> None:
    if line.device_id and line.warranty_until and line.warranty_until < today:
        raise SaleError(
            _("The warranty of %(code)s ended on %(date)s: it cannot be returned.")
            % {"code": line.device.code, "date": date_text(line.warranty_until)}
        )


def give_back_steps(wanted: dict[SaleLine, int], *, site, actor, reference: str) -> list:
    """Giving the returned items back, as three steps in the lock order: devices back to stock,
    vouchers voided, counted items back to stock (each kind locked by id by catalogue)."""
    devices = [line.device for line in wanted if line.device_id]
    vouchers = [line.voucher for line in wanted if line.voucher_id]
    counted = {
        line.product: quantity
        for line, quantity in wanted.items()
        if not line.device_id and not line.voucher_id
    }
    give_back = {"actor": actor, "reference": reference}

    def devices_back():
        if devices:
            stock.devices_return_for_refund(devices=devices, site=site, **give_back)

    def vouchers_void():
        if vouchers:
            stock.vouchers_void_for_refund(vouchers=vouchers, **give_back)

    def counted_back():
        if counted:
            stock.counted_stock_return_for_refund(site=site, quantities=counted, **give_back)

    return [devices_back, vouchers_void, counted_back]


def _give_back_stock(wanted: dict[SaleLine, int], **kwargs) -> None:
    try:
        for step in give_back_steps(wanted, **kwargs):
            step()
    except StockError as exc:
        raise SaleError(exc.message) from exc


@transaction.atomic(durable=True)
def refund_print_record(*, refund: Refund, actor) -> RefundPrint:
    """Record a print of the refund receipt: the first is the original, later ones duplicates."""
    lock_rows(Rank.RECORD, Refund.objects.filter(pk=refund.pk))
    printed_before = RefundPrint.objects.filter(refund=refund).exists()
    printed = RefundPrint.objects.create(
        refund=refund, printed_by=actor, is_duplicate=printed_before
    )
    if printed_before:
        audit_log(
            actor=actor, action=AuditAction.REFUND_RECEIPT_REPRINTED, obj=refund, site=refund.site
        )
    return printed
