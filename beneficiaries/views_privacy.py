"""A person's rights from their file: their copy of their data (staff), erasure now
(programme admins)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from beneficiaries.forms import ErasureForm
from beneficiaries.models import Beneficiary
from beneficiaries.retention import ErasureError, beneficiary_anonymise
from beneficiaries.subject_access import subject_access_export
from connexions.errors import show_refusal
from connexions.perms import Action, action_required, can


def beneficiary_data_export(request, pk):
    """`donnees.zip`: the person's data, JSON and PDF (GDPR art. 15). Never for social workers."""
    if not can(request.user, Action.SUPPORT):
        raise PermissionDenied
    beneficiary = get_object_or_404(
        Beneficiary.objects.visible_to(request.user).select_related("enrolled_site"), pk=pk
    )
    content = subject_access_export(
        beneficiary=beneficiary, actor=request.user, site=request.current_site
    )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="donnees-{beneficiary.number}.zip"'
    return response


@action_required(Action.ERASE_PERSONAL_DATA)
def beneficiary_erase(request, pk):
    beneficiary = get_object_or_404(
        Beneficiary.objects.visible_to(request.user).select_related("enrolled_site"), pk=pk
    )
    form = ErasureForm(request.POST or None)
    if beneficiary.anonymised_at is None and request.method == "POST" and form.is_valid():
        try:
            beneficiary_anonymise(
                beneficiary=beneficiary, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ErasureError as error:
            show_refusal(request, error, form=form)
        else:
            messages.success(
                request,
                _("The data of %(number)s were anonymised.") % {"number": beneficiary.number},
            )
            return redirect("beneficiaries:detail", pk=beneficiary.pk)
    return render(
        request, "beneficiaries/erase_confirm.html", {"beneficiary": beneficiary, "form": form}
    )
