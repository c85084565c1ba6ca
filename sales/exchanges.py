"""Exchanges: an item returned and another sold in one step, as one refund and one sale recorded
together. What the returned item is worth pays for the new one (an exchange credit, no money
moves); the balance is paid by the person, or given back over the first sale's payment sources.

Locks in the project's order: the beneficiary, then stock by kind (the returned units, then the
new ones, for devices, then vouchers, then counted rows), then the journal head and the till
session once for both entries."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.services import StockError
from connexions.audit import audit_log
from connexions.numbers import CENT, money
from connexions.perms import Action, can
from sales import money as money_reads
from sales import refunds, services
from sales.enums import AuditAction, PaymentMethod, RefundReason
from sales.models import Exchange, Refund, RefundPayment, Sale
from sales.services import CartItem, PaymentLine, SaleError


@dataclass(frozen=True)
class ExchangeResult:
    exchange: Exchange
    replayed: bool


@transaction.atomic(durable=True)
def exchange_create(
    *,
    token,
    sale: Sale,
    quantities: dict[int, int],
    items: list[CartItem],
    payments: list[PaymentLine] = (),
    cash_received: Decimal | None = None,
    reason: str = RefundReason.EXCHANGE,
    note: str = "",
    voucher_unused: bool = False,
    actor,
    now: datetime | None = None,
) -> ExchangeResult:
    """Return `quantities` of `sale`'s lines and sell `items` to the same person. `payments`
    pay the balance when the new items cost more; when they cost less, the difference goes
    back by the natural split of `sale`'s payment sources. Limits are counted net of the
    return. The token makes a second submission answer with the exchange it recorded."""
    site = sale.site
    if not services.claim_token(token, site):
        exchange = Exchange.objects.filter(sale__checkout_id=token).first()
        if exchange is None:  # pragma: no cover - the token row is only written with its sale
            raise SaleError(_("This checkout form was already used: start the sale again."))
        return ExchangeResult(exchange, replayed=True)
    if not can(actor, Action.SELL, site):
        raise SaleError(_("You may not sell at this site."))
    if not items:
        raise SaleError(_("The cart is empty."))
    now = now or timezone.now()
    today = timezone.localdate(now)
    services.selling_session(site, now)
    beneficiary = services.lock_beneficiary(sale.beneficiary)
    wanted, pin_check = refunds.check_refund(sale, quantities, voucher_unused, today)
    services.check_eligibility(beneficiary, today)
    net = services.cart_quantities(items)
    for line, quantity in wanted.items():
        net[line.product] -= quantity
    services.check_limits(beneficiary, net, now)

    returned = sum((line.unit_price * q for line, q in wanted.items()), Decimal("0.00"))
    total = sum((money(item.product.solidarity_price) * item.quantity for item in items), CENT * 0)
    credit = min(returned, total)
    given_back = refunds.refund_payments(money_reads.refund_sources(sale), returned - credit, None)
    refund_rows = [RefundPayment(method=PaymentMethod.EXCHANGE, amount=credit)] if credit else []
    refund_rows += given_back
    sale_payments = [PaymentLine(PaymentMethod.EXCHANGE, credit)] if credit else []
    sale_payments += list(payments)
    cash = services.check_payments(total, sale_payments, cash_received)

    refund_id, sale_id = services.next_id(Refund), services.next_id(Sale)
    give_back = refunds.give_back_steps(
        wanted, site=site, actor=actor, reference=f"sales.refund:{refund_id}"
    )
    take = services.take_stock_steps(
        site=site, items=items, actor=actor, reference=f"sales.sale:{sale_id}", today=today
    )
    lines = []
    try:
        for give, take_kind in zip(give_back, take, strict=True):
            give()
            lines += take_kind()
    except StockError as exc:
        raise SaleError(exc.message) from exc

    head, entry = services.journal_entry(site=site, today=today, counter="refund_counter")
    refund = refunds.record_refund(
        refund_id=refund_id,
        head=head,
        entry=entry,
        sale=sale,
        wanted=wanted,
        payment_rows=refund_rows,
        reason=reason,
        pin_check=pin_check,
        note=note,
        actor=actor,
        now=now,
    )
    new_sale = services.record_sale(
        sale_id=sale_id,
        head=head,
        entry=services.next_entry(head, entry["till_session"], today, "sale_counter"),
        token=token,
        beneficiary=beneficiary,
        lines=lines,
        payments=sale_payments,
        total=total,
        cash=cash,
        actor=actor,
        now=now,
    )
    exchange = Exchange.objects.create(refund=refund, sale=new_sale)
    audit_log(
        actor=actor,
        action=AuditAction.EXCHANGE_RECORDED,
        obj=exchange,
        site=site,
        refund=refund.receipt_number,
        sale=new_sale.receipt_number,
        balance=str(exchange.balance),
    )
    return ExchangeResult(exchange, replayed=False)
