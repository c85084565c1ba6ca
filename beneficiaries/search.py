"""Finding people by name at scale (docs/architecture.md, "Data at scale"): the querysets
`selectors.beneficiary_search` runs, one per index, and the typed phone's E.164 form."""

import re

import phonenumbers
from django.contrib.postgres.search import TrigramWordDistance

from beneficiaries.models import Beneficiary
from connexions.search import SearchText


def name_matches(typed):
    """People whose name is like `typed` (word similarity), unordered: the GIN index."""
    return (
        Beneficiary.objects.alias(search_name=SearchText("first_name", "last_name"))
        .filter(search_name__trigram_word_similar=typed)
        .order_by()
    )


def closest_names(typed):
    """The same people closest first, read in that order from the GiST index (which is over
    "last first", see connexions/search.py: word similarity does not depend on the order of
    the words)."""
    last_first = SearchText("last_name", "first_name")
    return (
        Beneficiary.objects.alias(last_first=last_first)
        .filter(last_first__trigram_word_similar=typed)
        .order_by(TrigramWordDistance(typed, last_first))
    )


def phone_e164(query: str) -> str | None:
    """The E.164 form of a typed French mobile number (06…, 6…, +33 6…, 0033 6…), or None."""
    digits = re.sub(r"[\s.\-()]", "", query)
    if not re.fullmatch(r"\+?\d{9,15}", digits):
        return None
    try:
        parsed = phonenumbers.parse(digits, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
