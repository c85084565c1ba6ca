"""The monthly summary of referrals and support sessions the impact dashboard reads
(`PeopleMonth`, docs/architecture.md, "Dashboard summaries"): rebuilt in full, for every month
before the current one, by the tasks worker (`refresh_people_months`, queued nightly with the
till's by `manage.py refresh_summaries`, and run at the end of the seeders). It reads the
referrals and sessions and writes its own tables, in a transaction of its own.

Between two rebuilds, a change to a closed month marks it stale (`PeopleMonthStale`, by the
rows' triggers) and the figures count that month live. The rebuild deletes the marks before it
reads the rows: a change committed before the deletion is in what it reads; one committed after
keeps its mark (and is perhaps read too: counted live once more, never wrong)."""

from datetime import date, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth
from django.tasks import task
from django.utils import timezone

from beneficiaries.models import (
    PeopleMonth,
    PeopleMonthsCovered,
    PeopleMonthStale,
    Referral,
    SupportSession,
)
from connexions.periods import Period, add_months, first_of_month
from connexions.summaries import rebuilding

SUPPORT_AGENCY = "beneficiary__enrolment_referral__agency_id"


def _rows(until: date) -> list[PeopleMonth]:
    end = Period(until, until).bounds()[0]
    month = TruncMonth("submitted_at", tzinfo=timezone.get_current_timezone())
    referrals = (
        Referral.objects.filter(submitted_at__lt=end)
        .annotate(summary_month=month)
        .values("summary_month", "site_id", "agency_id", "status", "decline_reason", "profile")
        .annotate(count=Count("pk"))
        .order_by()
    )
    sessions = (
        SupportSession.objects.filter(date__lt=until)
        .annotate(summary_month=TruncMonth("date"), summary_agency=F(SUPPORT_AGENCY))
        .values("summary_month", "site_id", "summary_agency", "topics")
        .annotate(count=Count("pk"), minutes=Sum("duration_minutes"))
        .order_by()
    )
    rows = []
    for row in referrals:
        month = row.pop("summary_month")
        rows.append(PeopleMonth(kind=PeopleMonth.REFERRALS, month=_date(month), **row))
    for row in sessions:
        month, agency = row.pop("summary_month"), row.pop("summary_agency")
        rows.append(
            PeopleMonth(kind=PeopleMonth.SUPPORT, month=_date(month), agency_id=agency, **row)
        )
    return rows


def _date(month) -> date:
    return month.date() if hasattr(month, "date") else month


def refresh(today: date | None = None) -> int:
    """Rebuilds the summary of every month before the one of `today`; returns its row count."""
    until = first_of_month(today or timezone.localdate())
    with rebuilding(PeopleMonthsCovered, until):
        PeopleMonthStale.objects.all().delete()  # before the rows are read (module docstring)
        PeopleMonth.objects.all().delete()
        rows = PeopleMonth.objects.bulk_create(_rows(until), batch_size=2000)
    return len(rows)


@task()
def refresh_people_months() -> None:
    refresh()


def split(period: Period, kind: str) -> tuple[object, list[tuple[date, date]]]:
    """The summary rows of `kind` for the whole months of `period` the summary covers and no
    change has marked stale; and the days to count live, as inclusive (first, last) ranges: a
    month the period begins or ends inside, each stale month, and the months not summarised yet
    (the current one at least). Never empty (an empty range then), so that a page's query count
    never depends on the day. One query."""
    stale = PeopleMonthStale.objects.filter(kind=kind).order_by().values("month").distinct()
    covered = (
        PeopleMonthsCovered.objects.filter(pk=1)
        .annotate(stale=ArraySubquery(stale))
        .values_list("until", "stale")
        .first()
    )
    until, marked = covered or (date.min, [])
    first = period.start if period.start.day == 1 else add_months(first_of_month(period.start), 1)
    last = max(first, min(until, first_of_month(period.end + timedelta(days=1))))
    marked = sorted(month for month in set(marked) if first <= month < last)
    if first == last:
        live = [(period.start, period.end)]
    else:
        live = [(period.start, first - timedelta(days=1))] if period.start < first else []
        live += [(month, add_months(month, 1) - timedelta(days=1)) for month in marked]
        if last <= period.end:
            live.append((last, period.end))
    rows = PeopleMonth.objects.filter(kind=kind, month__gte=first, month__lt=last)
    return rows.exclude(month__in=marked), live or [(period.end + timedelta(days=1), period.end)]
