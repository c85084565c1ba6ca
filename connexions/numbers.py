"""Percentages and money, with one rounding rule: half up (0.005 EUR becomes 0.01 EUR, as a
person counting by hand would round), never the banker's rounding Python's decimals default to."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def rounded(value, step: Decimal) -> Decimal:
    """`value` rounded half up to a multiple of `step` (`CENT`, `TENTH`)."""
    return Decimal(value).quantize(step, rounding=ROUND_HALF_UP)


def money(value) -> Decimal:
    """An amount in EUR, to the cent."""
    return rounded(value, CENT)


def percentage(part, whole) -> Decimal | None:
    """`part` out of `whole` as a percentage to one decimal, or None when there is nothing to
    count over (a share of nobody is unknown, not 0 %)."""
    if not whole:
        return None
    return rounded(Decimal(100) * part / whole, TENTH)
