"""What the till did, for the impact dashboard and the partner reports (read through
`sales.selectors`): sales and refunds in a period, at some sites, for the people of an agency.

The whole months the monthly summary covers are read from it (`sales.summaries`), the rest
(a month begun or ended inside the period, the months not summarised yet) is counted live from
the sales, their lines, payments and refunds, with the same expressions that built the summary:
the figures are the same either way (docs/architecture.md, "Dashboard summaries"). A month the
period begins or ends inside is read whole from the summary, less the days outside the period
counted live, when those are fewer than the days inside it."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from beneficiaries.models import Beneficiary
from catalogue.enums import ProductKind
from connexions.periods import Period, add_months, first_of_month
from connexions.search import french_order
from sales.donations import MONEY, ZERO, donated_unit_value
from sales.models import Payment, Refund, RefundLine, Sale, SaleLine, TillMonth, TillMonthsCovered

TOPUP_KINDS = [ProductKind.MOBILE_TOPUP, ProductKind.DATA_TOPUP, ProductKind.INTERNET_TOPUP]
DEVICE_KINDS = [ProductKind.PHONE, ProductKind.COMPUTER, ProductKind.TABLET]
# Where a sale's (or a refund's, through "sale__") buyer's enrolment agency is.
AGENCY = "beneficiary__enrolment_referral__agency"


def line_subsidy():
    return ExpressionWrapper(
        (F("reference_price") - F("unit_price")) * F("quantity"), output_field=MONEY
    )


def line_amount():
    return ExpressionWrapper(F("unit_price") * F("quantity"), output_field=MONEY)


@dataclass(frozen=True)
class TillTotals:
    """What sale lines (or the refund lines that give them back) amount to."""

    topups: int = 0
    operator_credit: Decimal = ZERO
    devices_by_kind: dict[str, int] = field(default_factory=dict)
    amount: Decimal = ZERO  # paid (refunded) by the people
    subsidy: Decimal = ZERO  # reference price minus price paid
    donation: Decimal = ZERO  # the part of the subsidy partners' donated units covered

    @property
    def devices(self) -> int:
        return sum(self.devices_by_kind.values())

    @property
    def programme(self) -> Decimal:
        """The part of the subsidy the programme covered."""
        return self.subsidy - self.donation

    def _combined(self, other: "TillTotals", sign: int) -> "TillTotals":
        kinds = dict.fromkeys([*self.devices_by_kind, *other.devices_by_kind])
        return TillTotals(
            topups=self.topups + sign * other.topups,
            operator_credit=self.operator_credit + sign * other.operator_credit,
            devices_by_kind={
                kind: self.devices_by_kind.get(kind, 0) + sign * other.devices_by_kind.get(kind, 0)
                for kind in kinds
            },
            amount=self.amount + sign * other.amount,
            subsidy=self.subsidy + sign * other.subsidy,
            donation=self.donation + sign * other.donation,
        )

    def __add__(self, other: "TillTotals") -> "TillTotals":
        return self._combined(other, 1)

    def __sub__(self, other: "TillTotals") -> "TillTotals":
        return self._combined(other, -1)

    @classmethod
    def of(cls, row: dict) -> "TillTotals":
        """From a row of `till_aggregates` (or of the summary's columns, which have its names)."""
        return cls(
            topups=row["topups"],
            operator_credit=row["operator_credit"],
            devices_by_kind={kind.value: row[kind.value] for kind in DEVICE_KINDS},
            amount=row["amount"],
            subsidy=row["reference"] - row["amount"],
            donation=row["donation"],
        )


def till_aggregates(quantity: str, line: str, amount) -> dict:
    """The aggregates of `TillTotals` over sale lines (or refund lines through `line`), named as
    the summary's columns: the one definition the live count and the summary share."""
    prefix = f"{line}__" if line else ""
    units = F(quantity)

    def per_unit(value):
        return Coalesce(Sum(ExpressionWrapper(value * units, output_field=MONEY)), ZERO)

    return {
        "topups": Coalesce(Sum(quantity, filter=Q(**{f"{prefix}kind__in": TOPUP_KINDS})), 0),
        "operator_credit": per_unit(F(prefix + "face_value")),
        "reference": per_unit(F(prefix + "reference_price")),
        "amount": Coalesce(Sum(amount), ZERO, output_field=MONEY),
        "donation": per_unit(donated_unit_value(prefix)),
        **{
            kind.value: Coalesce(Sum(quantity, filter=Q(**{f"{prefix}kind": kind})), 0)
            for kind in DEVICE_KINDS
        },
    }


SALE_LINES = ("quantity", "", line_amount)
REFUND_LINES = ("quantity", "sale_line", lambda: F("amount"))


def _made_in(ranges, made: str = "") -> Q:
    """Made (the sale or refund at `made`) in one of `ranges`, [start, end) datetimes."""
    when = Q()
    for start, end in ranges:
        when |= Q(**{f"{made}at__gte": start, f"{made}at__lt": end})
    return when


@dataclass(frozen=True)
class LiveRanges:
    """What is counted live (`split`): `added` to the summary's months, and `removed` from them
    (the days outside the period of a month read whole from the summary)."""

    added: list
    removed: list

    def all(self) -> list:
        return self.added + self.removed

    def sign(self, made: str = ""):
        """1 for a row made in an added range, -1 in a removed one: the live queries group by
        it, so each reads both kinds of range at once."""
        return Case(When(_made_in(self.removed, made), then=Value(-1)), default=Value(1))


def _scoped(queryset, *, ranges, sites, agency, sale: str = "", made: str = ""):
    """Sales or refunds (or the rows of the sale or refund at `made`) made in one of `ranges`
    ([start, end) datetimes) at `sites` for people referred by `agency`."""
    queryset = queryset.filter(_made_in(ranges, made))
    if sites is not None:
        queryset = queryset.filter(**{f"{made}site__in": sites})
    if agency is not None:
        queryset = queryset.filter(**{f"{sale}{AGENCY}": agency})
    return queryset


def _totals(rows, lines, live: LiveRanges, made: str) -> TillTotals:
    """What `rows` (lines) come to, those of the removed ranges taken off: one query."""
    quantity, line, amount = lines
    aggregates = till_aggregates(quantity, line, amount())
    totals = TillTotals(devices_by_kind={kind.value: 0 for kind in DEVICE_KINDS})
    for row in rows.values(sign=live.sign(made)).annotate(**aggregates).order_by():
        totals = totals + TillTotals.of(row) if row["sign"] > 0 else totals - TillTotals.of(row)
    return totals


def _refunds(live: LiveRanges, sites, agency) -> tuple[int, TillTotals]:
    """Refunds made in the live ranges (those of the removed ones taken off), whenever the sale
    was: how many, and what their lines gave back (units, credit, money, and the subsidy the
    refunded units had carried); the one place that counts refunds for the figures. Two
    queries."""
    refunds = _scoped(Refund.objects, ranges=live.all(), sites=sites, agency=agency, sale="sale__")
    counted = refunds.values(sign=live.sign()).annotate(n=Count("pk")).order_by()
    lines = RefundLine.objects.filter(refund__in=refunds)
    return (
        sum(row["sign"] * row["n"] for row in counted),
        _totals(lines, REFUND_LINES, live, "refund__"),
    )


@dataclass(frozen=True)
class SalesFigures:
    """What the till did in a period (see `sales_figures`): gross, refunded in the period, net."""

    sales_count: int
    gross: TillTotals
    refunds_count: int
    refunded: TillTotals
    paid_by_method: dict[str, Decimal]  # gross, as paid
    by_site_month: list[dict]  # {"site_id", "site_name", "month", "sales", "amount", "subsidy"}
    first_mobile_phones: int

    @property
    def net(self) -> TillTotals:
        return self.gross - self.refunded


@dataclass
class _Till:
    """Gross, refunded and payments, added up from the summary and the live count."""

    gross: TillTotals = field(default_factory=TillTotals)
    refunds: int = 0
    refunded: TillTotals = field(default_factory=TillTotals)
    paid: dict = field(default_factory=dict)

    def add_paid(self, method, amount):
        self.paid[method] = self.paid.get(method, ZERO) + amount


def _live_totals(live: LiveRanges, sites, agency, till: _Till, *, payments: bool) -> None:
    """Adds to `till` what the sales and refunds made in the added ranges came to, less those
    of the removed ranges: three queries (four with the payments)."""
    sales = _scoped(Sale.objects, ranges=live.all(), sites=sites, agency=agency)
    till.gross += _totals(SaleLine.objects.filter(sale__in=sales), SALE_LINES, live, "sale__")
    refunds, refunded = _refunds(live, sites, agency)
    till.refunds += refunds
    till.refunded += refunded
    if payments:
        # Joined with their sales rather than `sale__in`: for a partial month, PostgreSQL
        # would read every payment to match a few thousand sales (0.3 s at 2.5 M sales).
        paid = _scoped(
            Payment.objects,
            ranges=live.all(),
            sites=sites,
            agency=agency,
            sale="sale__",
            made="sale__",
        )
        rows = paid.values("method", sign=live.sign("sale__")).annotate(amount=Sum("amount"))
        for row in rows.order_by():
            till.add_paid(row["method"], row["sign"] * row["amount"])


def _summary_totals(rows, till: _Till) -> None:
    """Adds the summary rows' totals to `till`: one query."""
    columns = ("count", "total", "amount", "topups", "operator_credit", "reference", "donation")
    columns += tuple(kind.value for kind in DEVICE_KINDS)
    for row in rows.values("kind", "method").annotate(**{c: Sum(c) for c in columns}).order_by():
        if row["kind"] == TillMonth.PAYMENTS:
            till.add_paid(row["method"], row["amount"])
        elif row["kind"] == TillMonth.SALES:
            till.gross += TillTotals.of(row)
        else:
            till.refunds += row["count"]
            till.refunded += TillTotals.of(row)


def split(period: Period) -> tuple[tuple[date, date], LiveRanges]:
    """The months of `period` read from the summary, as [first, last) month; and what to count
    live (`LiveRanges`): added, the part of a month the period begins or ends inside and the
    months the summary does not cover yet (the current one at least); removed, the days outside
    the period of a month it begins or ends inside, when that month is covered and those days
    are fewer than the period's (that month is then read whole from the summary). Each may be
    empty; all are read all the same, so that a page's query count never depends on the day.
    One query."""
    until = TillMonthsCovered.objects.values_list("until", flat=True).first() or date.min
    after = period.end + timedelta(days=1)
    first, last = first_of_month(period.start), first_of_month(after)
    if first < period.start:  # begins inside a month: read whole if mostly in the period
        following = add_months(first, 1)
        if period.start - first >= following - period.start or following > until:
            first = following
    if last < after:  # ends inside a month: likewise
        following = add_months(last, 1)
        if following <= until and following - after < after - last:
            last = following
    last = max(first, min(last, until))
    end = period.bounds()[1]
    if first == last:
        return (first, last), LiveRanges([period.bounds()], [(end, end)])
    added, removed = [], []
    if period.start < first:
        added.append(Period(period.start, first - timedelta(days=1)).bounds())
    elif first < period.start:
        removed.append(Period(first, period.start - timedelta(days=1)).bounds())
    if last < after:
        added.append(Period(last, period.end).bounds())
    elif after < last:
        removed.append(Period(after, last - timedelta(days=1)).bounds())
    return (first, last), LiveRanges(added or [(end, end)], removed or [(end, end)])


def summarised(months: tuple[date, date], sites, agency):
    """The summary rows of `months` at `sites` for `agency`."""
    rows = TillMonth.objects.filter(month__gte=months[0], month__lt=months[1])
    if sites is not None:
        rows = rows.filter(site__in=sites)
    if agency is not None:
        rows = rows.filter(agency=agency)
    return rows


def _till(period: Period, sites, agency, *, payments: bool) -> tuple[_Till, LiveRanges, object]:
    """The till's totals over `period`: (totals, the live ranges, the summary rows read)."""
    months, live = split(period)
    till = _Till()
    rows = summarised(months, sites, agency)
    _summary_totals(rows, till)
    _live_totals(live, sites, agency, till, payments=payments)
    return till, live, rows


def sales_totals(*, period: Period, sites=None, agency=None) -> TillTotals:
    """Net of the refunds made in `period`: what the till gave out (the "since launch" row
    passes a period from the launch). Five queries."""
    till, _, _ = _till(period, sites, agency, payments=False)
    return till.gross - till.refunded


def _by_site_month(live: LiveRanges, sites, agency, rows) -> list[dict]:
    """Sales, amount and subsidy by site and month: the summary's months, with the live counts
    added (or taken off, for the removed ranges), ordered by site name (in French order:
    `french_order`) and month. A site and month left with no sale is not shown."""
    counted = {}  # (site id, month) -> {"site_id", "site_name", "month", "sales", ...}

    def add(row, sign=1):
        month = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
        found = counted.setdefault(
            (row["site_id"], month),
            {
                "site_id": row["site_id"],
                "site_name": row["site_name"],
                "month": month,
                "sales": 0,
                "amount": ZERO,
                "subsidy": ZERO,
            },
        )
        for name in ("sales", "amount", "subsidy"):
            found[name] += sign * row.get(name, 0)

    for row in (
        rows.filter(kind=TillMonth.SALES)
        .values("site_id", "month")
        .annotate(
            site_name=F("site__name"),
            sales=Sum("count"),
            sold=Sum("total"),  # "amount" is a column of the summary: another name
            subsidy=Sum(F("reference") - F("amount")),
        )
        .order_by()
    ):
        add({**row, "amount": row["sold"]})
    sales = _scoped(Sale.objects, ranges=live.all(), sites=sites, agency=agency)
    month = TruncMonth("at", tzinfo=timezone.get_current_timezone())
    for row in (
        sales.annotate(month=month)
        .values("site_id", "month", sign=live.sign())
        .annotate(sales=Count("pk"), amount=Sum("total"), site_name=F("site__name"))
        .order_by()
    ):
        add(row, row["sign"])
    line_month = TruncMonth("sale__at", tzinfo=timezone.get_current_timezone())
    for row in (
        SaleLine.objects.filter(sale__in=sales)
        .annotate(month=line_month, site_id=F("sale__site_id"), site_name=F("sale__site__name"))
        .values("site_id", "site_name", "month", sign=live.sign("sale__"))
        .annotate(subsidy=Sum(line_subsidy()))
        .order_by()
    ):
        add(row, row["sign"])
    # A site and month whose sales were all outside the period (or a sale committed between
    # two reads, counted at the next look) shows nothing rather than a row of zeros or half.
    shown = [row for row in counted.values() if row["sales"] > 0]
    return sorted(shown, key=lambda row: (french_order(row["site_name"]), row["month"]))


def sales_figures(*, period: Period, sites=None, agency=None) -> SalesFigures:
    """The till's figures for the impact dashboard, all aggregated in the database in ten
    queries: what the summary covers (three, with the reading of its coverage), what is counted
    live (six), and the first mobile phones (one, always live).

    Sales and their lines count under the site of the sale (where the money was taken and the
    stock left) and the agency of the referral that enrolled the buyer; refunds likewise, in the
    period they were made (whenever the sale was): every figure is shown gross, refunded and net.
    "First mobile phones" counts people, not sales: people enrolled in the period without a
    mobile who bought a phone by the end of the period, not refunded by then; they count under
    the site where they enrolled and the agency of their enrolment referral, like every
    person-based figure (docs/architecture.md)."""
    till, live, rows = _till(period, sites, agency, payments=True)
    by_site_month = _by_site_month(live, sites, agency, rows)
    end = period.bounds()[1]
    first_phones = Beneficiary.objects.filter(
        has_mobile=False, enrolled_on__range=(period.start, period.end)
    )
    if sites is not None:
        first_phones = first_phones.filter(enrolled_site__in=sites)
    if agency is not None:
        first_phones = first_phones.filter(enrolment_referral__agency=agency)
    refunded_by_then = RefundLine.objects.filter(sale_line=OuterRef("pk"), refund__at__lt=end)
    phone_lines = SaleLine.objects.filter(
        sale__beneficiary=OuterRef("pk"), kind=ProductKind.PHONE, sale__at__lt=end
    ).exclude(Exists(refunded_by_then))
    return SalesFigures(
        sales_count=sum(row["sales"] for row in by_site_month),
        gross=till.gross,
        refunds_count=till.refunds,
        refunded=till.refunded,
        # A method whose payments were all on days taken off adds up to nothing: not shown.
        paid_by_method={method: paid for method, paid in sorted(till.paid.items()) if paid},
        by_site_month=by_site_month,
        first_mobile_phones=first_phones.filter(Exists(phone_lines)).count(),
    )
