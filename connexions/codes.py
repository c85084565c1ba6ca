"""Scanned codes (IMEI, serials, member numbers) and checked identifiers (SIRET) as the software
understands them."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A barcode scanner set to a US layout but plugged into a French AZERTY keyboard types the
# unshifted symbols of the digit row instead of the digits, and ")" for "-".
_AZERTY_AS_US = str.maketrans("&é\"'(-è_çà)", "1234567890-")
_DIGITS = set("0123456789")


def normalise_scanned_code(raw: str) -> str:
    """Trimmed, inner spaces, NUL and other control characters removed, upper case; a code typed
    through an AZERTY layout (it then holds no digit at all) has its digit-row symbols mapped
    back to digits."""
    code = "".join(ch for ch in str(raw or "") if ch.isprintable() and not ch.isspace())
    if not _DIGITS.intersection(code):
        code = code.translate(_AZERTY_AS_US)
    return code.upper()


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
    """The digit that makes `body` + digit pass the Luhn check (to build valid demo codes)."""
    for digit in "0123456789":
        if luhn_is_valid(body + digit):
            return digit
    raise ValueError(body)


def normalise_siret(raw: str) -> str:
    return "".join(str(raw or "").split())


def validate_siret(value: str) -> None:
    """A SIRET: 14 digits passing the Luhn check."""
    if len(value) != 14 or not luhn_is_valid(value):
        raise ValidationError(
            _("A SIRET has 14 digits and a valid check digit."), code="invalid_siret"
        )
