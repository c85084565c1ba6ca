"""The parser of an operator's voucher file (serial;pin;expiry): rows and the errors found.

It reads only: `catalogue.services.vouchers_import` checks the rows against the vouchers known
and records them."""

import csv
import io
import time
from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _

from connexions.forms import date_in_range

VOUCHER_HEADER = ["serial", "pin", "expiry"]
VOUCHER_IMPORT_MAX_ROWS = 5000
_HEADER_ALIASES = {
    "serial": "serial",
    "numero_serie": "serial",
    "numero": "serial",
    "pin": "pin",
    "code_pin": "pin",
    "expiry": "expiry",
    "expiration": "expiry",
    "date_expiration": "expiry",
}


@dataclass(frozen=True)
class VoucherRow:
    line: int
    serial: str
    pin: str
    expires_on: date


def parse_voucher_csv(content: bytes, *, today: date) -> tuple[list[VoucherRow], list]:
    """The rows of an operator's voucher file and the (line, reason) errors found in it.
    A reason never repeats a cell's content: a shifted column would put a PIN on screen."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            return [], [(0, _("The file is not a readable CSV text file."))]
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return [], [(1, _("The file is empty."))]
    delimiter = ";" if ";" in lines[0] else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return _parse_voucher_rows(reader, today=today)
    except csv.Error:
        # A field over the csv module's limit (128 KB) or a quote left open.
        return [], [
            (
                reader.line_num,
                _("This line is not readable CSV (a field too long or a quote left open)."),
            )
        ]


def _parse_voucher_rows(reader, *, today: date) -> tuple[list[VoucherRow], list]:
    header = [_HEADER_ALIASES.get(cell.strip().lower(), cell.strip()) for cell in next(reader)]
    if header != VOUCHER_HEADER:
        # Not the header found: without one, that is the first voucher, PIN included.
        return [], [
            (1, _("The header must be “%(expected)s”.") % {"expected": ";".join(VOUCHER_HEADER)})
        ]
    rows, errors = [], []
    seen = _SeenCodes()
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(errors) >= VOUCHER_IMPORT_MAX_ROWS:
            return [], [
                (line, _("Too many lines: at most %(max)s.") % {"max": VOUCHER_IMPORT_MAX_ROWS})
            ]
        if len(cells) != 3:
            errors.append((line, _("3 columns expected, %(count)s found.") % {"count": len(cells)}))
            continue
        serial, pin, expiry = (cell.strip() for cell in cells)
        expires_on = _parse_expiry(expiry)
        line_errors = _cell_errors(serial, pin, expires_on, today) + seen.repeats(line, serial, pin)
        if line_errors:
            errors.extend((line, reason) for reason in line_errors)
        else:
            rows.append(VoucherRow(line, serial, pin, expires_on))
    if not rows and not errors:
        errors.append((2, _("The file contains no voucher.")))
    return rows, errors


def _cell_errors(serial: str, pin: str, expires_on: date | None, today: date) -> list[str]:
    errors = []
    if not _valid_code(serial):
        errors.append(_("the serial number is missing or invalid"))
    if not _valid_code(pin):
        errors.append(_("the PIN code is missing or invalid"))
    if expires_on is None:
        errors.append(_("unreadable expiry date (expected DD/MM/YYYY)"))
    elif not date_in_range(expires_on):
        errors.append(_("expiry date out of range (years 1900 to 2199)"))
    elif expires_on < today:
        errors.append(_("already expired (%(date)s)") % {"date": formats.date_format(expires_on)})
    return errors


class _SeenCodes:
    """The first line of each serial number and PIN code of the file."""

    def __init__(self):
        self.serial_lines, self.pin_lines = {}, {}

    def repeats(self, line: int, serial: str, pin: str) -> list[str]:
        errors = []
        if serial in self.serial_lines:
            errors.append(
                _("serial number already on line %(line)s") % {"line": self.serial_lines[serial]}
            )
        if pin and pin in self.pin_lines:
            errors.append(_("PIN code already on line %(line)s") % {"line": self.pin_lines[pin]})
        self.serial_lines.setdefault(serial, line)
        self.pin_lines.setdefault(pin, line)
        return errors


def _parse_expiry(value: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return date(*time.strptime(value, pattern)[:3])  # a calendar date: no time zone
        except ValueError:
            continue
    return None


def _valid_code(value: str) -> bool:
    """ASCII letters and digits only: what operators print, and safe to show and search."""
    return 4 <= len(value) <= 40 and value.isascii() and value.isalnum()
