"""PDF documents rendered from templates with weasyprint (member cards, receipts, reports)."""

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict, request=None) -> bytes:
    from weasyprint import HTML  # heavy import, only where a PDF is made

    html = render_to_string(template_name, context, request=request)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def pdf_response(
    template_name: str, context: dict, filename: str, request=None, *, inline=True
) -> HttpResponse:
    response = HttpResponse(render_pdf(template_name, context, request), "application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
