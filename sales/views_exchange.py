"""The exchange pages: return an item and sell another in one step, and its one receipt."""

import uuid
from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from catalogue.models import Product
from connexions.errors import show_refusal
from connexions.perms import Action, action_required, can
from sales import exchanges, refunds, selectors, services
from sales.forms import ExchangeForm
from sales.models import Exchange, Refund, Sale
from sales.services import CartItem, PaymentLine, SaleError
from sales.views import _sale_or_404


def _balance_payments(form, lines) -> list[PaymentLine]:
    """The balance the person pays, by the chosen method (none when the return covers it)."""
    data = form.cleaned_data
    returned = sum(
        (line.unit_price * form.quantities().get(line.pk, 0) for line in lines), Decimal("0")
    )
    balance = data["product"].solidarity_price * data["quantity"] - returned
    if balance <= 0:
        return []
    return [PaymentLine(data["method"], balance, data.get("reference", ""))]


@action_required(Action.SELL)
def exchange_create(request, pk):
    sale = _sale_or_404(request, pk)
    if not can(request.user, Action.SELL, sale.site) or sale.site != request.current_site:
        raise Http404
    lines = list(sale.lines.all())
    form = ExchangeForm(
        request.POST or None,
        lines=lines,
        products=Product.objects.active().order_by("name"),
        initial={"token": uuid.uuid4()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item = CartItem(data["product"], data["quantity"], data["device_code"].strip())
        try:
            result = exchanges.exchange_create(
                token=data["token"],
                sale=sale,
                quantities=form.quantities(),
                items=[item],
                payments=_balance_payments(form, lines),
                note=data["note"],
                voucher_unused=data["voucher_unused"],
                actor=request.user,
            )
        except SaleError as exc:
            show_refusal(request, exc, form=form)
        else:
            if not result.replayed:
                messages.success(request, _("The exchange is recorded."))
            return redirect("sales:exchange_detail", pk=result.exchange.pk)
    return render(request, "sales/exchange_form.html", {"sale": sale, "form": form})


def _exchange_or_404(request, pk):
    return get_object_or_404(
        Exchange.objects.filter(sale__in=Sale.objects.visible_to(request.user)).select_related(
            "refund", "sale"
        ),
        pk=pk,
    )


@action_required(Action.SELL)
def exchange_detail(request, pk):
    exchange = _exchange_or_404(request, pk)
    return render(request, "sales/exchange_detail.html", _exchange_context(request, exchange))


def _exchange_context(request, exchange, *, duplicate=False, show_pin=False):
    sale = selectors.sale_for_receipt(Sale.objects.all(), exchange.sale_id)
    refund = selectors.refund_for_receipt(Refund.objects.all(), exchange.refund_id)
    return {
        "exchange": exchange,
        "refund": refund,
        "sale": sale,
        "lines": sale.lines.all(),
        "duplicate": duplicate,
        "show_pin": show_pin,
        "balance": exchange.balance,
        "balance_back": -exchange.balance,
    }


@action_required(Action.SELL)
def exchange_print(request, pk):
    """One receipt for both: what came back, what was sold, the balance. Recorded as a print
    of the sale's and of the refund's receipts (a reprint is a DUPLICATA)."""
    exchange = _exchange_or_404(request, pk)
    if request.method != "POST":
        return redirect("sales:exchange_detail", pk=exchange.pk)
    printed = services.receipt_print_record(sale=exchange.sale, actor=request.user)
    refunds.refund_print_record(refund=exchange.refund, actor=request.user)
    return render(
        request,
        "sales/exchange_print.html",
        _exchange_context(request, exchange, duplicate=printed.is_duplicate, show_pin=True),
    )
