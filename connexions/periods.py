"""The reporting period every aggregate selector takes, with `sites` and `agency`:
`figures(*, period: Period, sites: Iterable[ReceptionSite] | None, agency: PartnerAgency | None)`.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


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

    @classmethod
    def year_to_date(cls, today: date | None = None) -> "Period":
        today = today or timezone.localdate()
        return cls(date(today.year, 1, 1), today)
