"""Forms of the onboarding: validation only (connexions/onboarding.py does the writes)."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from connexions.codes import normalise_siret
from connexions.models import PartnerAgency


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} — {obj.city}" + (f" (SIRET {obj.siret})" if obj.siret else "")


def agencies_matching(query: str):
    """Active agencies whose name, city or SIRET contains `query`."""
    agencies = PartnerAgency.objects.active()
    query = query.strip()
    if query:
        siret = normalise_siret(query)
        agencies = agencies.filter(
            Q(name__unaccent__icontains=query)
            | Q(city__unaccent__icontains=query)
            | (Q(siret__startswith=siret) if siret.isdigit() else Q(pk__in=[]))
        )
    return agencies


class AccountRequestForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(
        label=_("Professional e-mail address"),
        help_text=_("We send a link to this address to check it."),
    )
    agency = AgencyChoiceField(
        label=_("Your agency"),
        queryset=PartnerAgency.objects.none(),
        required=False,
        empty_label=_("— choose your agency —"),
    )
    unlisted_agency = forms.CharField(
        label=_("My agency is not listed: its name and SIRET"),
        max_length=255,
        required=False,
        help_text=_("A programme admin will add your agency, then handle your request."),
    )

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = (
            agencies if agencies is not None else PartnerAgency.objects.active()
        )

    def clean(self):
        data = super().clean()
        if not data.get("agency") and not data.get("unlisted_agency", "").strip():
            raise forms.ValidationError(
                _("Choose your agency, or give its name if it is not listed.")
            )
        return data


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the refusal"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("The person receives it by e-mail."),
    )


class ApprovalForm(forms.Form):
    """A programme admin may approve at another agency (e.g. one just created)."""

    agency = AgencyChoiceField(
        label=_("Agency"), queryset=PartnerAgency.objects.none(), required=False
    )

    def __init__(self, *args, may_choose_agency=False, **kwargs):
        super().__init__(*args, **kwargs)
        if may_choose_agency:
            self.fields["agency"].queryset = PartnerAgency.objects.active()
        else:
            del self.fields["agency"]
