"""CSV exports: one helper for all of them (UTF-8 with BOM, `;`, decimal comma, no formulas)."""

import csv
from datetime import date, datetime
from decimal import Decimal

from django.db import connections
from django.db.models import Case, CharField, DateTimeField, F, Func, Value, When
from django.db.models.functions import NullIf
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A streamed export sends this many lines at a time: one write to the socket per line would
# cost more than formatting it (docs/architecture.md, "Data at scale").
STREAM_CHUNK_LINES = 1000
STREAM_CHUNK_BYTES = 64 * 1024


def _text(text: str) -> str:
    if text.startswith(_FORMULA_PREFIXES):
        # A spreadsheet would run it as a formula (CSV injection): make it plain text.
        return "'" + text
    return text


def _number(value) -> str:
    return str(value).replace(".", ",")


def csv_cell(value, tz=None) -> str:
    """One cell; `tz` (the current time zone when omitted) is where datetimes are shown."""
    kind = type(value)
    if kind is str:  # the most frequent: checked first
        return _text(value)
    if value is None:
        return ""
    if kind is bool:
        return "oui" if value else "non"
    if isinstance(value, Decimal | float | int):
        return _number(value)
    # strftime, not Django's date_format (same digits, several times faster on large exports).
    if isinstance(value, datetime):
        return value.astimezone(tz or timezone.get_current_timezone()).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return _text(str(value))


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


class _Lines(list):
    """What `csv.writer` writes to: it keeps the formatted lines until they are sent."""

    write = list.append


def csv_stream(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """`csv_response` for exports of any size: lines are sent `STREAM_CHUNK_LINES` at a time as
    `rows` yields them, so the process holds one chunk at a time (give it a server-side cursor
    of plain tuples, e.g. `values_list(...).iterator()`, not model objects)."""
    buffer = _Lines()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    tz = timezone.get_current_timezone()

    def chunks():
        buffer.append("\ufeff")
        writer.writerow([csv_cell(h) for h in header])
        for row in rows:
            writer.writerow([csv_cell(value, tz) for value in row])
            if len(buffer) >= STREAM_CHUNK_LINES:
                yield "".join(buffer)
                buffer.clear()
        yield "".join(buffer)

    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- exports written by PostgreSQL -------------------------------------------------------------
# The largest exports (a site's stock ledger: millions of rows) are formatted by the database and
# written by `COPY ... TO STDOUT`, several times faster than formatting each row in Python, so no
# web worker is held for long (docs/architecture.md, "Data at scale"). The expressions below
# format a column in SQL exactly as `csv_cell` does in Python.


class CsvText(Func):
    """A text column as `csv_cell` writes it: a formula made plain text, and "" as NULL (which
    COPY leaves unquoted, as Python writes an empty cell)."""

    template = r"NULLIF(regexp_replace(%(expressions)s, '^([-=+@\t\r])', '''\1'), '')"
    output_field = CharField()


def csv_datetime(field: str) -> Func:
    """A datetime as `csv_cell` writes it, in the current time zone: 31/12/2026 23:59."""
    local = Func(
        Value(timezone.get_current_timezone_name()),
        F(field),
        function="timezone",
        output_field=DateTimeField(),
    )
    return Func(local, Value("DD/MM/YYYY HH24:MI"), function="to_char", output_field=CharField())


def csv_label(field: str, choices, *, unknown_blank: bool = False) -> NullIf:
    """The translated label of a choice field's value; a value without one is written as it is
    (blank with `unknown_blank`)."""
    labels = Case(
        *(When(**{field: value}, then=Value(str(label))) for value, label in choices),
        default=Value("") if unknown_blank else F(field),
        output_field=CharField(),
    )
    return NullIf(labels, Value(""))


def csv_copy_stream(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """`csv_stream` written by PostgreSQL: `rows` is a `values_list` queryset whose columns are
    already formatted in SQL (`CsvText`, `csv_datetime`, `csv_label`, integers); Python only
    writes the header and forwards COPY's lines, `STREAM_CHUNK_BYTES` at a time."""
    sql, params = rows.query.sql_with_params()
    copy = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, DELIMITER ';')"
    head = _Lines(["\ufeff"])
    csv.writer(head, delimiter=";", lineterminator="\r\n").writerow([csv_cell(h) for h in header])
    connection = connections[rows.db]

    def chunks():
        yield "".join(head).encode()
        chunk = bytearray()
        with connection.cursor() as cursor, cursor.cursor.copy(copy, params) as lines:
            for line in lines:
                chunk += line
                if len(chunk) >= STREAM_CHUNK_BYTES:
                    yield bytes(chunk).replace(b"\n", b"\r\n")
                    chunk.clear()
        yield bytes(chunk).replace(b"\n", b"\r\n")

    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
