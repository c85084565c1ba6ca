import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` calendar months, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
