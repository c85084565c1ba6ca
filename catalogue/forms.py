from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from catalogue.enums import (
    MISSING_REASONS,
    Acquisition,
    AdjustmentReason,
    DeviceGrade,
    DeviceStatus,
    Tracking,
)
from catalogue.models import Product
from catalogue.services import DEVICE_TRANSITIONS, StockError, refuse_tracking_change
from connexions.forms import SearchForm
from connexions.models import Partner, ReceptionSite

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# More than any site holds: a bigger number is a typing slip (and would overflow the database).
MAX_QUANTITY = 100_000


def _helper(submit_label, **attrs) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", submit_label))
    for name, value in attrs.items():
        setattr(helper, name, value)
    return helper


def _products(tracking):
    return Product.objects.active().tracked_as(tracking).order_by("name")


def product_label(product) -> str:
    if product.is_active:
        return product.name
    return _("%(product)s (inactive)") % {"product": product.name}


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return product_label(obj)


class KindKeepsTracking:
    """A product with stock keeps its tracking: the app's form and the admin's check it."""

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        try:
            refuse_tracking_change(product=self.instance, kind=kind)
        except StockError as error:
            raise forms.ValidationError(error.message) from error
        return kind


PRODUCT_FIELDS = [
    "name",
    "kind",
    "operator",
    "description",
    "face_value",
    "solidarity_price",
    "reference_price",
    "validity_days",
    "warranty_months",
    "is_active",
]


class ListFilterForm(SearchForm):
    """A list's search box and choice filters, read from the query string. A choice that does not
    validate (an unknown value, a NUL byte) is dropped, so it never reaches the database."""

    def __init__(self, data, *, choices: dict[str, list[str]]):
        super().__init__(data)
        for name, values in choices.items():
            self.fields[name] = forms.ChoiceField(
                required=False, choices=[("", ""), *((value, value) for value in values)]
            )

    def values(self, **defaults) -> dict[str, str]:
        """Every filter's value: what was asked and is valid, else its default (else "")."""
        self.is_valid()
        found = {name: "" for name in self.fields} | defaults
        return found | {k: v for k, v in self.cleaned_data.items() if k in self.data}


class ProductForm(KindKeepsTracking, forms.ModelForm):
    class Meta:
        model = Product
        fields = PRODUCT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"))
        for name in ("face_value", "solidarity_price", "reference_price"):
            self.fields[name].validators.append(MinValueValidator(0))
            self.fields[name].widget.attrs["min"] = 0


class AcquisitionFields(forms.Form):
    """How received stock came: bought, or given by a partner (docs/architecture.md, "Donated
    stock"). A donation names its donor; a purchase names none."""

    acquisition = forms.ChoiceField(
        label=_("Acquisition"),
        choices=Acquisition.choices,
        initial=Acquisition.PURCHASE,
        required=False,
    )
    donor = forms.ModelChoiceField(
        label=_("Donor"),
        queryset=Partner.objects.none(),
        required=False,
        help_text=_("For a donation: the partner who gave it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["donor"].queryset = Partner.objects.filter(is_active=True).order_by("name")

    def clean_acquisition(self):
        return self.cleaned_data["acquisition"] or Acquisition.PURCHASE

    def clean(self):
        data = super().clean()
        acquisition, donor = data.get("acquisition"), data.get("donor")
        if acquisition == Acquisition.DONATION and donor is None:
            self.add_error("donor", _("Choose the partner who donated this stock."))
        if acquisition == Acquisition.PURCHASE and donor is not None:
            self.add_error("donor", _("Purchased stock has no donor: choose donation."))
        return data


class VoucherImportForm(AcquisitionFields):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    file = forms.FileField(
        label=_("Operator's CSV file"),
        help_text=_("Columns serial;pin;expiry (expiry as DD/MM/YYYY or YYYY-MM-DD)."),
    )
    unit_cost = forms.DecimalField(
        label=_("Cost of one voucher (€)"),
        min_value=0,
        max_digits=8,
        decimal_places=2,
        required=False,
        help_text=_("For a purchase. A donated voucher is worth its face value."),
    )

    field_order = ["product", "file", "acquisition", "donor", "unit_cost"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = _products(Tracking.VOUCHER)
        self.helper = _helper(_("Import"), form_tag=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is too large (2 MB at most)."))
        return upload


class DeviceReceptionForm(AcquisitionFields):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    grade = forms.ChoiceField(label=_("Grade"), choices=DeviceGrade.choices)
    refurbisher = forms.CharField(label=_("Refurbisher"), max_length=100, required=False)
    wipe_certificate = forms.CharField(
        label=_("Data-wipe certificate"), max_length=100, required=False
    )
    received_from = forms.CharField(
        label=_("Received from"),
        max_length=150,
        required=False,
        help_text=_("The supplier or the donor."),
    )
    value = forms.DecimalField(
        label=_("Cost or declared value (€)"),
        min_value=0,
        max_digits=8,
        decimal_places=2,
        required=False,
        help_text=_("What one unit cost, or the value its donor declared."),
    )
    code = forms.CharField(
        label=_("IMEI or serial number"),
        max_length=60,
        help_text=_("Scan the code (or type it and press Enter): each unit is added at once."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = _products(Tracking.DEVICE)
        self.fields["code"].widget.attrs.update(autocomplete="off", autofocus=True)

    def clean(self):
        data = super().clean()
        if data.get("acquisition") == Acquisition.DONATION and data.get("value") is None:
            self.add_error("value", _("Enter the value the donor declared."))
        return data


class CountedReceptionForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    quantity = forms.IntegerField(label=_("Quantity received"), min_value=1, max_value=MAX_QUANTITY)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = _products(Tracking.COUNTED)
        self.helper = _helper(_("Receive"))


class CodesTextarea(forms.Textarea):
    """Reads every value posted under its name: the hidden inputs of the scanned list and the
    text area itself."""

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def format_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else super().format_value(value)


class ScannedCodesField(forms.Field):
    """The codes scanned into a page's list (one hidden input each), plus any typed one per
    line in the field's text area: a list of codes."""

    widget = CodesTextarea(attrs={"rows": 3})

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else [value or ""]
        codes = [code.strip() for text in values for code in str(text).splitlines()]
        return [code for code in codes if code]


class TransferForm(forms.Form):
    """What to send at once: the devices scanned into the list, and a quantity of each top-up
    and counted item the site holds (`rows`, from the stock overview)."""

    to_site = forms.ModelChoiceField(label=_("Send to"), queryset=ReceptionSite.objects.none())
    device_codes = ScannedCodesField(
        label=_("Devices typed by hand (one IMEI or serial number per line)"), required=False
    )

    def __init__(self, *args, from_site, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_site"].queryset = ReceptionSite.objects.active().exclude(pk=from_site.pk)
        self.rows = [row for row in rows if row.product.tracking != Tracking.DEVICE]
        for row in self.rows:
            self.fields[f"quantity_{row.product.pk}"] = forms.IntegerField(
                label=product_label(row.product),
                min_value=0,
                max_value=MAX_QUANTITY,
                required=False,
                help_text=_("Available: %(count)s") % {"count": row.level.available},
                widget=forms.NumberInput(attrs={"min": 0, "placeholder": "0"}),
            )

    @property
    def quantity_fields(self):
        return [self[f"quantity_{row.product.pk}"] for row in self.rows]

    def quantities(self) -> dict:
        quantities = {
            row.product: self.cleaned_data.get(f"quantity_{row.product.pk}") or 0
            for row in self.rows
        }
        return {product: quantity for product, quantity in quantities.items() if quantity}

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("device_codes") and not self.quantities():
            raise forms.ValidationError(_("Scan the devices or enter the quantities to send."))
        return data


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("IMEI or serial number"),
        max_length=60,
        help_text=_("Scan the code (or type it and press Enter)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(autocomplete="off", autofocus=True)


class ScanConfirmForm(forms.Form):
    """A reason to choose for each missing unit (`missing` maps a unit's key to its label):
    nothing leaves the stock without one."""

    def __init__(self, *args, missing: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Choose a reason")), *((r.value, r.label) for r in MISSING_REASONS)]
        for key, label in missing.items():
            self.fields[f"reason_{key}"] = forms.ChoiceField(
                label=label, choices=choices, widget=forms.Select(attrs={"class": "form-select"})
            )

    def reasons(self) -> dict[str, str]:
        return {name.removeprefix("reason_"): value for name, value in self.cleaned_data.items()}


class StocktakeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason for the differences"),
        choices=AdjustmentReason.choices,
        initial=AdjustmentReason.STOCKTAKE,
    )

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[f"count_{row.product.pk}"] = forms.IntegerField(
                label=product_label(row.product),
                min_value=0,
                max_value=MAX_QUANTITY,
                initial=row.level.on_hand,
                help_text=_("Expected: %(count)s") % {"count": row.level.on_hand},
            )
            # What the counter was shown: the service refuses the count if the stock moved since.
            self.fields[f"expected_{row.product.pk}"] = forms.IntegerField(
                widget=forms.HiddenInput, min_value=0, initial=row.level.on_hand
            )
        self.helper = _helper(_("Record the stocktake"))

    def counts(self) -> dict:
        return {row.product: self.cleaned_data[f"count_{row.product.pk}"] for row in self.rows}

    def expected(self) -> dict:
        return {row.product: self.cleaned_data[f"expected_{row.product.pk}"] for row in self.rows}


class ThresholdForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    minimum = forms.IntegerField(
        label=_("Alert below"),
        min_value=0,
        max_value=MAX_QUANTITY,
        help_text=_("0 removes the alert."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.active().order_by("name")
        self.helper = _helper(_("Save the threshold"))


class DeviceStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    reason = forms.ChoiceField(
        label=_("Reason (when scrapped)"),
        choices=[("", "—"), *AdjustmentReason.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("The repairer, what was wrong, what was done."),
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = DEVICE_TRANSITIONS.get(device.status, set())
        self.fields["status"].choices = [(s.value, s.label) for s in DeviceStatus if s in allowed]
        self.helper = _helper(_("Change the status"))


class ProductAdminForm(KindKeepsTracking, forms.ModelForm):
    class Meta:
        model = Product
        fields = PRODUCT_FIELDS
