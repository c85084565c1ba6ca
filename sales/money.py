"""Reads of the till's money: where a refund may send money back (each payment source of the
sale, net of earlier refunds) and the natural split of an amount over them, the cash moved in
and out of a session, and when an open session becomes stale."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from connexions.numbers import money
from sales.enums import PaymentMethod
from sales.models import CashMovement, Payment, RefundPayment

ZERO = Decimal("0.00")
# The natural order money goes back in: cash first, then card, then the rest.
SPLIT_ORDER = [PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.CHEQUE, PaymentMethod.AGENCY]


@dataclass(frozen=True)
class RefundSource:
    """One way the sale was paid: a method, and for agency funding the agency."""

    method: str
    agency: object  # PartnerAgency or None
    paid: Decimal
    refunded: Decimal

    @property
    def key(self) -> str:
        return f"{self.method}-{self.agency.pk}" if self.agency else self.method

    @property
    def available(self) -> Decimal:
        return self.paid - self.refunded

    @property
    def label(self) -> str:
        label = PaymentMethod(self.method).label
        if self.agency is not None:
            return _("%(method)s (back to %(agency)s)") % {
                "method": label,
                "agency": self.agency.name,
            }
        return label


def refund_sources(sale) -> list[RefundSource]:
    """The sale's payment sources in the natural order, each with what it paid and what was
    already given back through it: two queries."""
    paid: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    agencies = {}
    for payment in Payment.objects.filter(sale=sale).select_related("agency").order_by("id"):
        # An exchange credit came from an earlier sale's money: it goes back as cash.
        method = PaymentMethod.CASH if payment.method == PaymentMethod.EXCHANGE else payment.method
        paid[method, payment.agency_id] += payment.amount
        agencies[payment.agency_id] = payment.agency
    refunded: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    rows = (
        RefundPayment.objects.filter(refund__sale=sale)
        .values("method", "agency_id")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for row in rows:
        refunded[row["method"], row["agency_id"]] += row["amount"]
    keys = sorted(paid, key=lambda k: (SPLIT_ORDER.index(k[0]), k[1] or 0))
    return [
        RefundSource(
            method, agencies.get(agency_id), paid[method, agency_id], refunded[method, agency_id]
        )
        for method, agency_id in keys
    ]


def natural_split(amount: Decimal, sources: list[RefundSource]) -> dict[str, Decimal]:
    """{source key: amount}: cash back first up to the cash still refundable, then card, then
    the rest; what no source can take is left out (the caller refuses it)."""
    split = {}
    left = money(amount)
    for source in sources:
        take = min(left, max(source.available, ZERO))
        if take > 0:
            split[source.key] = take
            left -= take
    return split


# --- cash during the session -------------------------------------------------------------------


def cash_movements(session) -> list[CashMovement]:
    return list(
        CashMovement.objects.filter(till_session=session)
        .select_related("recorded_by")
        .order_by("at", "id")
    )


def cash_moved(session) -> tuple[Decimal, Decimal]:
    """(cash put in, cash taken out) during the session, both positive: one query."""
    rows = CashMovement.objects.filter(till_session=session).values_list("amount", flat=True)
    cash_in = sum((a for a in rows if a > 0), ZERO)
    cash_out = -sum((a for a in rows if a < 0), ZERO)
    return cash_in, cash_out


# --- stale sessions ----------------------------------------------------------------------------


def stale_from(session) -> datetime:
    """When an open session stops selling: the day after its opening at `TILL_STALE_HOUR`."""
    opened = timezone.localtime(session.opened_at)
    day = opened.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(settings.TILL_STALE_HOUR)))


def opened_before_today(session, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return timezone.localtime(session.opened_at).date() < timezone.localtime(now).date()


def is_stale(session, now: datetime | None = None) -> bool:
    return session.is_open and (now or timezone.now()) >= stale_from(session)


def opened_since(session) -> str:
    """ "le lundi 28/11 à 18:01": when the session was opened, as the till's warning says it."""
    opened = timezone.localtime(session.opened_at)
    return _("%(weekday)s %(date)s at %(time)s") % {
        "weekday": formats.date_format(opened, "l").lower(),
        "date": opened.strftime("%d/%m"),
        "time": opened.strftime("%H:%M"),
    }
