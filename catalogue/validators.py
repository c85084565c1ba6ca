"""Checks on scanned and imported codes."""

import re

from connexions.codes import luhn_is_valid

IMEI_LENGTH = 15
_SERIAL = re.compile(r"^[A-Z0-9][A-Z0-9./-]{3,39}$")


def imei_is_valid(code: str) -> bool:
    return len(code) == IMEI_LENGTH and code.isdigit() and luhn_is_valid(code)


def serial_is_valid(code: str) -> bool:
    return bool(_SERIAL.match(code))
