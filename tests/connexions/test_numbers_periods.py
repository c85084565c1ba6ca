"""The shared small helpers: one rounding rule for money and percentages, calendar months."""

from datetime import date
from decimal import Decimal

import pytest

from connexions.numbers import CENT, TENTH, money, percentage, rounded
from connexions.periods import Period, add_months, first_of_month


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),  # half up, not to the even cent
        ("0.025", "0.03"),
        ("2.675", "2.68"),
        ("-0.005", "-0.01"),  # away from zero
        ("0.004", "0.00"),
        (3, "3.00"),
        (Decimal("2.5"), "2.50"),
    ],
)
def test_money_rounds_half_up_to_the_cent(value, expected):
    assert money(value) == Decimal(expected)
    assert str(money(value)) == expected


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 3, Decimal("33.3")),
        (2, 3, Decimal("66.7")),
        (1, 8, Decimal("12.5")),
        (1, 16, Decimal("6.3")),  # 6.25 rounds half up
        (3, 80, Decimal("3.8")),  # 3.75 too
        (0, 5, Decimal("0.0")),
        (5, 5, Decimal("100.0")),
    ],
)
def test_percentage_to_one_decimal_half_up(part, whole, expected):
    assert percentage(part, whole) == expected


@pytest.mark.parametrize("whole", [0, None])
def test_percentage_of_nothing_is_unknown(whole):
    assert percentage(0, whole) is None
    assert percentage(3, whole) is None


def test_rounded_takes_the_step():
    assert rounded(Decimal("1.25"), TENTH) == Decimal("1.3")
    assert rounded(Decimal("1.245"), CENT) == Decimal("1.25")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 1, 15), 12, date(2027, 1, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 31), -2, date(2025, 11, 30)),
        (date(2026, 5, 10), 0, date(2026, 5, 10)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


def test_first_of_month():
    assert first_of_month(date(2026, 2, 28)) == date(2026, 2, 1)
    assert first_of_month(date(2026, 3, 1)) == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (
            date(2026, 1, 31),
            date(2026, 3, 1),
            [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)],
        ),
        (date(2026, 2, 10), date(2026, 2, 20), [date(2026, 2, 1)]),
        (date(2025, 12, 31), date(2026, 1, 1), [date(2025, 12, 1), date(2026, 1, 1)]),
    ],
)
def test_period_months_lists_every_month_it_touches(start, end, expected):
    assert Period(start, end).months() == expected


def test_a_full_year_has_twelve_months():
    assert len(Period(date(2026, 1, 1), date(2026, 12, 31)).months()) == 12
