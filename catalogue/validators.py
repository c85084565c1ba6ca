"""Checks on scanned and imported codes."""

import re

IMEI_LENGTH = 15
_SERIAL = re.compile(r"^[A-Z0-9][A-Z0-9./-]{3,39}$")


def luhn_is_valid(digits: str) -> bool:
    """The Luhn checksum (ISO/IEC 7812) of a string of digits, check digit last."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_check_digit(body: str) -> str:
    """The digit that makes `body` + digit pass the Luhn check (to build valid demo IMEIs)."""
    for digit in "0123456789":
        if luhn_is_valid(body + digit):
            return digit
    raise ValueError(body)


def imei_is_valid(code: str) -> bool:
    return len(code) == IMEI_LENGTH and code.isdigit() and luhn_is_valid(code)


def serial_is_valid(code: str) -> bool:
    return bool(_SERIAL.match(code))
