from django.contrib import messages
from django.db.models import CharField, Q, Value
from django.db.models.functions import Coalesce, Concat, NullIf
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalogue import selectors, services
from catalogue.enums import (
    AdjustmentReason,
    DeviceStatus,
    MovementKind,
    ProductKind,
    TransferStatus,
    VoucherStatus,
)
from catalogue.forms import (
    CountedReceptionForm,
    DeviceReceptionForm,
    DeviceStatusForm,
    ListFilterForm,
    ProductForm,
    StocktakeForm,
    ThresholdForm,
    VoucherImportForm,
)
from catalogue.models import Device, Product, Transfer, Voucher, VoucherBatch
from catalogue.perms import may_manage_catalogue
from catalogue.services import StockError, VoucherImportError
from connexions.errors import show_refusal
from connexions.exports import CsvText, csv_copy_stream, csv_datetime, csv_label
from connexions.pagination import paginate
from connexions.perms import Action, action_required, can

manage_stock = action_required(Action.MANAGE_STOCK, at_current_site=True)


# --- catalogue --------------------------------------------------------------------------------


@action_required(Action.VIEW_CATALOGUE)
def product_list(request):
    products = Product.objects.visible_to(request.user).select_related("operator")
    products = products.order_by("kind", "name")
    filters = ListFilterForm(request.GET, choices={"kind": ProductKind.values}).values()
    query, kind = filters["q"], filters["kind"]
    if query:
        products = products.filter(Q(name__icontains=query) | Q(operator__name__icontains=query))
    if kind:
        products = products.filter(kind=kind)
    page = paginate(request, products)
    levels = selectors.stock_levels(request.current_site) if request.current_site else {}
    rows = [(product, levels.get(product.pk)) for product in page]
    return render(
        request,
        "catalogue/product_list.html",
        {
            "page_obj": page,
            "rows": rows,
            "query": query,
            "kind": kind,
            "kinds": ProductKind.choices,
            "may_manage": may_manage_catalogue(request.user),
        },
    )


@action_required(Action.VIEW_CATALOGUE)
def product_detail(request, pk):
    product = get_object_or_404(
        Product.objects.visible_to(request.user).select_related("operator"), pk=pk
    )
    level = None
    if request.current_site:
        level = selectors.stock_levels(request.current_site).get(product.pk)
    return render(
        request,
        "catalogue/product_detail.html",
        {
            "product": product,
            "level": level,
            "prices": selectors.price_history(product)[:20],
            "limits": selectors.rules_for_product(product),
            "may_manage": may_manage_catalogue(request.user),
        },
    )


@action_required(Action.MANAGE_CATALOGUE)
def product_edit(request, pk=None):
    product = get_object_or_404(Product, pk=pk) if pk else Product()
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_save(product=form.save(commit=False), actor=request.user)
        except StockError as exc:
            show_refusal(request, exc, form=form, field="kind")
        else:
            messages.success(request, _("The product has been saved."))
            return redirect("catalogue:product_detail", pk=product.pk)
    return render(request, "catalogue/product_form.html", {"form": form, "product": product})


# --- stock ------------------------------------------------------------------------------------


@action_required(Action.VIEW_CATALOGUE, at_current_site=True)
def stock_overview(request):
    site = request.current_site
    rows = selectors.stock_overview(site)
    return render(
        request,
        "catalogue/stock_overview.html",
        {
            "rows": rows,
            "low_count": sum(1 for row in rows if row.is_low),
            "incoming": Transfer.objects.of_site(site)
            .filter(to_site=site, status=TransferStatus.IN_TRANSIT)
            .select_related("from_site")[:10],
            "may_manage_stock": can(request.user, Action.MANAGE_STOCK, site),
            "may_manage_catalogue": may_manage_catalogue(request.user),
        },
    )


@manage_stock
def movement_list(request):
    movements = selectors.movements_at(request.current_site)
    filters = ListFilterForm(request.GET, choices={"kind": MovementKind.values}).values()
    query, kind = filters["q"], filters["kind"]
    if kind:
        movements = movements.filter(kind=kind)
    if query:
        movements = movements.filter(
            Q(product__name__icontains=query)
            | Q(reference__icontains=query)
            | Q(device__imei=query)
            | Q(device__serial=query.upper())
        )
    if request.GET.get("format") == "csv":
        return _movements_csv(movements)
    return render(
        request,
        "catalogue/movement_list.html",
        {
            "page_obj": paginate(request, movements, per_page=50),
            "kinds": MovementKind.choices,
            "kind": kind,
            "query": query,
        },
    )


def _movements_csv(movements):
    """The ledger export in the page's order, formatted and written by PostgreSQL (a site's
    ledger holds millions of rows: docs/architecture.md, "Data at scale")."""
    rows = movements.values_list(
        csv_datetime("at"),
        CsvText("product__name"),
        csv_label("kind", MovementKind.choices),
        "quantity",
        csv_label("reason", AdjustmentReason.choices, unknown_blank=True),
        CsvText(
            Coalesce(
                "device__imei",
                "device__serial",
                "voucher__serial",
                Value(""),
                output_field=CharField(),
            )
        ),
        CsvText("reference"),
        CsvText(
            Coalesce(
                NullIf(Concat("actor__first_name", Value(" "), "actor__last_name"), Value(" ")),
                "actor__email",
                Value(""),
                output_field=CharField(),
            )
        ),
    )
    return csv_copy_stream(
        "mouvements-de-stock.csv",
        [
            _("Date"),
            _("Product"),
            _("Movement"),
            _("Quantity"),
            _("Reason"),
            _("Unit"),
            _("Reference"),
            _("By"),
        ],
        rows,
    )


@manage_stock
def voucher_list(request):
    site = request.current_site
    vouchers = (
        Voucher.objects.at_site(site)
        .select_related("product")
        .order_by("product__name", "expires_on")
    )
    filters = ListFilterForm(request.GET, choices={"status": VoucherStatus.values})
    filters = filters.values(status=VoucherStatus.IN_STOCK)
    query, status = filters["q"], filters["status"]
    if query:
        vouchers = vouchers.filter(Q(serial__icontains=query) | Q(product__name__icontains=query))
    if status:
        vouchers = vouchers.filter(status=status)
    batches = VoucherBatch.objects.at_site(site).select_related("product", "imported_by", "donor")
    batches = batches[:10]
    return render(
        request,
        "catalogue/voucher_list.html",
        {
            "page_obj": paginate(request, vouchers),
            "batches": batches,
            "query": query,
            "status": status,
        },
    )


@manage_stock
def voucher_import(request):
    form = VoucherImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.vouchers_import(
                site=request.current_site,
                product=form.cleaned_data["product"],
                content=upload.read(),
                filename=upload.name,
                acquisition=form.cleaned_data["acquisition"],
                donor=form.cleaned_data["donor"],
                unit_cost=form.cleaned_data["unit_cost"],
                actor=request.user,
            )
        except VoucherImportError as exc:
            errors = exc.errors
            show_refusal(request, exc, form=form, field="file")
        except StockError as exc:
            show_refusal(request, exc, form=form)
        else:
            messages.success(
                request,
                _("%(count)s vouchers imported.") % {"count": batch.quantity},
            )
            return redirect("catalogue:voucher_list")
    return render(request, "catalogue/voucher_import.html", {"form": form, "errors": errors})


@manage_stock
def device_list(request):
    devices = Device.objects.at_site(request.current_site).select_related("product")
    filters = ListFilterForm(request.GET, choices={"status": DeviceStatus.values}).values()
    query, status = filters["q"], filters["status"]
    if query:
        code = query.upper()
        devices = devices.filter(
            Q(imei__startswith=code)
            | Q(serial__startswith=code)
            | Q(product__name__icontains=query)
        )
    if status:
        devices = devices.filter(status=status)
    return render(
        request,
        "catalogue/device_list.html",
        {
            "page_obj": paginate(request, devices),
            "query": query,
            "status": status,
            "statuses": DeviceStatus.choices,
        },
    )


@manage_stock
def device_receive(request):
    """The reception page: each scanned code is posted by htmx and its unit added in place."""
    if request.method != "POST":
        form = DeviceReceptionForm(initial={"grade": "A"})
        return render(request, "catalogue/device_receive.html", {"form": form, "received": []})
    form = DeviceReceptionForm(request.POST)
    device, error = None, None
    if form.is_valid():
        data = form.cleaned_data
        try:
            device = services.device_receive(
                site=request.current_site,
                product=data["product"],
                code=data["code"],
                grade=data["grade"],
                refurbisher=data["refurbisher"],
                wipe_certificate=data["wipe_certificate"],
                received_from=data["received_from"],
                acquisition=data["acquisition"],
                donor=data["donor"],
                value=data["value"],
                actor=request.user,
            )
        except StockError as exc:
            error = exc.message
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    context = {"device": device, "error": error, "code": request.POST.get("code", "")}
    if request.htmx:
        return render(request, "catalogue/_scan_result.html", context)
    if device:
        messages.success(request, _("%(code)s received.") % {"code": device.code})
    return render(
        request,
        "catalogue/device_receive.html",
        {"form": form, "received": [device] if device else [], **context},
    )


@manage_stock
def device_detail(request, pk):
    device = get_object_or_404(
        Device.objects.at_site(request.current_site).select_related("product", "donor"), pk=pk
    )
    form = DeviceStatusForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        try:
            services.device_change_status(
                device=device,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except StockError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("The status has been changed."))
        return redirect("catalogue:device_detail", pk=device.pk)
    return render(
        request,
        "catalogue/device_detail.html",
        {
            "device": device,
            "form": form,
            "history": selectors.device_history(device),
            "acquisition": selectors.device_acquisition(device),
            "warranty_end": selectors.device_warranty_end(device),
        },
    )


@manage_stock
def counted_receive(request):
    form = CountedReceptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.counted_stock_receive(
                site=request.current_site,
                product=form.cleaned_data["product"],
                quantity=form.cleaned_data["quantity"],
                actor=request.user,
            )
        except StockError as exc:
            show_refusal(request, exc, form=form)
        else:
            messages.success(request, _("The items have been received."))
            return redirect("catalogue:stock")
    return render(
        request,
        "catalogue/simple_form.html",
        {"form": form, "title": _("Receive counted items")},
    )


@manage_stock
def transfer_list(request):
    transfers = Transfer.objects.of_site(request.current_site).select_related(
        "from_site", "to_site", "sent_by"
    )
    return render(
        request, "catalogue/transfer_list.html", {"page_obj": paginate(request, transfers)}
    )


@manage_stock
def transfer_detail(request, pk):
    transfers = Transfer.objects.of_site(request.current_site).select_related(
        "from_site", "to_site", "sent_by", "received_by"
    )
    transfer = get_object_or_404(transfers, pk=pk)
    return render(
        request,
        "catalogue/transfer_detail.html",
        {
            "transfer": transfer,
            "lines": transfer.lines.select_related("product"),
            "devices": transfer.devices.select_related("product"),
            "may_receive": transfer.status == TransferStatus.IN_TRANSIT
            and transfer.to_site_id == request.current_site.pk,
        },
    )


@require_POST
@manage_stock
def transfer_receive(request, pk):
    site = request.current_site
    transfer = get_object_or_404(Transfer.objects.of_site(site).filter(to_site=site), pk=pk)
    try:
        services.transfer_receive(transfer=transfer, actor=request.user)
    except StockError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("The transfer has been received into your stock."))
    return redirect("catalogue:transfer_detail", pk=transfer.pk)


@manage_stock
def stocktake_create(request):
    site = request.current_site
    rows = _stocktake_rows(site)
    if not rows:
        raise Http404
    form = StocktakeForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            stocktake = services.stocktake_record(
                site=site,
                counts=form.counts(),
                expected=form.expected(),
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except services.StockChangedWhileCounting as exc:
            show_refusal(request, exc)
            form = _recount_form(site, form, exc.products)
        else:
            changed = sum(1 for line in stocktake.lines.all() if line.difference)
            messages.success(
                request,
                _("Stocktake recorded: %(count)s quantities adjusted.") % {"count": changed},
            )
            return redirect("catalogue:stock")
    return render(request, "catalogue/simple_form.html", {"form": form, "title": _("Stocktake")})


def _recount_form(site, refused: StocktakeForm, changed) -> StocktakeForm:
    """The stocktake form again, with today's expected quantities: the lines whose stock moved
    are left empty to be counted again, the others keep what was typed."""
    rows = _stocktake_rows(site)
    counts = {p.pk: n for p, n in refused.counts().items() if p not in changed}
    initial = {"reason": refused.cleaned_data["reason"]}
    initial |= {f"count_{pk}": n for pk, n in counts.items()}
    initial |= {f"count_{p.pk}": None for p in changed}
    return StocktakeForm(rows=rows, initial=initial)


def _stocktake_rows(site):
    return selectors.stock_overview(site, products=Product.objects.tracked_as("counted"))


@manage_stock
def threshold_edit(request):
    form = ThresholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.threshold_set(
            site=request.current_site,
            product=form.cleaned_data["product"],
            minimum=form.cleaned_data["minimum"],
            actor=request.user,
        )
        messages.success(request, _("The alert threshold has been saved."))
        return redirect("catalogue:stock")
    return render(
        request, "catalogue/simple_form.html", {"form": form, "title": _("Low-stock alert")}
    )
