"""Reads of the till: what a person may still buy (limits counted from sale lines not
refunded, across all sites, over catalogue's rules), receipts, reports and the figures the
impact dashboard reuses."""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from beneficiaries.models import Beneficiary
from beneficiaries.selectors import same_person_ids
from catalogue.enums import ProductKind
from catalogue.limits import LimitStatus, limit_status
from catalogue.models import PurchaseLimit
from catalogue.selectors import rule_product_filter
from connexions.codes import normalise_scanned_code
from connexions.periods import Period

# Read by the impact dashboard's partner report, which reads the till through this module.
from sales.donations import DonatedSale as DonatedSale
from sales.donations import SubsidySplit as SubsidySplit
from sales.donations import donated_sales as donated_sales
from sales.enums import PaymentMethod

# The till's figures for the impact dashboard and the partner reports (sales.figures).
from sales.figures import TOPUP_KINDS as TOPUP_KINDS
from sales.figures import line_amount, line_subsidy
from sales.figures import sales_figures as sales_figures
from sales.figures import sales_totals as sales_totals
from sales.models import (
    CashMovement,
    Payment,
    Refund,
    RefundLine,
    RefundPayment,
    Sale,
    SaleLine,
    TillSession,
)

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=11, decimal_places=2)


# --- purchase limits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleStatus:
    rule: PurchaseLimit
    status: LimitStatus

    @property
    def label(self) -> str:
        return self.rule.product.name if self.rule.product_id else self.rule.get_kind_display()

    def applies_to(self, product) -> bool:
        if self.rule.product_id:
            return self.rule.product_id == product.pk
        return self.rule.kind == product.kind


def active_rules() -> list[PurchaseLimit]:
    return list(
        PurchaseLimit.objects.filter(is_active=True).select_related("product").order_by("id")
    )


def _refunded_quantity():
    return Coalesce(
        Subquery(
            RefundLine.objects.filter(sale_line=OuterRef("pk"))
            .values("sale_line")
            .annotate(n=Sum("quantity"))
            .values("n")
        ),
        0,
    )


def limit_statuses(beneficiary, *, now: datetime | None = None, rules=None) -> list[RuleStatus]:
    """Every active rule with what it still allows `beneficiary`, counted from their sale lines
    at every site (those of their anonymised earlier files too), minus what was refunded (one
    purchase time per unit): two queries."""
    now = now or timezone.now()
    rules = active_rules() if rules is None else rules
    if not rules:
        return []
    oldest = now - timedelta(days=max(rule.window_days for rule in rules))
    flags = {
        f"rule_{rule.pk}": ExpressionWrapper(rule_product_filter(rule), output_field=BooleanField())
        for rule in rules
    }
    lines = (
        SaleLine.objects.filter(
            sale__beneficiary__in=same_person_ids(beneficiary), sale__at__gt=oldest
        )
        .annotate(bought_at=F("sale__at"), refunded=_refunded_quantity(), **flags)
        .values("bought_at", "quantity", "refunded", *flags)
    )
    times: dict[int, list[datetime]] = defaultdict(list)
    for line in lines:
        units = line["quantity"] - line["refunded"]
        for rule in rules:
            if units > 0 and line[f"rule_{rule.pk}"]:
                times[rule.pk].extend([line["bought_at"]] * units)
    return [RuleStatus(rule, limit_status(rule, times[rule.pk], now)) for rule in rules]


@dataclass(frozen=True)
class LimitRefusal:
    label: str
    wanted: int
    status: LimitStatus


def limit_refusals(statuses: list[RuleStatus], quantities: dict) -> list[LimitRefusal]:
    """The rules a cart (`{product: quantity}`) would break."""
    refusals = []
    for rule_status in statuses:
        wanted = sum(q for product, q in quantities.items() if rule_status.applies_to(product))
        if wanted and not rule_status.status.allows(wanted):
            refusals.append(LimitRefusal(rule_status.label, wanted, rule_status.status))
    return refusals


# --- receipts ----------------------------------------------------------------------------------


_RECEIPT_NUMBER = re.compile(rf"^{Sale.RECEIPT_PREFIX}?(\d{{4}})-(\d+)-(\d+)$")


def sales_matching(sales, raw: str):
    """`sales` narrowed to the receipt number or the member number typed or scanned in `raw`;
    none when it is neither."""
    query = normalise_scanned_code(raw)
    condition = Q(pk__in=[])
    receipt = _RECEIPT_NUMBER.match(query)
    if receipt:
        year, site, sequence = (int(part) for part in receipt.groups())
        condition |= Q(receipt_year=year, site_id=site, receipt_sequence=sequence)
    member = Beneficiary.id_from_number(query)
    if member is not None:
        condition |= Q(beneficiary_id=member)
    return sales.filter(condition)


def sale_for_receipt(queryset, pk):
    """A sale with everything its receipt shows, in a fixed number of queries."""
    return (
        queryset.select_related("site", "seller", "beneficiary", "till_session", "checkout")
        .prefetch_related(
            Prefetch(
                "lines",
                SaleLine.objects.select_related("voucher", "device", "product__operator")
                .annotate(refunded=_refunded_quantity())
                .order_by("id"),
            ),
            Prefetch("payments", Payment.objects.select_related("agency").order_by("id")),
            Prefetch(
                "refunds",
                Refund.objects.select_related("refunded_by")
                .prefetch_related(
                    Prefetch("payments", RefundPayment.objects.select_related("agency"))
                )
                .order_by("id"),
            ),
        )
        .annotate(print_count=Count("prints", distinct=True))
        .get(pk=pk)
    )


def refund_for_receipt(queryset, pk):
    """A refund with everything its receipt shows, in a fixed number of queries."""
    return (
        queryset.select_related("site", "refunded_by", "sale__beneficiary", "sale__site", "note")
        .prefetch_related(
            Prefetch("lines", RefundLine.objects.select_related("sale_line").order_by("id")),
            Prefetch("payments", RefundPayment.objects.select_related("agency").order_by("id")),
        )
        .annotate(print_count=Count("prints", distinct=True))
        .get(pk=pk)
    )


def purchases_of(beneficiary, limit: int = 10):
    """The person's latest sales at every site (the beneficiary file's section): one query."""
    return list(
        Sale.objects.filter(beneficiary=beneficiary)
        .select_related("site")
        .annotate(
            refunded=Coalesce(
                Subquery(
                    Refund.objects.filter(sale=OuterRef("pk"))
                    .values("sale")
                    .annotate(total=Sum("amount"))
                    .values("total")
                ),
                ZERO,
                output_field=MONEY,
            ),
            line_count=Count("lines"),
        )
        .order_by("-at", "-id")[:limit]
    )


# --- till sessions and reports -----------------------------------------------------------------


@dataclass
class SessionTotals:
    by_method: dict[str, Decimal] = field(default_factory=dict)  # received minus refunded
    refunds_by_method: dict[str, Decimal] = field(default_factory=dict)
    refunds_total: Decimal = ZERO
    sales_count: int = 0
    sales_total: Decimal = ZERO
    cash_in: Decimal = ZERO
    cash_out: Decimal = ZERO

    def method(self, method) -> Decimal:
        return self.by_method.get(method, ZERO)


def session_totals(session: TillSession) -> SessionTotals:
    """What the session took in, by payment method, net of refunds paid out (agency funding
    given back is recorded under its method, no cash leaves), and the cash put in and taken
    out during the session: four queries."""
    totals = SessionTotals()
    received = (
        Payment.objects.filter(sale__till_session=session)
        .values("method")
        .annotate(amount=Sum("amount"))
        .order_by("method")
    )
    for row in received:
        totals.by_method[row["method"]] = row["amount"]
    refunds = (
        RefundPayment.objects.filter(refund__till_session=session)
        .values("method")
        .annotate(amount=Sum("amount"))
        .order_by("method")
    )
    for row in refunds:
        totals.refunds_by_method[row["method"]] = row["amount"]
        totals.by_method[row["method"]] = totals.method(row["method"]) - row["amount"]
        totals.refunds_total += row["amount"]
    agg = Sale.objects.filter(till_session=session).aggregate(
        n=Count("pk"), total=Coalesce(Sum("total"), ZERO, output_field=MONEY)
    )
    totals.sales_count, totals.sales_total = agg["n"], agg["total"]
    moved = CashMovement.objects.filter(till_session=session).aggregate(
        cash_in=Coalesce(Sum("amount", filter=Q(amount__gt=0)), ZERO, output_field=MONEY),
        cash_out=Coalesce(Sum("amount", filter=Q(amount__lt=0)), ZERO, output_field=MONEY),
    )
    totals.cash_in, totals.cash_out = moved["cash_in"], -moved["cash_out"]
    return totals


def expected_cash(session: TillSession, totals: SessionTotals) -> Decimal:
    """The float, plus cash taken net of cash refunds, plus cash put in, minus cash taken out."""
    return (
        session.opening_float + totals.method(PaymentMethod.CASH) + totals.cash_in - totals.cash_out
    )


@dataclass(frozen=True)
class SalesReport:
    period: Period
    sales_count: int
    sales_total: Decimal
    reference_total: Decimal
    subsidy: Decimal
    operator_credit: Decimal
    by_kind: list[dict]  # {"kind", "label", "units", "amount", "subsidy"}
    by_method: list[dict]  # {"method", "label", "amount"}
    refunds_count: int
    refunds_total: Decimal
    by_day: list[dict]  # {"day", "count", "total"}


def sales_report(*, site, period: Period) -> SalesReport:
    """Daily or period report of one site: five grouped queries."""
    start, end = period.bounds()
    sales = Sale.objects.filter(site=site, at__gte=start, at__lt=end)
    lines = SaleLine.objects.filter(sale__in=sales)
    totals = lines.aggregate(
        sales_total=Coalesce(Sum(line_amount()), ZERO, output_field=MONEY),
        reference_total=Coalesce(
            Sum(ExpressionWrapper(F("reference_price") * F("quantity"), output_field=MONEY)),
            ZERO,
            output_field=MONEY,
        ),
        operator_credit=Coalesce(
            Sum(ExpressionWrapper(F("face_value") * F("quantity"), output_field=MONEY)),
            ZERO,
            output_field=MONEY,
        ),
    )
    kinds = dict(ProductKind.choices)
    by_kind = [
        {**row, "label": kinds.get(row["kind"], row["kind"])}
        for row in lines.values("kind")
        .annotate(units=Sum("quantity"), amount=Sum(line_amount()), subsidy=Sum(line_subsidy()))
        .order_by("kind")
    ]
    methods = dict(PaymentMethod.choices)
    by_method = [
        {**row, "label": methods[row["method"]]}
        for row in Payment.objects.filter(sale__in=sales)
        .values("method")
        .annotate(amount=Sum("amount"))
        .order_by("method")
    ]
    refunds = Refund.objects.filter(site=site, at__gte=start, at__lt=end).aggregate(
        n=Count("pk"), total=Coalesce(Sum("amount"), ZERO, output_field=MONEY)
    )
    by_day = list(
        sales.annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(count=Count("pk"), total=Sum("total"))
        .order_by("day")
    )
    return SalesReport(
        period=period,
        sales_count=sum(row["count"] for row in by_day),
        sales_total=totals["sales_total"],
        reference_total=totals["reference_total"],
        subsidy=totals["reference_total"] - totals["sales_total"],
        operator_credit=totals["operator_credit"],
        by_kind=by_kind,
        by_method=by_method,
        refunds_count=refunds["n"],
        refunds_total=refunds["total"],
        by_day=by_day,
    )
