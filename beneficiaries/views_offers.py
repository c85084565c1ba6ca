"""An offer subscribed with the counsellor's help, recorded from the beneficiary file (its home
is `beneficiaries/offers.py`)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.forms import OfferSubscriptionForm
from beneficiaries.offers import OfferError, offer_subscription_record
from beneficiaries.views import _beneficiary
from connexions.errors import show_refusal
from connexions.perms import Action, action_required


@action_required(Action.SUPPORT, at_current_site=True)
def offer_create(request, pk):
    beneficiary = _beneficiary(request, pk)
    form = OfferSubscriptionForm(
        request.POST or None, initial={"subscribed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            offer_subscription_record(
                beneficiary=beneficiary,
                day=data["subscribed_on"],
                operator=data["operator"],
                kind=data["kind"],
                monthly_price=data["monthly_price"],
                actor=request.user,
                site=request.current_site,
            )
        except OfferError as error:
            show_refusal(request, error, form=form)
        else:
            messages.success(
                request,
                _("The offer was recorded: it prefills the spending of the next follow-up."),
            )
            return redirect("beneficiaries:detail", pk=beneficiary.pk)
    return render(
        request,
        "beneficiaries/simple_form.html",
        {
            "beneficiary": beneficiary,
            "form": form,
            "title": _("Record an offer subscribed with help"),
        },
    )
