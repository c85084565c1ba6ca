"""The monthly summary of the till the impact dashboard reads (`TillMonth`, docs/architecture.md,
"Dashboard summaries"): rebuilt in full, for every month before the current one, by the tasks
worker (`refresh_till_months`, queued nightly by `manage.py refresh_summaries` and at the end of
the seeders). It only reads the till's tables and writes its own, in a transaction of its own:
never inside a sale's, so the till's lock order is untouched. A rebuild that runs while another
does waits for it (the `TillMonthsCovered` row is locked)."""

from datetime import date

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth
from django.tasks import task
from django.utils import timezone

from connexions.periods import Period, first_of_month
from connexions.summaries import rebuilding
from sales.figures import AGENCY, REFUND_LINES, SALE_LINES, till_aggregates
from sales.models import Payment, Refund, RefundLine, Sale, SaleLine, TillMonth, TillMonthsCovered


def _grouped(queryset, entry: str, buyer: str, group=(), **aggregates):
    """`queryset` grouped by the site, month and buyer's agency of its sale or refund (`entry`:
    the path to it; `buyer`: the path to the sale)."""
    month = TruncMonth(f"{entry}at", tzinfo=timezone.get_current_timezone())
    return (
        queryset.annotate(
            summary_month=month,
            summary_site=F(f"{entry}site_id"),
            summary_agency=F(f"{buyer}{AGENCY}_id"),
        )
        .values("summary_month", "summary_site", "summary_agency", *group)
        .annotate(**aggregates)
        .order_by()
    )


def _rows(until: date) -> list[TillMonth]:
    end = Period(until, until).bounds()[0]
    sales = _grouped(Sale.objects.filter(at__lt=end), "", "", count=Count("pk"), total=Sum("total"))
    quantity, line, amount = SALE_LINES
    sold = _grouped(
        SaleLine.objects.filter(sale__at__lt=end),
        "sale__",
        "sale__",
        **till_aggregates(quantity, line, amount()),
    )
    refunds = _grouped(Refund.objects.filter(at__lt=end), "", "sale__", count=Count("pk"))
    quantity, line, amount = REFUND_LINES
    refunded = _grouped(
        RefundLine.objects.filter(refund__at__lt=end),
        "refund__",
        "refund__sale__",
        **till_aggregates(quantity, line, amount()),
    )
    paid = _grouped(
        Payment.objects.filter(sale__at__lt=end),
        "sale__",
        "sale__",
        group=("method",),
        amount=Sum("amount"),
    )
    found: dict[tuple, dict] = {}

    def add(kind, queryset, method=lambda row: ""):
        for row in queryset:
            key = (
                row.pop("summary_month"),
                row.pop("summary_site"),
                row.pop("summary_agency"),
                kind,
                method(row),
            )
            found.setdefault(key, {}).update(row)

    add(TillMonth.SALES, sales)
    add(TillMonth.SALES, sold)
    add(TillMonth.REFUNDS, refunds)
    add(TillMonth.REFUNDS, refunded)
    add(TillMonth.PAYMENTS, paid, method=lambda row: row.pop("method"))
    return [
        TillMonth(
            month=month.date(), site_id=site, agency_id=agency, kind=kind, method=method, **values
        )
        for (month, site, agency, kind, method), values in found.items()
    ]


def refresh(today: date | None = None) -> int:
    """Rebuilds the summary of every month before the one of `today`; returns its row count."""
    until = first_of_month(today or timezone.localdate())
    with rebuilding(TillMonthsCovered, until):
        TillMonth.objects.all().delete()
        rows = TillMonth.objects.bulk_create(_rows(until), batch_size=2000)
    return len(rows)


@task()
def refresh_till_months() -> None:
    refresh()
