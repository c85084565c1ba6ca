"""Who paid for what a sale line gave: the person (the price paid), a partner's donation (the
donated unit's value) and the programme (the rest of the subsidy), and the sale lines of the
donated units the stock ledger traced (docs/architecture.md, "Donated stock"). The impact
dashboard reads these through `sales.selectors`."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least

from connexions.periods import Period
from sales.models import RefundLine, SaleLine

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=11, decimal_places=2)
SALE_REFERENCE = "sales.sale:"


@dataclass(frozen=True)
class SubsidySplit:
    """A sale line's reference value, split: what the person paid, what a partner's donation
    covered and what the programme covered (the subsidy is the last two)."""

    paid: Decimal = ZERO
    donation: Decimal = ZERO
    programme: Decimal = ZERO

    @property
    def subsidy(self) -> Decimal:
        return self.donation + self.programme

    def __add__(self, other: "SubsidySplit") -> "SubsidySplit":
        return SubsidySplit(
            self.paid + other.paid,
            self.donation + other.donation,
            self.programme + other.programme,
        )


def subsidy_split(
    *, unit_price: Decimal, reference_price: Decimal, quantity: int, donated_value: Decimal
) -> SubsidySplit:
    """The one rule: the subsidy of a unit is its reference price minus its price (never below
    zero); a donated unit's value covers it first, up to the whole subsidy; the programme covers
    the rest. A bought unit (`donated_value` 0) is all the programme's."""
    subsidy = max(reference_price - unit_price, ZERO)
    donation = min(max(donated_value, ZERO), subsidy)
    return SubsidySplit(
        paid=unit_price * quantity,
        donation=donation * quantity,
        programme=(subsidy - donation) * quantity,
    )


def donated_unit_value(prefix: str = ""):
    """`subsidy_split`'s donation per unit as a database expression over sale lines (or refund
    lines through `prefix`, e.g. "sale_line__"): the donated voucher's batch value or the donated
    device's declared value, capped at the unit's subsidy; 0 for bought stock."""
    subsidy = Greatest(
        ExpressionWrapper(F(f"{prefix}reference_price") - F(f"{prefix}unit_price"), MONEY),
        Value(ZERO),
    )

    def capped(value: str):
        return Least(Coalesce(F(f"{prefix}{value}"), Value(ZERO)), subsidy)

    return Case(
        When(
            **{f"{prefix}voucher__batch__donor__isnull": False},
            then=capped("voucher__batch__unit_value"),
        ),
        When(**{f"{prefix}device__donor__isnull": False}, then=capped("device__value")),
        default=Value(ZERO),
        output_field=MONEY,
    )


@dataclass(frozen=True)
class DonatedSale:
    """A donated unit the ledger traced to its sale line, sold in the period and kept by its
    buyer (not refunded by the end of the period)."""

    unit: object  # catalogue.selectors.DonatedUnitOut
    beneficiary_id: int
    split: SubsidySplit


def donated_sales(units: Iterable, *, period: Period) -> list[DonatedSale]:
    """The sale line of each unit catalogue's ledger says the till gave out (the sale its row
    names, and the unit), for the sales made in `period`, with the person who bought it and who
    paid for it; units refunded by the end of `period` are left out. One query (none without
    units)."""
    units = list(units)
    sale_ids = {
        int(u.reference.removeprefix(SALE_REFERENCE))
        for u in units
        if u.reference.startswith(SALE_REFERENCE)
    }
    if not sale_ids:
        return []
    start, end = period.bounds()
    refunded = RefundLine.objects.filter(sale_line=OuterRef("pk"), refund__at__lt=end)
    rows = (
        SaleLine.objects.filter(sale_id__in=sale_ids, sale__at__gte=start, sale__at__lt=end)
        .filter(
            Q(voucher_id__in=[u.voucher_id for u in units if u.voucher_id])
            | Q(device_id__in=[u.device_id for u in units if u.device_id])
        )
        .exclude(Exists(refunded))
        .values_list(
            "sale_id",
            "voucher_id",
            "device_id",
            "sale__beneficiary_id",
            "unit_price",
            "reference_price",
            "quantity",
        )
    )
    lines = {
        (sale_id, voucher_id, device_id): (beneficiary, price, reference, quantity)
        for sale_id, voucher_id, device_id, beneficiary, price, reference, quantity in rows
    }
    sales = []
    for unit in units:
        if not unit.reference.startswith(SALE_REFERENCE):
            continue
        key = (int(unit.reference.removeprefix(SALE_REFERENCE)), unit.voucher_id, unit.device_id)
        if key not in lines:
            continue
        beneficiary, price, reference, quantity = lines[key]
        split = subsidy_split(
            unit_price=price,
            reference_price=reference,
            quantity=quantity,
            donated_value=unit.value,
        )
        sales.append(DonatedSale(unit, beneficiary, split))
    return sales
