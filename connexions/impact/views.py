"""The impact dashboard (/impact/): programme admins see every site, site managers their own
sites; counsellors and social workers have no access. Figures are aggregates only."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from connexions.exports import csv_response
from connexions.impact.cells import small_group_label
from connexions.impact.charts import svg_chart
from connexions.impact.forms import ImpactFilterForm
from connexions.impact.report import impact_report, impact_table
from connexions.impact.sections.outcomes import national_average
from connexions.pdf import pdf_response
from connexions.perms import Action, action_required

view_impact = action_required(Action.VIEW_IMPACT)


def _filtered(request):
    form = ImpactFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, None
    return form, impact_report(**form.scope())


def _scope_label(form) -> dict:
    return {
        "site": form.cleaned_data["site"],
        "agency": form.cleaned_data["agency"],
        "period": form.cleaned_data["period"],
    }


def _file_name(form, stem: str, extension: str) -> str:
    period = form.cleaned_data["period"]
    return f"impact-{stem}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{extension}"


@view_impact
def dashboard(request):
    form, report = _filtered(request)
    context = {"form": form, "report": report}
    if report is not None:
        context |= _scope_label(form)
        context["query"] = form.query_string()
        context["chart_data"] = {chart.key: chart.as_json() for chart in report.charts()}
        context["small_group_label"] = small_group_label()
        context["small_group_threshold"] = settings.SMALL_GROUP_THRESHOLD
    return render(request, "connexions/impact.html", context)


@view_impact
def export_csv(request, key):
    form = ImpactFilterForm(request.GET, user=request.user)
    table = impact_table(key, **form.scope()) if form.is_valid() else None
    if table is None:
        raise Http404
    return csv_response(_file_name(form, key, "csv"), list(table.columns), table.export_rows())


@view_impact
def export_pdf(request):
    form, report = _filtered(request)
    if report is None:
        raise Http404
    context = {
        **_scope_label(form),
        "report": report,
        "key_table": report.tables()[0],
        "launch_table": report.tables()[1],
        "follow_up_min_days": settings.FOLLOW_UP_MIN_DAYS,
        "national_average": national_average()[0],
        "national_citation": national_average()[1],
        "sections": [
            {
                "section": section,
                "charts": [(svg_chart(chart), chart.has_small_group) for chart in section.charts],
            }
            for section in report.sections
        ],
        "small_group_label": small_group_label(),
        "small_group_threshold": settings.SMALL_GROUP_THRESHOLD,
        "generated_at": timezone.now(),
    }
    return pdf_response(
        "connexions/impact_pdf.html",
        context,
        _file_name(form, "bilan", "pdf"),
        request,
        inline=False,
        stylesheets=("css/report.css",),
    )
