"""Partners and grants (/impact/partenaires/), programme admins only: the list, and each
partner's report for a period as a page, a CSV and a PDF. Partners and grants are edited in the
Django admin."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from connexions.exports import csv_response
from connexions.impact.cells import small_group_label
from connexions.impact.forms import PeriodForm
from connexions.impact.partners import partner_report, partners_with_grants
from connexions.models import Partner
from connexions.pdf import pdf_response
from connexions.perms import Action, action_required

manage_partners = action_required(Action.MANAGE_PARTNERS)


@manage_partners
def partner_list(request):
    return render(request, "connexions/impact/partners.html", {"partners": partners_with_grants()})


def _report(request, pk):
    partner = get_object_or_404(Partner, pk=pk)
    form = PeriodForm(request.GET)
    report = partner_report(partner, form.cleaned_data["period"]) if form.is_valid() else None
    return partner, form, report


def _context(partner, form, report) -> dict:
    return {
        "partner": partner,
        "form": form,
        "report": report,
        "query": form.query_string() if report is not None else "",
        "small_group_label": small_group_label(),
        "small_group_threshold": settings.SMALL_GROUP_THRESHOLD,
    }


def _file_name(partner, report, extension: str) -> str:
    period = report.period
    return f"partenaire-{partner.pk}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{extension}"


@manage_partners
def partner_detail(request, pk):
    partner, form, report = _report(request, pk)
    return render(request, "connexions/impact/partner_report.html", _context(partner, form, report))


@manage_partners
def partner_csv(request, pk):
    partner, form, report = _report(request, pk)
    if report is None:
        raise Http404
    rows = []
    for table in report.tables():
        rows += [[table.title], list(table.columns), *table.export_rows(), []]
    return csv_response(_file_name(partner, report, "csv"), [partner.name], rows)


@manage_partners
def partner_pdf(request, pk):
    partner, form, report = _report(request, pk)
    if report is None:
        raise Http404
    context = _context(partner, form, report) | {"generated_at": timezone.now()}
    return pdf_response(
        "connexions/impact/partner_report_pdf.html",
        context,
        _file_name(partner, report, "pdf"),
        request,
        inline=False,
        stylesheets=("css/report.css",),
    )
