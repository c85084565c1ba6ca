"""CSV exports: one helper for all of them (UTF-8 with BOM, `;`, decimal comma, no formulas)."""

import csv
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal | float | int):
        return str(value).replace(".", ",")
    # strftime, not Django's date_format (same digits, several times faster on large exports).
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
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


class _Line:
    """What `csv.writer` writes to: it hands each formatted line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def csv_stream(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """`csv_response` for exports of any size: lines are sent as `rows` yields them, so the
    process holds one row at a time (give it a server-side cursor of plain tuples, e.g.
    `values_list(...).iterator()`, not model objects)."""
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")

    def lines():
        yield "\ufeff" + writer.writerow([csv_cell(h) for h in header])
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
