from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from connexions.forms import DateField, DateInput
from connexions.models import PartnerAgency
from sales.enums import PaymentMethod
from sales.services import PaymentLine

MONEY = {"max_digits": 9, "decimal_places": 2, "min_value": Decimal("0"), "localize": True}


class OpenTillForm(forms.Form):
    opening_float = forms.DecimalField(label=_("Cash float (€)"), **MONEY)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = "sales:till_open"
        self.helper.add_input(Submit("submit", _("Open the till")))


class CloseTillForm(forms.Form):
    counted_cash = forms.DecimalField(
        label=_("Cash counted in the drawer (€)"),
        help_text=_("Count the notes and coins, float included."),
        **MONEY,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Close the till"), css_class="btn-danger"))


class PaymentForm(forms.Form):
    """How the person pays: one or several methods whose sum is the total (checked by the
    service, which knows the total)."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    cash_amount = forms.DecimalField(label=_("Cash"), required=False, **MONEY)
    cash_received = forms.DecimalField(label=_("Cash received"), required=False, **MONEY)
    card_amount = forms.DecimalField(label=_("Bank card"), required=False, **MONEY)
    card_reference = forms.CharField(
        label=_("Card terminal reference"), required=False, max_length=80
    )
    cheque_amount = forms.DecimalField(label=_("Cheque"), required=False, **MONEY)
    cheque_reference = forms.CharField(label=_("Cheque number"), required=False, max_length=80)
    agency = forms.ModelChoiceField(
        label=_("Funding agency"),
        queryset=PartnerAgency.objects.active(),
        required=False,
    )
    agency_amount = forms.DecimalField(label=_("Amount funded"), required=False, **MONEY)
    agency_reference = forms.CharField(label=_("Funding reference"), required=False, max_length=80)

    def clean(self):
        data = super().clean()
        if data.get("agency_amount") and not data.get("agency"):
            self.add_error("agency", _("Choose the agency that funds this sale."))
        if data.get("agency_amount") and not data.get("agency_reference"):
            self.add_error("agency_reference", _("Give the agency's funding reference."))
        cash, received = data.get("cash_amount"), data.get("cash_received")
        if cash and received is not None and received < cash:
            self.add_error("cash_received", _("Less than the cash due."))
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
    method = forms.ChoiceField(label=_("Give the money back by"), choices=PaymentMethod.choices)
    reason = forms.CharField(label=_("Reason"), max_length=255)
    voucher_unused = forms.BooleanField(
        label=_("I checked that the top-up PIN was not used"), required=False
    )

    def __init__(self, *args, lines, refundable: dict, **kwargs):
        """`refundable`: what may still be given back by each method (the methods that paid
        the sale); only those are offered."""
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.fields["method"].choices = [
            (method, f"{label} ({formats.number_format(refundable[method], 2)} €)")
            for method, label in PaymentMethod.choices
            if method in refundable
        ]
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
