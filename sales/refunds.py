"""Refunds: (part of) a sale given back at its site, as a numbered journal entry of its own.

Locks in the project's order (`connexions.locking`): the beneficiary row, then the devices and
vouchers given back by id, then counted-stock rows, then the site's journal head."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from catalogue import services as stock
from catalogue.services import StockError
from connexions.audit import audit_log
from connexions.perms import Action, can
from sales import journal, selectors
from sales.enums import AuditAction, PaymentMethod
from sales.models import Payment, Refund, RefundLine, Sale, SaleLine
from sales.services import (
    SaleError,
    advance_head,
    date_text,
    journal_entry,
    lock_beneficiary,
    next_id,
    open_session,
)


@transaction.atomic(durable=True)
def refund_create(
    *,
    sale: Sale,
    quantities: dict[int, int],
    method: str,
    reason: str,
    voucher_unused: bool = False,
    actor,
    now: datetime | None = None,
) -> Refund:
    """Give back (part of) a sale at its site: a device within its warranty returns to stock
    for inspection, a top-up only if the counsellor confirms it was not used (then voided),
    counted items return to stock; the money goes back by `method`; the limits are given back
    since they count sale lines not refunded."""
    site = sale.site
    _check_request(actor, site, method, reason)
    now = now or timezone.now()
    today = timezone.localdate(now)
    open_session(site)
    lock_beneficiary(sale.beneficiary)
    # Under the beneficiary lock, so two refunds of the same sale see each other's amounts.
    _check_method(sale, method)
    wanted = _refundable_quantities(sale, quantities, voucher_unused, today)
    amount = sum((line.unit_price * quantity for line, quantity in wanted.items()), Decimal("0.00"))
    _check_amount(sale, method, amount)
    refund_id = next_id(Refund)
    _give_back_stock(wanted, site=site, actor=actor, reference=f"sales.refund:{refund_id}")
    refund_lines = [
        RefundLine(sale_line=line, quantity=quantity, amount=line.unit_price * quantity)
        for line, quantity in wanted.items()
    ]
    head, entry = journal_entry(site=site, today=today, counter="refund_counter")
    refund = Refund(
        pk=refund_id,
        at=now,
        **entry,
        sale=sale,
        refunded_by=actor,
        method=method,
        amount=amount,
        reason=reason.strip(),
    )
    refund.hash = journal.refund_hash(refund, refund_lines, sale.beneficiary_id)
    refund.save(force_insert=True)
    for line in refund_lines:
        line.refund = refund
    RefundLine.objects.bulk_create(refund_lines)
    advance_head(head, refund)
    audit_log(
        actor=actor,
        action=AuditAction.REFUND_RECORDED,
        obj=refund,
        site=site,
        sale=sale.pk,
        amount=str(refund.amount),
    )
    return refund


def _check_request(actor, site, method: str, reason: str) -> None:
    if not can(actor, Action.SELL, site):
        raise SaleError(_("You may not refund at this site."))
    if method not in PaymentMethod.values:
        raise SaleError(_("Choose how the money is given back."))
    if not reason.strip():
        raise SaleError(_("Give the reason for the refund."))


def _check_method(sale: Sale, method: str) -> None:
    """The money goes back the way it was paid; agency funding back to its one agency."""
    payments = list(Payment.objects.filter(sale=sale).order_by("id"))
    if method not in {p.method for p in payments}:
        raise SaleError(
            _(
                "This sale was not paid this way (%(method)s): "
                "give the money back the way it was paid."
            )
            % {"method": PaymentMethod(method).label.lower()}
        )
    if method != PaymentMethod.AGENCY:
        return
    funders = {(p.agency_id, p.reference.strip()) for p in payments if p.method == method}
    if len(funders) != 1 or not all(agency and ref for agency, ref in funders):
        raise SaleError(
            _(
                "An agency refund goes back to the one agency that funded the sale, "
                "with its funding reference: give this money back another way."
            )
        )


def _refundable_quantities(sale: Sale, quantities: dict[int, int], voucher_unused, today):
    """{sale line: quantity to refund}, in order of line id, each line checked."""
    lines = {
        line.pk: line
        for line in SaleLine.objects.filter(sale=sale)
        .select_related("product", "voucher", "device")
        .annotate(refunded=selectors._refunded_quantity())
    }
    wanted = {pk: quantity for pk, quantity in sorted(quantities.items()) if quantity}
    if not wanted:
        raise SaleError(_("Choose at least one item to refund."))
    for pk, quantity in wanted.items():
        line = lines.get(pk)
        if line is None or quantity < 0 or quantity > line.quantity - line.refunded:
            raise SaleError(_("This quantity cannot be refunded."))
        _check_line(line, voucher_unused, today)
    return {lines[pk]: quantity for pk, quantity in wanted.items()}


def _check_line(line: SaleLine, voucher_unused: bool, today) -> None:
    if line.voucher_id and not voucher_unused:
        raise SaleError(
            _("A top-up is refunded only if its PIN was not used: confirm it was not used.")
        )
    if line.device_id and line.warranty_until and line.warranty_until < today:
        raise SaleError(
            _("The warranty of %(code)s ended on %(date)s: it cannot be returned.")
            % {"code": line.device.code, "date": date_text(line.warranty_until)}
        )


def _check_amount(sale: Sale, method: str, amount: Decimal) -> None:
    available = selectors.refundable_by_method(sale).get(method, Decimal("0.00"))
    if amount > available:
        raise SaleError(
            _("At most %(amount)s € can still be given back this way (%(method)s).")
            % {
                "amount": formats.number_format(available, 2),
                "method": PaymentMethod(method).label.lower(),
            }
        )


def _give_back_stock(wanted: dict[SaleLine, int], *, site, actor, reference: str) -> None:
    """Devices back to stock, vouchers voided, counted items back to stock: in the lock order,
    each kind locked by id by catalogue."""
    devices = [line.device for line in wanted if line.device_id]
    vouchers = [line.voucher for line in wanted if line.voucher_id]
    counted = {
        line.product: quantity
        for line, quantity in wanted.items()
        if not line.device_id and not line.voucher_id
    }
    give_back = {"actor": actor, "reference": reference}
    try:
        if devices:
            stock.devices_return_for_refund(devices=devices, site=site, **give_back)
        if vouchers:
            stock.vouchers_void_for_refund(vouchers=vouchers, **give_back)
        if counted:
            stock.counted_stock_return_for_refund(site=site, quantities=counted, **give_back)
    except StockError as exc:
        raise SaleError(exc.message) from exc
