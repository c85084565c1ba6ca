"""PDF documents rendered from templates with weasyprint (member cards, receipts, reports).

What weasyprint would build again for every document is built once per thread and reused: the
URL fetcher (its SSL context alone costs a reading of the system's certificates), the font
configuration (a fontconfig scan, and the text measures it caches) and the parsed stylesheets.
The fetcher reads local files and data: URIs only: a document never reaches the network.
"""

import threading
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string

_per_thread = threading.local()


def _renderer():
    """(URL fetcher, font configuration) of this thread: neither is made for sharing."""
    if not hasattr(_per_thread, "renderer"):
        from weasyprint import URLFetcher  # heavy import, only where a PDF is made
        from weasyprint.text.fonts import FontConfiguration

        fetcher = URLFetcher(allowed_protocols={"file", "data"})
        _per_thread.renderer = (fetcher, FontConfiguration())
    return _per_thread.renderer


@lru_cache
def _stylesheet(path: str):
    """A static stylesheet, parsed once per process (a parsed stylesheet is only read)."""
    from weasyprint import CSS

    fetcher, fonts = _renderer()
    return CSS(filename=finders.find(path), url_fetcher=fetcher, font_config=fonts)


def render_pdf(template_name: str, context: dict, request=None, *, stylesheets=()) -> bytes:
    """The PDF of a template; `stylesheets`: paths of static files (e.g. "css/receipt.css"),
    parsed once."""
    from weasyprint import HTML

    html = render_to_string(template_name, context, request=request)
    fetcher, fonts = _renderer()
    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher).write_pdf(
        stylesheets=[_stylesheet(path) for path in stylesheets], font_config=fonts
    )


def pdf_response(
    template_name: str,
    context: dict,
    filename: str,
    request=None,
    *,
    inline=True,
    stylesheets=(),
) -> HttpResponse:
    pdf = render_pdf(template_name, context, request, stylesheets=stylesheets)
    response = HttpResponse(pdf, "application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
