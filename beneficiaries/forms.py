from datetime import date
from decimal import Decimal

from crispy_forms.bootstrap import InlineCheckboxes, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Fieldset, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from beneficiaries.enums import (
    AgreementKind,
    ConsentKind,
    DeclineReason,
    EmploymentStatus,
    ErasureReason,
    HousingSituation,
    MediationStatus,
    Need,
    OfferKind,
    PlanType,
    ReferralChannel,
    ReferralStatus,
    SituationProfile,
    SupportTopic,
    TelecomOperator,
)
from connexions.forms import DateField, DateInput, SearchForm
from connexions.models import PartnerAgency, ReceptionSite
from connexions.text import FREE_TEXT_MAX_LENGTH

# France and its overseas departments and territories.
_FRENCH_COUNTRY_CODES = {33, 262, 269, 508, 590, 594, 596, 681, 687, 689}
_MONEY = {"max_digits": 7, "decimal_places": 2, "min_value": 0, "localize": True}


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


def _date_input():
    return DateInput()


class FrenchPhoneField(PhoneNumberField):
    """A French phone number (mainland or overseas), stored E.164."""

    def __init__(self, **kwargs):
        super().__init__(region="FR", **kwargs)

    def clean(self, value):
        number = super().clean(value)
        if number and number.country_code not in _FRENCH_COUNTRY_CODES:
            raise forms.ValidationError(_("Enter a French phone number."))
        return number


class PersonFields(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    birth_date = DateField(label=_("Birth date"), widget=_date_input())
    phone = FrenchPhoneField(
        label=_("Mobile phone"),
        required=False,
        help_text=_("Optional. French number, for example 06 12 34 56 78."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    city = forms.CharField(label=_("City"), max_length=100)

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if birth_date > today:
            raise forms.ValidationError(_("The birth date cannot be in the future."))
        if birth_date < date(today.year - 120, 1, 1):
            raise forms.ValidationError(_("Check the birth date."))
        return birth_date

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()

    def person(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in PersonFields.base_fields}


class ReferralForm(PersonFields):
    """A social worker refers a person."""

    profile = forms.ChoiceField(
        label=_("Situation profile"), choices=[("", "—"), *SituationProfile.choices]
    )
    needs = forms.MultipleChoiceField(
        label=_("Needs"), choices=Need.choices, widget=forms.CheckboxSelectMultiple
    )
    site = forms.ModelChoiceField(
        label=_("Preferred reception site"), queryset=ReceptionSite.objects.active()
    )
    comment = forms.CharField(
        label=_("Comment for the counsellors"),
        required=False,
        max_length=FREE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent_attested = forms.BooleanField(
        label=_(
            "I certify that the person agreed to this referral and was told how their data "
            "will be used by the programme."
        ),
        error_messages={"required": _("The person's agreement is required to refer them.")},
    )
    sms_consent_attested = forms.BooleanField(
        label=_("The person agreed to receive SMS about their appointments."),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
        self.helper.layout = Layout(*self._referrer_rows(), *self._person_rows())

    def _referrer_rows(self):
        return [Row(Column("site"))] if "site" in self.fields else []

    def _person_rows(self):
        return [
            Fieldset(
                _("Person"),
                Row(Column("first_name"), Column("last_name"), Column("birth_date")),
                Row(Column("phone"), Column("email"), Column("city")),
            ),
            Fieldset(
                _("Situation and needs"),
                Row(Column("profile"), Column(InlineCheckboxes("needs"))),
                "comment",
            ),
            "consent_attested",
            "sms_consent_attested",
        ]

    def person(self) -> dict:
        return {
            **super().person(),
            "sms_consent_attested": self.cleaned_data["sms_consent_attested"],
            "profile": self.cleaned_data["profile"],
            "needs": self.cleaned_data["needs"],
            "comment": self.cleaned_data["comment"],
        }


class StaffReferralForm(ReferralForm):
    """Staff record a referral received by phone or on paper, at their current site."""

    agency = forms.ModelChoiceField(
        label=_("Partner agency"), queryset=PartnerAgency.objects.active()
    )
    referrer_name = forms.CharField(label=_("Referrer's name"), max_length=150)
    referrer_email = forms.EmailField(
        label=_("Referrer's e-mail"),
        required=False,
        help_text=_("Optional: they will be told if the referral is declined or expires."),
    )
    channel = forms.ChoiceField(
        label=_("Received"),
        choices=[(c.value, c.label) for c in ReferralChannel if c != ReferralChannel.PORTAL],
    )

    def _referrer_rows(self):
        return [
            Fieldset(
                _("Referrer"),
                Row(
                    Column("agency"),
                    Column("referrer_name"),
                    Column("referrer_email"),
                    Column("channel"),
                ),
            )
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["site"]
        self.fields["consent_attested"].label = _(
            "The referrer certified that the person agreed to this referral and was told how "
            "their data will be used."
        )


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DeclineReason.choices)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=FREE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the referring social worker. Required for “Other”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == DeclineReason.OTHER and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Explain the reason."))
        return cleaned


class BaselineFields(forms.Form):
    has_mobile = forms.TypedChoiceField(
        label=_("Has a mobile phone"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    plan_type = forms.ChoiceField(label=_("Plan type"), choices=PlanType.choices)
    operator = forms.ChoiceField(
        label=_("Operator"), choices=[("", "—"), *TelecomOperator.choices], required=False
    )
    monthly_spending = forms.DecimalField(
        label=_("Monthly telecom spending (EUR)"), required=False, **_MONEY
    )
    has_computer = forms.BooleanField(label=_("Has a computer"), required=False)
    has_internet = forms.BooleanField(label=_("Has internet at home"), required=False)
    employment_status = forms.ChoiceField(
        label=_("Employment status"), choices=EmploymentStatus.choices
    )
    housing = forms.ChoiceField(label=_("Housing situation"), choices=HousingSituation.choices)
    household_size = forms.IntegerField(label=_("Household size"), min_value=1, max_value=30)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("has_mobile") is False and cleaned.get("plan_type") not in (
            None,
            PlanType.NONE,
        ):
            self.add_error("plan_type", _("Without a mobile phone, the plan type is “None”."))
        return cleaned

    def baseline(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in BaselineFields.base_fields}


class ConsentFields(forms.Form):
    consent_data_processing = forms.BooleanField(
        label=_("The person agrees to the processing of their data by the programme."),
        error_messages={"required": _("Without this agreement, the person cannot be enrolled.")},
    )
    consent_sms_reminders = forms.BooleanField(
        label=_("The person agrees to receive SMS reminders."), required=False
    )
    consent_share_outcomes = forms.BooleanField(
        label=_("The person agrees that the referrer is told the outcomes of their support."),
        required=False,
    )

    def consents(self) -> dict[str, bool]:
        return {kind: bool(self.cleaned_data.get(f"consent_{kind}")) for kind in ConsentKind}


class EnrolmentForm(PersonFields, BaselineFields, ConsentFields):
    confirmed_new = forms.BooleanField(
        label=_("I checked the people above: this is a different person."), required=False
    )

    def __init__(self, *args, duplicates_found: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates_found = duplicates_found
        self.helper = _helper()
        check = [Field("confirmed_new", wrapper_class="alert alert-warning")]
        if not duplicates_found:
            del self.fields["confirmed_new"]
            check = []
        self.helper.layout = Layout(
            *check,
            Fieldset(
                _("Identity"),
                Row(Column("first_name"), Column("last_name")),
                Row(Column("birth_date"), Column("phone")),
                Row(Column("email"), Column("city")),
            ),
            Fieldset(
                _("Situation at enrolment"),
                Row(Column(InlineRadios("has_mobile")), Column("plan_type"), Column("operator")),
                Row(
                    Column("monthly_spending"),
                    Column("employment_status"),
                    Column("housing"),
                    Column("household_size"),
                ),
                Row(Column("has_computer"), Column("has_internet")),
            ),
            Fieldset(
                _("Consents"),
                "consent_data_processing",
                "consent_sms_reminders",
                "consent_share_outcomes",
            ),
        )

    def clean(self):
        cleaned = super().clean()
        if self.duplicates_found and not cleaned.get("confirmed_new"):
            self.add_error(
                "confirmed_new",
                _("Link the referral to one of these people, or confirm this is someone else."),
            )
        return cleaned


class ConsentForm(ConsentFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class SupportSessionForm(forms.Form):
    date = DateField(label=_("Date"), widget=_date_input())
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=SupportTopic.choices, widget=forms.CheckboxSelectMultiple
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=480)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=FREE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


_UNCHANGED = [("", _("Not asked"))]


class FollowUpForm(forms.Form):
    done_on = DateField(label=_("Date"), widget=_date_input())
    monthly_spending = forms.DecimalField(
        label=_("Current monthly telecom spending (EUR)"), **_MONEY
    )
    plan_type = forms.ChoiceField(
        label=_("Plan type"), choices=_UNCHANGED + PlanType.choices, required=False
    )
    employment_status = forms.ChoiceField(
        label=_("Employment status"), choices=_UNCHANGED + EmploymentStatus.choices, required=False
    )
    has_computer = forms.NullBooleanField(label=_("Has a computer"), required=False)
    has_internet = forms.NullBooleanField(label=_("Has internet at home"), required=False)
    notes = forms.CharField(
        label=_("Situation changes"),
        required=False,
        max_length=FREE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_done_on(self):
        day = self.cleaned_data["done_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    def situation(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "done_on"}


class MediationOpenForm(forms.Form):
    operator = forms.ChoiceField(label=_("Operator"), choices=TelecomOperator.choices)
    amount_owed = forms.DecimalField(
        label=_("Amount owed (EUR)"), max_digits=9, decimal_places=2, min_value=0, localize=True
    )
    next_action_on = DateField(label=_("Next action on"), required=False, widget=_date_input())
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=FREE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class MediationUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MediationStatus.choices)
    agreement_kind = forms.ChoiceField(
        label=_("Agreement"), choices=[("", "—"), *AgreementKind.choices], required=False
    )
    amount_written_off = forms.DecimalField(
        label=_("Amount written off (EUR)"),
        max_digits=9,
        decimal_places=2,
        min_value=0,
        localize=True,
        required=False,
    )
    monthly_instalment = forms.DecimalField(
        label=_("Monthly instalment (EUR)"),
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        localize=True,
        required=False,
    )
    instalment_months = forms.IntegerField(
        label=_("Number of months"), min_value=1, max_value=120, required=False
    )
    next_action_on = DateField(label=_("Next action on"), required=False, widget=_date_input())
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=FREE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class MediationNoteForm(forms.Form):
    """What a finished (closed or failed) case still takes."""

    note = forms.CharField(
        label=_("Note"), max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class ReferralFilterForm(SearchForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *ReferralStatus.choices],
        required=False,
    )


class ErasureForm(forms.Form):
    """Erase a person's data now: the reason (a choice, no free text: the audit keeps it) and an
    explicit confirmation."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "---------")]
        + [(c.value, c.label) for c in ErasureReason if c != ErasureReason.RETENTION],
    )
    confirm = forms.BooleanField(
        label=_(
            "I confirm the erasure: names, contact details, birth date (the year stays) and "
            "every note about this person are removed for good."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class WithdrawalForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "The person withdraws their consent to the processing of their data; I confirm "
            "their data is anonymised now."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class OfferSubscriptionForm(forms.Form):
    subscribed_on = DateField(label=_("Subscribed on"), widget=_date_input())
    kind = forms.ChoiceField(label=_("Kind of offer"), choices=OfferKind.choices)
    operator = forms.ChoiceField(label=_("Operator"), choices=TelecomOperator.choices)
    monthly_price = forms.DecimalField(label=_("Monthly price (EUR)"), **_MONEY)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_subscribed_on(self):
        day = self.cleaned_data["subscribed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day
