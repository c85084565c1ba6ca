"""Scanned codes (IMEI, serials, member numbers) as the software understands them."""

# A barcode scanner set to a US layout but plugged into a French AZERTY keyboard types the
# unshifted symbols of the digit row instead of the digits.
_AZERTY_DIGITS = str.maketrans("&é\"'(-è_çà", "1234567890")


def normalise_scanned_code(raw: str) -> str:
    """Trimmed, inner spaces removed, AZERTY digit-row symbols mapped back to digits, upper case."""
    return "".join(str(raw or "").split()).translate(_AZERTY_DIGITS).upper()
