"""The till's money pages: refunds and their receipts, cash in and out, the blind close."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _

from connexions.enums import SiteRole
from connexions.errors import show_refusal
from connexions.pdf import pdf_response
from connexions.perms import Action, action_required, can
from sales import cash, refunds, selectors, services
from sales import money as money_reads
from sales.forms import BlindCountForm, CashMovementForm, DifferenceForm, RefundForm
from sales.models import Refund, Sale
from sales.services import SaleError
from sales.views import RECEIPT_CSS, _sale_or_404, _session_or_404, _z_context

sell_here = action_required(Action.SELL, at_current_site=True)


# --- refunds -----------------------------------------------------------------------------------


def _proposed(form_data, lines, sources):
    """The posted form with the natural split of the ticked quantities filled in."""
    data = form_data.copy()
    amount = Decimal("0.00")
    for line in lines:
        try:
            quantity = int(data.get(f"line_{line.pk}") or 0)
        except ValueError:
            quantity = 0
        amount += line.unit_price * max(0, min(quantity, line.quantity - line.refunded))
    split = money_reads.natural_split(amount, sources)
    for source in sources:
        value = split.get(source.key)
        data[f"pay_{source.key}"] = formats.localize_input(value) if value else ""
    return data


@action_required(Action.SELL)
def refund_create(request, pk):
    sale = _sale_or_404(request, pk)
    if not can(request.user, Action.SELL, sale.site):
        raise Http404
    if sale.site != request.current_site:
        # The money goes out of the till of the site one works at now: the sale's site.
        messages.error(
            request,
            _("This sale was made at %(site)s: switch to that site to refund it.")
            % {"site": sale.site.name},
        )
        return redirect("sales:sale_detail", pk=sale.pk)
    lines = list(sale.lines.all())
    sources = money_reads.refund_sources(sale)
    if request.method == "POST" and "propose" in request.POST:
        form = RefundForm(_proposed(request.POST, lines, sources), lines=lines, sources=sources)
        return render(request, "sales/refund_form.html", {"sale": sale, "form": form})
    form = RefundForm(request.POST or None, lines=lines, sources=sources)
    if request.method == "POST" and form.is_valid():
        try:
            refund = refunds.refund_create(
                sale=sale,
                quantities=form.quantities(),
                split=form.split(),
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                voucher_unused=form.cleaned_data["voucher_unused"],
                actor=request.user,
            )
        except SaleError as exc:
            show_refusal(request, exc, form=form)
        else:
            messages.success(
                request, _("The refund is recorded: receipt %(number)s.") % {"number": refund}
            )
            return redirect("sales:refund_detail", pk=refund.pk)
    return render(request, "sales/refund_form.html", {"sale": sale, "form": form})


def _refund_or_404(request, pk):
    try:
        return selectors.refund_for_receipt(
            Refund.objects.filter(sale__in=Sale.objects.visible_to(request.user)), pk
        )
    except Refund.DoesNotExist as exc:
        raise Http404 from exc


@action_required(Action.SELL)
def refund_detail(request, pk):
    refund = _refund_or_404(request, pk)
    return render(
        request,
        "sales/refund_detail.html",
        {"refund": refund, "sale": refund.sale, "duplicate": refund.print_count > 0},
    )


@action_required(Action.SELL)
def refund_print(request, pk):
    refund = _refund_or_404(request, pk)
    if request.method != "POST":  # only a deliberate print is recorded
        return redirect("sales:refund_detail", pk=refund.pk)
    printed = refunds.refund_print_record(refund=refund, actor=request.user)
    return render(
        request,
        "sales/refund_receipt_print.html",
        {"refund": refund, "sale": refund.sale, "duplicate": printed.is_duplicate},
    )


@action_required(Action.SELL)
def refund_pdf(request, pk):
    refund = _refund_or_404(request, pk)
    if request.method != "POST":
        return redirect("sales:refund_detail", pk=refund.pk)
    printed = refunds.refund_print_record(refund=refund, actor=request.user)
    return pdf_response(
        "sales/refund_receipt_pdf.html",
        {
            "refund": refund,
            "sale": refund.sale,
            "duplicate": printed.is_duplicate,
        },
        f"remboursement-{refund.receipt_number}.pdf",
        request,
        stylesheets=RECEIPT_CSS,
    )


# --- cash in and out ---------------------------------------------------------------------------


@sell_here
def cash_movements(request):
    site = request.current_site
    session = services.open_session_or_none(site)
    if session is None:
        messages.error(request, _("The till is closed: open it first."))
        return redirect("sales:till")
    form = CashMovementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cash.cash_movement_record(
                site=site,
                kind=form.cleaned_data["kind"],
                amount=form.cleaned_data["amount"],
                comment=form.cleaned_data["comment"],
                actor=request.user,
            )
        except SaleError as exc:
            show_refusal(request, exc, form=form)
        else:
            messages.success(request, _("The cash movement is recorded."))
            return redirect("sales:cash_movements")
    return render(
        request,
        "sales/cash_movements.html",
        {"session": session, "movements": money_reads.cash_movements(session), "form": form},
    )


# --- the blind close ---------------------------------------------------------------------------


def _count_key(session) -> str:
    return f"till-count-{session.pk}"


def _site_managers(site):
    return (
        get_user_model()
        .objects.filter(
            is_active=True, memberships__site=site, memberships__role=SiteRole.SITE_MANAGER
        )
        .order_by("last_name", "first_name")
    )


@action_required(Action.SELL)
def session_close(request, pk):
    """Step 1 (blind): the count, with nothing showing what is expected. Step 2: the expected
    cash and the difference; above the setting, a comment and a site manager's password."""
    session = _session_or_404(request, pk)
    if not can(request.user, Action.OPEN_TILL, session.site):
        raise Http404
    if not session.is_open:
        return redirect("sales:session_detail", pk=session.pk)
    stored = request.session.get(_count_key(session))
    if request.method == "POST" and request.POST.get("step") == "count":
        form = BlindCountForm(request.POST)
        if form.is_valid():
            counted = form.cleaned_data["counted_cash"]
            cash.till_count_record(session=session, counted_cash=counted, actor=request.user)
            request.session[_count_key(session)] = {
                "counted": str(counted),
                "denominations": form.cleaned_data["denominations"],
            }
            return redirect("sales:session_close", pk=session.pk)
        return render(request, "sales/session_count.html", {"session": session, "form": form})
    if stored is None or request.GET.get("recompter"):
        return render(
            request, "sales/session_count.html", {"session": session, "form": BlindCountForm()}
        )
    context = _z_context(request, session)
    counted = Decimal(stored["counted"])
    difference = counted - context["expected"]
    needed = abs(difference) > settings.TILL_CLOSE_DIFFERENCE_LIMIT
    form = DifferenceForm(
        request.POST if request.method == "POST" else None,
        managers=_site_managers(session.site),
        needed=needed,
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = services.till_close(
                session=session,
                counted_cash=counted,
                denominations=stored["denominations"],
                comment=form.cleaned_data["comment"] if needed else "",
                confirmed_by=form.cleaned_data["manager"] if needed else None,
                actor=request.user,
            )
        except SaleError as exc:
            show_refusal(request, exc, form=form)
        else:
            request.session.pop(_count_key(session), None)
            messages.success(request, _("The till is closed."))
            return redirect("sales:session_detail", pk=session.pk)
    return render(
        request,
        "sales/session_close.html",
        {
            **context,
            "counted": counted,
            "denominations": stored["denominations"],
            "difference": difference,
            "needed": needed,
            "limit": settings.TILL_CLOSE_DIFFERENCE_LIMIT,
            "form": form,
        },
    )
