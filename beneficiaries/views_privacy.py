"""A person's rights from their file: their copy of their data (staff), erasure now
(programme admins); the access log (programme admins)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from beneficiaries import access_log as log
from beneficiaries.forms import ErasureForm, WithdrawalForm
from beneficiaries.models import Beneficiary
from beneficiaries.retention import ErasureError, beneficiary_anonymise, data_processing_withdraw
from beneficiaries.subject_access import subject_access_export
from connexions.errors import show_refusal
from connexions.exports import csv_response
from connexions.pagination import paginate
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
        request,
        "beneficiaries/erase_confirm.html",
        {"beneficiary": beneficiary, "form": form, "withdrawal": False},
    )


@action_required(Action.SUPPORT, at_current_site=True)
def data_processing_withdrawal(request, pk):
    """Withdrawing consent to data processing anonymises the person, after a confirmation that
    says what stays."""
    beneficiary = get_object_or_404(Beneficiary.objects.visible_to(request.user), pk=pk)
    form = WithdrawalForm(request.POST or None)
    if beneficiary.anonymised_at is None and request.method == "POST" and form.is_valid():
        try:
            data_processing_withdraw(
                beneficiary=beneficiary, actor=request.user, site=request.current_site
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
        request,
        "beneficiaries/erase_confirm.html",
        {"beneficiary": beneficiary, "form": form, "withdrawal": True},
    )


@action_required(Action.VIEW_ACCESS_LOG)
def access_log(request):
    form = log.AccessLogFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    reads = log.access_log(person_id=filters.get("person"), user=filters.get("user"))
    if request.GET.get("format") == "csv":
        header = [_("When"), _("User"), _("Person"), _("Reception site"), _("Where")]
        return csv_response("journal-des-acces.csv", header, log.csv_rows(reads))
    page_obj = paginate(request, reads)
    for event in page_obj.object_list:
        event.subject, event.where = log.subject(event), log.where(event)
    return render(
        request,
        "beneficiaries/access_log.html",
        {"form": form, "page_obj": page_obj, "kept_note": log.READS_KEPT_NOTE},
    )
