"""CSV exports: one helper for all of them (UTF-8 with BOM, `;`, decimal comma, no formulas)."""

import csv
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import formats, timezone

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal | float | int):
        return str(value).replace(".", ",")
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "d/m/Y H:i")
    if isinstance(value, date):
        return formats.date_format(value, "d/m/Y")
    text = str(value)
    if text.startswith(_FORMULA_PREFIXES):
        # A spreadsheet would run it as a formula (CSV injection): make it plain text.
        text = "'" + text
    return text


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    """A downloadable CSV built from `header` and an iterable of row sequences."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return response
