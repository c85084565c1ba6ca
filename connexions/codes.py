"""Scanned codes (IMEI, serials, member numbers) as the software understands them."""

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
