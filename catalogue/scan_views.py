"""Stock handled by scanning: the stocktake of devices and vouchers, and transfers of many
items at once. Each scanned code is posted by htmx (static/js/scan.js) and answered in place;
without JavaScript the same forms post as plain pages."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalogue import selectors, services
from catalogue.forms import ScanConfirmForm, ScanForm, TransferForm
from catalogue.models import ScanCount, StockMovement
from catalogue.services import StockError, TransferItem, unit_key
from connexions.errors import show_refusal
from connexions.pagination import paginate
from connexions.perms import Action, action_required

manage_stock = action_required(Action.MANAGE_STOCK, at_current_site=True)


# --- stocktake by scanning --------------------------------------------------------------------


@manage_stock
def scan_count_list(request):
    """The site's counts by scanning, and the button that starts (or resumes) one."""
    site = request.current_site
    if request.method == "POST":
        count = services.scan_count_start(site=site, actor=request.user)
        return redirect("catalogue:scan_count", pk=count.pk)
    counts = ScanCount.objects.at_site(site).select_related("started_by", "stocktake")
    return render(
        request,
        "catalogue/scan_count_list.html",
        {
            "page_obj": paginate(request, counts),
            "open_count": ScanCount.objects.at_site(site).filter(stocktake__isnull=True).first(),
        },
    )


def _site_count(request, pk) -> ScanCount:
    counts = ScanCount.objects.at_site(request.current_site).select_related("site", "stocktake")
    return get_object_or_404(counts, pk=pk)


def _missing_labels(state) -> dict[str, str]:
    return {unit_key(unit): f"{unit.product.name} {unit.code}" for unit in state.missing}


def _count_context(count, state, confirm_form=None) -> dict:
    return {
        "count": count,
        "state": state,
        "confirm_form": confirm_form or ScanConfirmForm(missing=_missing_labels(state)),
    }


@manage_stock
def scan_count_detail(request, pk):
    count = _site_count(request, pk)
    if not count.is_open:
        movements = StockMovement.objects.filter(stocktake=count.stocktake).select_related(
            "product", "device", "voucher"
        )
        return render(
            request,
            "catalogue/scan_count_done.html",
            {
                "count": count,
                "lines": count.stocktake.lines.select_related("product"),
                "movements": movements,
            },
        )
    state = services.scan_count_state(count)
    return render(
        request,
        "catalogue/scan_count.html",
        {**_count_context(count, state), "form": ScanForm()},
    )


@require_POST
@manage_stock
def scan_count_scan(request, pk):
    """One scanned code: the unit joins the scanned list, or the refusal is said on the spot."""
    count = _site_count(request, pk)
    form = ScanForm(request.POST)
    outcome, error = None, None
    if form.is_valid():
        try:
            outcome = services.scan_count_scan(
                count=count, code=form.cleaned_data["code"], actor=request.user
            )
        except StockError as exc:
            error = exc.message
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif outcome.warning:
            messages.warning(request, outcome.warning)
        else:
            messages.success(request, _("%(unit)s counted.") % {"unit": outcome.scan})
        return redirect("catalogue:scan_count", pk=count.pk)
    state = services.scan_count_state(count)
    return render(
        request,
        "catalogue/_count_scan_result.html",
        {
            **_count_context(count, state),
            "outcome": outcome,
            "error": error,
            "code": request.POST.get("code", ""),
        },
    )


@require_POST
@manage_stock
def scan_count_confirm(request, pk):
    count = _site_count(request, pk)
    state = services.scan_count_state(count)
    form = ScanConfirmForm(request.POST, missing=_missing_labels(state))
    if form.is_valid():
        try:
            services.scan_count_confirm(count=count, reasons=form.reasons(), actor=request.user)
        except StockError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("The stocktake has been recorded in the ledger."))
            return redirect("catalogue:scan_count", pk=count.pk)
    else:
        messages.error(request, _("Give a reason for each missing unit."))
    if not count.is_open:
        return redirect("catalogue:scan_count", pk=count.pk)
    return render(
        request,
        "catalogue/scan_count.html",
        {**_count_context(count, state, form), "form": ScanForm()},
        status=200,
    )


# --- transfers of many items at once ----------------------------------------------------------


def _transfer_form(request):
    site = request.current_site
    return TransferForm(request.POST or None, from_site=site, rows=selectors.stock_overview(site))


@manage_stock
def transfer_create(request):
    """Devices scanned into the list and quantities of top-ups and counted items, sent at once."""
    site = request.current_site
    form = _transfer_form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        items = [TransferItem(product, quantity=n) for product, n in form.quantities().items()]
        if data["device_codes"]:
            items.append(TransferItem(product=None, device_codes=data["device_codes"]))
        try:
            transfer = services.transfer_send(
                from_site=site, to_site=data["to_site"], items=items, actor=request.user
            )
        except StockError as exc:
            show_refusal(request, exc, form=form)
        else:
            messages.success(request, _("The stock is on its way."))
            return redirect("catalogue:transfer_detail", pk=transfer.pk)
    return render(request, "catalogue/transfer_form.html", {"form": form, "scan_form": ScanForm()})


@require_POST
@manage_stock
def transfer_scan(request):
    """A device scanned for a transfer: checked at once and added to the list (a hidden input of
    the transfer's form), or refused on the spot. Nothing is written."""
    form = ScanForm(request.POST)
    device, error = None, None
    if form.is_valid():
        try:
            device = services.transferable_device(
                site=request.current_site,
                code=form.cleaned_data["code"],
                listed=request.POST.get("listed", "").split(),
            )
        except StockError as exc:
            error = exc.message
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("catalogue:transfer_create")
    return render(
        request,
        "catalogue/_transfer_scan_result.html",
        {"device": device, "error": error, "code": request.POST.get("code", "")},
    )
