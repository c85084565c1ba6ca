from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from connexions import perms
from connexions.models import PartnerAgency, ReceptionSite, User
from connexions.periods import Period

_ID = forms.IntegerField(min_value=1, max_value=2**63 - 1)


def id_or_404(data, name: str) -> int:
    """The object id in request data (`request.GET` or `request.POST`) read through a form
    field: anything but a whole number in range is a 404, never a server error."""
    try:
        return _ID.clean(data.get(name))
    except ValidationError as exc:
        raise Http404 from exc


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("Incorrect e-mail address or password. Please try again."),
        "inactive": _("This account is inactive."),
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6 digits your authenticator app shows, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "text"}
        ),
    )


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "kind", "agency")


class UserChangeForm(BaseUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


MAX_PERIOD_YEARS = 10


class ImpactFilterForm(forms.Form):
    """The dashboard's filters (GET): period, one of the user's sites or all, one agency or all.
    Bound to the query string even when empty, so defaults apply: this year to date."""

    start = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}))
    site = forms.ModelChoiceField(
        label=_("Reception site"), queryset=ReceptionSite.objects.none(), required=False
    )
    agency = forms.ModelChoiceField(
        label=_("Partner agency"), queryset=PartnerAgency.objects.none(), required=False
    )

    def __init__(self, data, *, user, **kwargs):
        # The default period (this year to date) shows in the date fields.
        default = Period.year_to_date()
        data = data.copy()
        for name, day in (("start", default.start), ("end", default.end)):
            if not data.get(name):
                data[name] = day.isoformat()
        super().__init__(data, **kwargs)
        self.user = user
        self.allowed_sites = perms.sites_for(user, perms.Action.VIEW_IMPACT)
        self.fields["site"].queryset = self.allowed_sites
        self.fields["site"].empty_label = (
            _("All sites") if user.is_programme_admin else _("All my sites")
        )
        self.fields["agency"].queryset = PartnerAgency.objects.order_by("name")
        self.fields["agency"].empty_label = _("All agencies")
        for name in ("start", "end"):
            self.fields[name].widget.format = "%Y-%m-%d"
            self.fields[name].widget.attrs["class"] = "form-control"
        for name in ("site", "agency"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None or end is None:
            return cleaned
        if start > end:
            self.add_error("end", _("The end of the period must come after its start."))
        elif end.year - start.year > MAX_PERIOD_YEARS:
            self.add_error(
                "start",
                _("The period may not exceed %(years)s years.") % {"years": MAX_PERIOD_YEARS},
            )
        cleaned["period"] = Period(start, end)
        return cleaned

    def query_string(self) -> str:
        """The filters as chosen, for the export links (an explicit period, so that a report
        downloaded later covers the same days)."""
        data = self.cleaned_data
        params = {"start": data["start"].isoformat(), "end": data["end"].isoformat()}
        for name in ("site", "agency"):
            if data[name] is not None:
                params[name] = data[name].pk
        return urlencode(params)

    def scope(self) -> dict:
        """Keyword arguments for the aggregate selectors: period, sites (None: every site, for
        programme admins only) and agency."""
        site = self.cleaned_data["site"]
        if site is not None:
            sites = [site]
        elif self.user.is_programme_admin:
            sites = None
        else:
            sites = self.allowed_sites
        return {
            "period": self.cleaned_data["period"],
            "sites": sites,
            "agency": self.cleaned_data["agency"],
        }
