from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.validators import RegexValidator
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from connexions.forms import DateField, DateInput
from connexions.models import PartnerAgency
from sales.enums import CashMovementKind, PaymentMethod, RefundReason
from sales.services import REFERENCE_MESSAGE, REFERENCE_PATTERN, PaymentLine, normalise_reference

MONEY = {"max_digits": 9, "decimal_places": 2, "min_value": Decimal("0"), "localize": True}


class OpenTillForm(forms.Form):
    opening_float = forms.DecimalField(label=_("Cash float (€)"), **MONEY)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = "sales:till_open"
        self.helper.add_input(Submit("submit", _("Open the till")))


class ReferenceField(forms.CharField):
    """A card, cheque or agency reference: an identifier, never a name (it is hashed into the
    journal, which cannot be erased)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=30, **kwargs)
        self.validators.append(RegexValidator(REFERENCE_PATTERN, REFERENCE_MESSAGE))

    def to_python(self, value):
        return normalise_reference(super().to_python(value))


class PaymentForm(forms.Form):
    """How the person pays: one or several methods whose sum is the total (checked by the
    service, which knows the total)."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    cash_amount = forms.DecimalField(label=_("Cash"), required=False, **MONEY)
    cash_received = forms.DecimalField(label=_("Cash received"), required=False, **MONEY)
    card_amount = forms.DecimalField(label=_("Bank card"), required=False, **MONEY)
    card_reference = ReferenceField(label=_("Card terminal reference"))
    cheque_amount = forms.DecimalField(label=_("Cheque"), required=False, **MONEY)
    cheque_reference = ReferenceField(label=_("Cheque number"))
    agency = forms.ModelChoiceField(
        label=_("Funding agency"),
        queryset=PartnerAgency.objects.active(),
        required=False,
    )
    agency_amount = forms.DecimalField(label=_("Amount funded"), required=False, **MONEY)
    agency_reference = ReferenceField(label=_("Funding reference"))

    def clean(self):
        data = super().clean()
        if data.get("agency_amount") and not data.get("agency"):
            self.add_error("agency", _("Choose the agency that funds this sale."))
        if data.get("agency_amount") and not data.get("agency_reference"):
            self.add_error("agency_reference", _("Give the agency's funding reference."))
        cash, received = data.get("cash_amount"), data.get("cash_received")
        if cash and received is not None and received < cash:
            missing = formats.number_format(cash - received, 2)
            self.add_error("cash_received", _("%(amount)s € short in cash.") % {"amount": missing})
        return data

    def payments(self) -> list[PaymentLine]:
        data = self.cleaned_data
        found = []
        for method, amount, reference in [
            (PaymentMethod.CASH, data.get("cash_amount"), ""),
            (PaymentMethod.CARD, data.get("card_amount"), data.get("card_reference", "")),
            (PaymentMethod.CHEQUE, data.get("cheque_amount"), data.get("cheque_reference", "")),
        ]:
            if amount:
                found.append(PaymentLine(method, amount, reference))
        if data.get("agency_amount"):
            found.append(
                PaymentLine(
                    PaymentMethod.AGENCY,
                    data["agency_amount"],
                    data.get("agency_reference", ""),
                    data.get("agency"),
                )
            )
        return found


class RefundForm(forms.Form):
    """What comes back (a quantity per sale line) and where the money goes (an amount per
    payment source of the sale, proposed by the page as the natural split)."""

    reason = forms.ChoiceField(label=_("Reason"), choices=RefundReason.choices)
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept apart from the journal; no health or personal details."),
    )
    voucher_unused = forms.BooleanField(
        label=_("I checked that the top-up PIN was not used"), required=False
    )

    def __init__(self, *args, lines, sources, **kwargs):
        """`sources`: the sale's payment sources (`sales.money.RefundSource`); each gets an
        amount field capped at what it may still give back."""
        super().__init__(*args, **kwargs)
        self.lines, self.sources = lines, sources
        for line in lines:
            remaining = line.quantity - line.refunded
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=line.product_name,
                min_value=0,
                max_value=remaining,
                initial=0,
                disabled=remaining == 0,
                required=False,
            )
        for source in sources:
            self.fields[f"pay_{source.key}"] = forms.DecimalField(
                label=source.label,
                required=False,
                max_value=max(source.available, Decimal("0")),
                help_text=_("at most %(amount)s €")
                % {"amount": formats.number_format(max(source.available, 0), 2)},
                **MONEY,
            )

    def line_fields(self):
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def source_fields(self):
        return [(source, self[f"pay_{source.key}"]) for source in self.sources]

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data.get(f"line_{line.pk}") or 0
            for line in self.lines
            if not self.fields[f"line_{line.pk}"].disabled
        }

    def split(self) -> dict[str, Decimal] | None:
        """{source key: amount}, or None (the natural split) when no amount was typed."""
        typed = {source.key: self.cleaned_data.get(f"pay_{source.key}") for source in self.sources}
        if all(value is None for value in typed.values()):
            return None
        return {key: value or Decimal("0") for key, value in typed.items()}


class ExchangeForm(forms.Form):
    """What comes back (a quantity per sale line), what is sold instead (one product, scanned
    when it is a device) and how a balance due is paid."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    product = forms.ModelChoiceField(label=_("New item"), queryset=None)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=20, initial=1)
    device_code = forms.CharField(
        label=_("IMEI or serial number (devices)"), required=False, max_length=40
    )
    method = forms.ChoiceField(
        label=_("Balance paid by"),
        choices=[
            (m, label)
            for m, label in PaymentMethod.choices
            if m in (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.CHEQUE)
        ],
    )
    reference = ReferenceField(label=_("Card or cheque reference"))
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)
    voucher_unused = forms.BooleanField(
        label=_("I checked that the top-up PIN was not used"), required=False
    )

    def __init__(self, *args, lines, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.fields["product"].queryset = products
        for line in lines:
            remaining = line.quantity - line.refunded
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=line.product_name,
                min_value=0,
                max_value=remaining,
                initial=0,
                disabled=remaining == 0,
                required=False,
            )

    def line_fields(self):
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data.get(f"line_{line.pk}") or 0
            for line in self.lines
            if not self.fields[f"line_{line.pk}"].disabled
        }


class CashMovementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Reason"), choices=CashMovementKind.choices)
    amount = forms.DecimalField(label=_("Amount (€)"), **MONEY)
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


# Notes and coins of the euro, in EUR, for the count by denomination.
DENOMINATIONS = [
    Decimal(value)
    for value in (
        "500",
        "200",
        "100",
        "50",
        "20",
        "10",
        "5",
        "2",
        "1",
        "0.50",
        "0.20",
        "0.10",
        "0.05",
        "0.02",
        "0.01",
    )
]


class BlindCountForm(forms.Form):
    """The close's first step: the cash counted, before anything says what was expected. The
    count may be typed by denomination (the total is computed) or as a total."""

    counted_cash = forms.DecimalField(
        label=_("Cash counted in the drawer (€)"),
        help_text=_("Count the notes and coins, float included."),
        required=False,
        **MONEY,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value in DENOMINATIONS:
            self.fields[self.denomination_name(value)] = forms.IntegerField(
                label=f"{formats.number_format(value, 2)} €",
                min_value=0,
                max_value=100000,
                required=False,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
            )

    @staticmethod
    def denomination_name(value: Decimal) -> str:
        return "n_" + f"{value:.2f}".replace(".", "_")

    def denomination_fields(self):
        return [self[self.denomination_name(value)] for value in DENOMINATIONS]

    def clean(self):
        data = super().clean()
        counts = {
            f"{value:.2f}": data.get(self.denomination_name(value))
            for value in DENOMINATIONS
            if data.get(self.denomination_name(value))
        }
        if counts:
            data["denominations"] = counts
            data["counted_cash"] = sum(
                (Decimal(value) * count for value, count in counts.items()), Decimal("0.00")
            )
        elif data.get("counted_cash") is None and not self.errors:
            self.add_error(
                "counted_cash", _("Enter the cash counted, or the count of each note and coin.")
            )
        else:
            data["denominations"] = {}
        return data


class DifferenceForm(forms.Form):
    """The close's second step, when the difference is above the setting: a comment and a site
    manager's confirmation with their own password."""

    comment = forms.CharField(
        label=_("Explain the difference"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    manager = forms.ModelChoiceField(
        label=_("Site manager who confirms"), queryset=None, required=False
    )
    manager_password = forms.CharField(
        label=_("Their password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, managers, needed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.needed = needed
        self.fields["manager"].queryset = managers

    def clean(self):
        data = super().clean()
        if not self.needed:
            return data
        if not (data.get("comment") or "").strip():
            self.add_error("comment", _("Explain the difference."))
        manager = data.get("manager")
        if manager is None:
            self.add_error("manager", _("Choose the site manager who confirms."))
        elif not manager.check_password(data.get("manager_password") or ""):
            self.add_error("manager_password", _("This password is not the site manager's."))
        return data


class ReportForm(forms.Form):
    start = DateField(
        label=pgettext_lazy("period", "From"),
        widget=DateInput(attrs={"class": "form-control"}),
    )
    end = DateField(
        label=pgettext_lazy("period", "To"),
        widget=DateInput(attrs={"class": "form-control"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data
