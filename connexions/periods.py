"""The reporting period every aggregate selector takes, with `sites` and `agency`:
`figures(*, period: Period, sites: Iterable[ReceptionSite] | None, agency: PartnerAgency | None)`;
and the calendar-month arithmetic the apps share.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` calendar months, clamped to the end of a shorter month
    (31 January + 1 month is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_months_between(start: date, end: date) -> int:
    """Calendar months from `start` to `end` (0 when less than one month has passed)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if months > 0 and add_months(start, months) > end else max(months, 0)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def bounds(self) -> tuple[datetime, datetime]:
        """Aware datetimes [start, end) in the project's time zone, for DateTimeField filters."""
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )

    def months(self) -> list[date]:
        """The first day of every month the period touches."""
        month, months = first_of_month(self.start), []
        while month <= self.end:
            months.append(month)
            month = add_months(month, 1)
        return months

    @classmethod
    def year_to_date(cls, today: date | None = None) -> "Period":
        today = today or timezone.localdate()
        return cls(date(today.year, 1, 1), today)
