from decimal import Decimal

from django.contrib import messages
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaries.enums import AuditAction
from beneficiaries.models import Beneficiary
from beneficiaries.selectors import beneficiary_search
from catalogue.enums import Tracking
from catalogue.models import Product
from catalogue.selectors import stock_levels
from connexions.audit import audit_reads
from connexions.errors import show_refusal
from connexions.exports import csv_response
from connexions.forms import SearchForm, id_or_404
from connexions.pagination import paginate
from connexions.pdf import pdf_response
from connexions.periods import Period
from connexions.perms import Action, action_required, can
from sales import cart as carts
from sales import money as money_reads
from sales import selectors, services
from sales.forms import OpenTillForm, PaymentForm, ReportForm
from sales.models import Refund, Sale, TillSession
from sales.services import SaleError

sell = action_required(Action.SELL, at_current_site=True)


RECEIPT_CSS = ("css/receipt.css",)  # the stylesheet of receipts and reports, parsed once


# --- the till screen ---------------------------------------------------------------------------


def _open_session(site):
    return TillSession.objects.open().filter(site=site).select_related("opened_by").first()


def _panel_context(
    request, cart, *, error="", payment_form=None, beneficiary=None, cart_view=None, full=True
):
    """What the cart panel shows. A cart step (`full=False`) leaves out the products and their
    stock, which a cart change does not touch: the page keeps the section it shows
    (`hx-preserve`, docs/architecture.md, "The till's requests"). `beneficiary` and `cart_view`
    when the caller has already read them."""
    cart_view = cart_view or carts.view(cart)
    limits = []
    refusals = []
    if cart.beneficiary_id and getattr(beneficiary, "pk", None) != cart.beneficiary_id:
        beneficiary = (
            Beneficiary.objects.visible_to(request.user)
            .select_related("enrolled_site")
            .filter(pk=cart.beneficiary_id)
            .first()
        )
    elif not cart.beneficiary_id:
        beneficiary = None
    if beneficiary is not None:
        limits = selectors.limit_statuses(beneficiary)
        refusals = [
            services.limit_message(refusal)
            for refusal in selectors.limit_refusals(limits, cart_view.quantities())
        ]
    if payment_form is None:
        payment_form = PaymentForm(
            initial={"token": cart.token, "cash_amount": cart_view.total or None}
        )
    # What the page's live region reads after an htmx answer (docs/architecture.md, front end).
    said = [error, *refusals, *(e for errors in payment_form.errors.values() for e in errors)]
    context = {
        "live_message": " ".join(str(text) for text in said if text),
        "cart": cart_view,
        "beneficiary": beneficiary,
        "limits": limits,
        "refusals": refusals,
        "payment_form": payment_form,
        "error": error,
        "preserve_products": not full,
    }
    if full:
        context.update(_products_context(request.current_site))
    return context


def _products_context(site):
    levels = stock_levels(site)
    products = list(Product.objects.active().select_related("operator").order_by("kind", "name"))
    topups = [
        (p, levels[p.pk].available)
        for p in products
        if p.tracking == Tracking.VOUCHER and p.pk in levels
    ]
    counted = [
        (p, levels[p.pk].available)
        for p in products
        if p.tracking == Tracking.COUNTED and levels.get(p.pk) and levels[p.pk].available
    ]
    return {
        "topups": topups,
        # F2 adds the first top-up in stock (the list is sorted by kind and name).
        "quick_topup": next((p.pk for p, available in topups if available), None),
        "counted_products": counted,
    }


def _panel(request, cart, *, full=False, **kwargs):
    """The cart panel through htmx (without the products unless `full`); else back to the
    till's page."""
    if request.htmx:
        context = _panel_context(request, cart, full=full, **kwargs)
        return render(request, "sales/_till_panel.html", context)
    if kwargs.get("error"):
        messages.error(request, kwargs["error"])
    return redirect("sales:till")


@sell
def till(request):
    site = request.current_site
    session = _open_session(site)
    context = {
        "session": session,
        "may_open": can(request.user, Action.OPEN_TILL, site),
        "open_form": OpenTillForm(),
        "opened_since": "",
        "stale": False,
    }
    if session is not None and money_reads.opened_before_today(session):
        context["opened_since"] = money_reads.opened_since(session)
        context["stale"] = money_reads.is_stale(session)
    if session is not None:
        cart = carts.load_or_start(request, site)
        context.update(_panel_context(request, cart))
        if (
            not cart.beneficiary_id and not context["cart"].lines
        ):  # the receipt of the person just served
            last = request.session.get("till_last_sale")
            context["last_sale"] = Sale.objects.visible_to(request.user).filter(pk=last).first()
        context["search_results"] = None
    return render(request, "sales/till.html", context)


@require_POST
@action_required(Action.OPEN_TILL, at_current_site=True)
def till_open(request):
    form = OpenTillForm(request.POST)
    if form.is_valid():
        try:
            services.till_open(
                site=request.current_site,
                opening_float=form.cleaned_data["opening_float"],
                actor=request.user,
            )
        except SaleError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("The till is open."))
    else:
        messages.error(request, _("Enter the cash float in euros."))
    return redirect("sales:till")


@require_POST
@sell
def cart_scan(request):
    site = request.current_site
    cart = carts.load(request, site)
    error = ""
    customer = cart.beneficiary_id
    beneficiary = None
    try:
        beneficiary = carts.scan(cart, request.POST.get("code", ""), site=site, user=request.user)
    except carts.CartRefusal as refusal:
        error = refusal.message
    carts.save(request, cart)
    if beneficiary is not None and beneficiary.pk != customer:  # a member card was scanned
        audit_reads(
            actor=request.user,
            action=AuditAction.FILE_LISTED,
            objects=[beneficiary],
            site=site,
            via="till",
        )
    return _panel(request, cart, error=error, beneficiary=beneficiary)


@sell
def customer_search(request):
    """Find the person by name, number or phone when they have no card with them."""
    query = SearchForm(request.GET).query()
    results = list(beneficiary_search(request.user, query)[:10]) if query else []
    audit_reads(
        actor=request.user,
        action=AuditAction.FILE_LISTED,
        objects=results,
        site=request.current_site,
        via="till",
    )
    return render(request, "sales/_customer_results.html", {"results": results, "query": query})


@require_POST
@sell
def cart_customer(request):
    site = request.current_site
    cart = carts.load(request, site)
    beneficiary = get_object_or_404(
        Beneficiary.objects.visible_to(request.user), pk=id_or_404(request.POST, "beneficiary")
    )
    cart.beneficiary_id = beneficiary.pk
    carts.save(request, cart)
    audit_reads(
        actor=request.user,
        action=AuditAction.FILE_LISTED,
        objects=[beneficiary],
        site=site,
        via="till",
    )
    return _panel(request, cart, beneficiary=beneficiary)


@require_POST
@sell
def cart_add(request):
    site = request.current_site
    cart = carts.load(request, site)
    # The product chosen and those already in the cart, in one query.
    product_id = id_or_404(request.POST, "product")
    products = carts.products_of(cart, also=product_id)
    product = products.get(product_id)
    if product is None or not product.is_active:
        raise Http404
    error = ""
    try:
        carts.add(cart, product, request.POST.get("quantity", "1"))
    except carts.CartRefusal as refusal:
        error = refusal.message
    carts.save(request, cart)
    return _panel(request, cart, error=error, cart_view=carts.view(cart, products=products))


@require_POST
@sell
def cart_remove(request, index):
    site = request.current_site
    cart = carts.load(request, site)
    cart.remove(index)
    carts.save(request, cart)
    return _panel(request, cart)


@require_POST
@sell
def cart_clear(request):
    carts.clear(request, request.current_site)
    return _panel(request, carts.load(request, request.current_site))


@require_POST
@sell
def checkout(request):
    """Without JavaScript, a refusal goes to the page's messages; through htmx, the panel comes
    back with what was typed and the refusal next to the payment fields."""
    site = request.current_site
    cart = carts.load(request, site)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        return _payment_form_invalid(request, cart, form)
    token = form.cleaned_data["token"]
    if str(token) != cart.token:
        # A form of an earlier cart: resubmitted after its success (the cart was emptied and
        # got a new token), it shows that sale's receipt. The form of the current cart needs no
        # look-up: its token, claimed first by the service, answers a double click.
        done = Sale.objects.visible_to(request.user).filter(checkout_id=token).first()
        if done is not None:
            return _sold(request, done)
    if cart.beneficiary_id is None:
        messages.error(request, _("Scan the member card of the person first."))
        return redirect("sales:till")
    try:
        result = services.sale_checkout(
            token=token,
            site=site,
            # Read under its lock by the service, which refuses an unknown id; whoever may sell
            # here sees every beneficiary (`Beneficiary.objects.visible_to`).
            beneficiary=Beneficiary(pk=cart.beneficiary_id),
            items=carts.view(cart).items(),
            payments=form.payments(),
            cash_received=form.cleaned_data.get("cash_received"),
            actor=request.user,
        )
    except SaleError as exc:
        if request.htmx:
            show_refusal(request, exc, form=form, field="cash_received")
            return _panel(request, cart, payment_form=form, full=True)
        show_refusal(request, exc)
        return redirect("sales:till")
    carts.clear(request, site)
    if not result.replayed:
        messages.success(request, _("Sale recorded: receipt %(number)s.") % {"number": result.sale})
    return _sold(request, result.sale)


def _payment_form_invalid(request, cart, form):
    if request.htmx:
        return _panel(request, cart, payment_form=form, full=True)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("sales:till")


def _sold(request, sale):
    """Through htmx the till is ready for the next person at once; else the receipt page."""
    if request.htmx:
        request.session["till_last_sale"] = sale.pk
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("sales:till")
        return response
    return redirect("sales:sale_detail", pk=sale.pk)


# --- till sessions -----------------------------------------------------------------------------


@action_required(Action.SELL)
def session_list(request):
    sessions = (
        TillSession.objects.visible_to(request.user)
        .select_related("site", "opened_by", "closed_by")
        .order_by("-opened_at", "-id")
    )
    if request.current_site:
        sessions = sessions.filter(site=request.current_site)
    return render(request, "sales/session_list.html", {"page_obj": paginate(request, sessions)})


def _session_or_404(request, pk):
    return get_object_or_404(
        TillSession.objects.visible_to(request.user).select_related(
            "site", "opened_by", "closed_by"
        ),
        pk=pk,
    )


def _z_context(request, session):
    totals = selectors.session_totals(session)
    return {
        "session": session,
        "totals": totals,
        "movements": money_reads.cash_movements(session),
        "counted_by_denomination": [
            (count, Decimal(value)) for value, count in session.counted_denominations.items()
        ],
        "by_method": [
            (label, totals.method(method), totals.refunds_by_method.get(method))
            for method, label in services.PaymentMethod.choices
        ],
        "expected": session.expected_cash
        if not session.is_open
        else selectors.expected_cash(session, totals),
        "may_close": session.is_open and can(request.user, Action.OPEN_TILL, session.site),
        "now": timezone.now(),
    }


@action_required(Action.SELL)
def session_detail(request, pk):
    session = _session_or_404(request, pk)
    return render(request, "sales/session_detail.html", _z_context(request, session))


@action_required(Action.SELL)
def session_pdf(request, pk):
    session = _session_or_404(request, pk)
    return pdf_response(
        "sales/z_report_pdf.html",
        _z_context(request, session),
        f"rapport-z-{session.site_id}-{session.pk}.pdf",
        request,
        stylesheets=RECEIPT_CSS,
    )


# --- sales and receipts ------------------------------------------------------------------------


@action_required(Action.SELL)
def sale_list(request):
    sales = Sale.objects.visible_to(request.user).select_related("site", "seller", "beneficiary")
    if request.current_site:
        sales = sales.filter(site=request.current_site)
    if query := request.GET.get("q", "").strip():
        sales = selectors.sales_matching(sales, query)
    # A correlated count per sale of the page, not a GROUP BY over every sale of the site.
    refunds = Refund.objects.filter(sale=OuterRef("pk")).order_by().values("sale")
    refund_count = Subquery(refunds.annotate(n=Count("id")).values("n"))
    sales = sales.annotate(refund_count=refund_count).order_by("-at", "-id")
    return render(
        request,
        "sales/sale_list.html",
        {"page_obj": paginate(request, sales), "query": query},
    )


def _sale_or_404(request, pk):
    try:
        return selectors.sale_for_receipt(Sale.objects.visible_to(request.user), pk)
    except Sale.DoesNotExist as exc:
        raise Http404 from exc


def _receipt_context(sale, *, duplicate=False, show_pin=False):
    """`show_pin` only for a recorded print (the receipt or its duplicate, both audited): the
    page never shows a top-up's PIN; a refunded top-up's PIN is never shown."""
    return {"sale": sale, "duplicate": duplicate, "lines": sale.lines.all(), "show_pin": show_pin}


@action_required(Action.SELL)
def sale_detail(request, pk):
    sale = _sale_or_404(request, pk)
    return render(
        request,
        "sales/sale_detail.html",
        {
            **_receipt_context(sale, duplicate=sale.print_count > 0),
            "may_refund": sale.site == request.current_site
            and can(request.user, Action.SELL, sale.site),
        },
    )


@action_required(Action.SELL)
def receipt_print(request, pk):
    sale = _sale_or_404(request, pk)
    if (
        request.method != "POST"
    ):  # only a deliberate print is recorded (a reload or prefetch is not)
        return redirect("sales:sale_detail", pk=sale.pk)
    printed = services.receipt_print_record(sale=sale, actor=request.user)
    return render(
        request,
        "sales/receipt_print.html",
        _receipt_context(sale, duplicate=printed.is_duplicate, show_pin=True),
    )


@action_required(Action.SELL)
def receipt_pdf(request, pk):
    sale = _sale_or_404(request, pk)
    if request.method != "POST":
        return redirect("sales:sale_detail", pk=sale.pk)
    printed = services.receipt_print_record(sale=sale, actor=request.user)
    return pdf_response(
        "sales/receipt_pdf.html",
        _receipt_context(sale, duplicate=printed.is_duplicate, show_pin=True),
        f"ticket-{sale.receipt_number}.pdf",
        request,
        stylesheets=RECEIPT_CSS,
    )


# --- reports -----------------------------------------------------------------------------------


@sell
def report(request):
    today = timezone.localdate()
    form = ReportForm(request.GET or None, initial={"start": today, "end": today})
    period = Period(today, today)
    # An invalid period shows its errors over today's report.
    if form.is_bound and form.is_valid():
        period = Period(form.cleaned_data["start"], form.cleaned_data["end"])
    report = selectors.sales_report(site=request.current_site, period=period)
    if request.GET.get("format") == "csv":
        return _report_csv(request.current_site, report)
    return render(request, "sales/report.html", {"form": form, "report": report})


def _report_csv(site, report):
    rows = [[_("Sales"), "", report.sales_count, report.sales_total]]
    rows += [
        [_("Product kind"), row["label"], row["units"], row["amount"]] for row in report.by_kind
    ]
    rows += [[_("Payment method"), row["label"], "", row["amount"]] for row in report.by_method]
    rows += [
        [_("Subsidy (reference price minus price paid)"), "", "", report.subsidy],
        [_("Operator credit issued"), "", "", report.operator_credit],
        [_("Refunds"), "", report.refunds_count, report.refunds_total],
    ]
    rows += [[_("Day"), row["day"], row["count"], row["total"]] for row in report.by_day]
    filename = f"ventes-{site.pk}-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}.csv"
    return csv_response(filename, [_("Section"), _("Item"), _("Number"), _("Amount (€)")], rows)
