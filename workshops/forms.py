from datetime import timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from connexions.enums import UserKind
from connexions.forms import LAST_DAY, DateField, DateInput, SearchField, SearchForm
from connexions.models import ReceptionSite, User
from connexions.periods import Period
from connexions.perms import Action, sites_for
from workshops.enums import ATTENDANCE, RegistrationStatus, SessionStatus
from workshops.models import Facilitator, PartnerCompany, WorkshopTopic
from workshops.services import MAX_SERIES_WEEKS


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _bootstrap(form):
    """Bootstrap classes for the small filter forms laid out by hand in their templates."""
    for field in form.fields.values():
        is_select = isinstance(field.widget, forms.Select)
        field.widget.attrs["class"] = "form-select" if is_select else "form-control"


def _facilitator_field():
    return forms.ModelMultipleChoiceField(
        label=_("Facilitators"),
        queryset=Facilitator.objects.active().select_related("user", "company"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class SessionForm(forms.Form):
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=WorkshopTopic.objects.active())
    site = forms.ModelChoiceField(label=_("Reception site"), queryset=ReceptionSite.objects.none())
    first_day = DateField(label=_("Date"), widget=DateInput())
    start = forms.TimeField(label=_("Starts at"), widget=TimeInput())
    end = forms.TimeField(label=_("Ends at"), widget=TimeInput())
    room = forms.CharField(label=_("Room"), max_length=100, required=False)
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=200, initial=10)
    facilitators = _facilitator_field()
    weeks = forms.IntegerField(
        label=_("Repeat every week for"),
        min_value=1,
        max_value=MAX_SERIES_WEEKS,
        initial=1,
        help_text=_("Number of weeks: 1 for a single session."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_for(user, Action.WORKSHOPS)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("topic", css_class="col-md-8"), Column("site", css_class="col-md-4")),
            Row(
                Column("first_day", css_class="col-md-4"),
                Column("start", css_class="col-md-4"),
                Column("end", css_class="col-md-4"),
            ),
            Row(
                Column("room", css_class="col-md-4"),
                Column("capacity", css_class="col-md-4"),
                Column("weeks", css_class="col-md-4"),
            ),
            "facilitators",
            Submit("submit", _("Create")),
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The session must end after it starts."))
        first_day, weeks = data.get("first_day"), data.get("weeks")
        if first_day and weeks and first_day > LAST_DAY - timedelta(weeks=weeks - 1):
            self.add_error("weeks", _("The last session of the series would fall after 2199."))
        return data


class SessionEditForm(forms.Form):
    room = forms.CharField(label=_("Room"), max_length=100, required=False)
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=200)
    facilitators = _facilitator_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))


class SessionCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Cancel the session"), css_class="btn btn-danger"))


class SessionFilterForm(SearchForm):
    q = SearchField(label=_("Topic"))
    site = forms.ModelChoiceField(
        label=_("Reception site"), queryset=ReceptionSite.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All"))] + SessionStatus.choices, required=False
    )
    start = DateField(label=pgettext_lazy("date range", "From"), required=False, widget=DateInput())
    end = DateField(label=pgettext_lazy("date range", "To"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_for(user, Action.WORKSHOPS)
        _bootstrap(self)


class AttendanceForm(forms.Form):
    """One choice per seated person: present, absent or excused."""

    def __init__(self, *args, registrations, **kwargs):
        super().__init__(*args, **kwargs)
        self.registrations = registrations
        choices = [(s.value, s.label) for s in ATTENDANCE]
        for registration in registrations:
            self.fields[f"r{registration.pk}"] = forms.ChoiceField(
                label=registration.beneficiary.full_name,
                choices=choices,
                widget=forms.RadioSelect,
                required=False,
                initial=registration.status
                if registration.status != RegistrationStatus.REGISTERED
                else None,
            )

    def rows(self):
        return [(r, self[f"r{r.pk}"]) for r in self.registrations]

    def marks(self) -> dict[int, str]:
        return {
            r.pk: self.cleaned_data[f"r{r.pk}"]
            for r in self.registrations
            if self.cleaned_data.get(f"r{r.pk}")
        }

    def clean(self):
        data = super().clean()
        if not any(data.get(f"r{r.pk}") for r in self.registrations):
            raise forms.ValidationError(_("Mark at least one person."))
        return data


class TopicForm(forms.ModelForm):
    class Meta:
        model = WorkshopTopic
        fields = ["title", "description", "duration_minutes", "level", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))


class FacilitatorForm(forms.ModelForm):
    company_name = forms.CharField(
        label=_("Company"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"list": "companies"}),
        help_text=_("For a volunteer: the partner company they come from."),
    )

    class Meta:
        model = Facilitator
        fields = ["user", "first_name", "last_name", "email", "phone", "is_active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(
            kind=UserKind.SITE_STAFF,
            is_active=True,
            memberships__site__in=sites_for(user, Action.WORKSHOPS),
        ).distinct()
        self.fields["user"].queryset = staff
        self.fields["user"].required = False
        self.fields["user"].help_text = _("Leave empty for a volunteer.")
        if self.instance.company_id:
            self.fields["company_name"].initial = self.instance.company.name
        self.companies = PartnerCompany.objects.order_by("name")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "user",
            Row(Column("first_name"), Column("last_name")),
            "company_name",
            Row(Column("email"), Column("phone")),
            "is_active",
            Submit("submit", _("Save")),
        )

    def clean(self):
        data = super().clean()
        if not data.get("user") and not (data.get("last_name") and data.get("company_name")):
            raise forms.ValidationError(
                _("Choose a staff member, or give the volunteer's name and company.")
            )
        return data


class FiguresForm(forms.Form):
    start = DateField(label=pgettext_lazy("date range", "From"), widget=DateInput())
    end = DateField(label=pgettext_lazy("date range", "To"), widget=DateInput())
    site = forms.ModelChoiceField(
        label=_("Reception site"),
        queryset=ReceptionSite.objects.none(),
        required=False,
        empty_label=_("All my sites"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_for(user, Action.VIEW_IMPACT)
        default = Period.year_to_date()
        self.fields["start"].initial = default.start
        self.fields["end"].initial = default.end
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end comes after the start."))
        return data
