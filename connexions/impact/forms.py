"""The impact dashboard's filters: period, one of the user's sites or all, one agency or all."""

from django import forms
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from connexions import perms
from connexions.forms import DateField, DateInput
from connexions.models import PartnerAgency, ReceptionSite
from connexions.periods import Period

MAX_PERIOD_YEARS = 10


class ImpactFilterForm(forms.Form):
    """The dashboard's filters (GET): period, one of the user's sites or all, one agency or all.
    Bound to the query string even when empty, so defaults apply: this year to date."""

    start = DateField(label=_("Period from"), widget=DateInput())
    end = DateField(label=_("Period to"), widget=DateInput())
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
            _("All sites") if perms.sees_every_site(user) else _("All my sites")
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
        elif perms.sees_every_site(self.user):
            sites = None
        else:
            # Their ids, read once: each figure's query then filters on a list of ids, which
            # PostgreSQL plans better than the same sites as a subquery (a tenth faster at a
            # million people).
            sites = list(self.allowed_sites.values_list("pk", flat=True))
        return {
            "period": self.cleaned_data["period"],
            "sites": sites,
            "agency": self.cleaned_data["agency"],
        }


class PeriodForm(forms.Form):
    """A period (GET), this year to date by default: the partner report's filter."""

    start = DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    end = DateField(label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, **kwargs):
        default = Period.year_to_date()
        data = data.copy()
        for name, day in (("start", default.start), ("end", default.end)):
            if not data.get(name):
                data[name] = day.isoformat()
        super().__init__(data, **kwargs)
        for name in ("start", "end"):
            self.fields[name].widget.format = "%Y-%m-%d"
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None:
            if start > end:
                self.add_error("end", _("The end of the period must come after its start."))
            else:
                cleaned["period"] = Period(start, end)
        return cleaned

    def query_string(self) -> str:
        data = self.cleaned_data
        return urlencode({"start": data["start"].isoformat(), "end": data["end"].isoformat()})
