"""Large data set (`seed_scale`, and the programme-scale demo): a till session on every weekday
of the plan's years at each site, as many sales as the site has people who may buy (each person
buys at their own site), sales of counted items paid in cash, by card or by agency funding, some
refunded later the same day, each one a journal entry numbered, hashed and chained by
`sales.journal` exactly as a checkout does; stock moves through catalogue's bulk ledger, and the
heads end on the last entry."""

import uuid
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from beneficiaries.scale import enrolled_by
from catalogue.enums import MovementKind, Tracking
from catalogue.scale import CountedLedger, DeviceSupply, VoucherSupply
from connexions.bulk import BulkWriter, ScalePlan, instance
from connexions.models import PartnerAgency, SiteMembership
from connexions.numbers import money
from connexions.periods import add_months
from sales import journal, summaries
from sales.enums import PaymentMethod, RefundReason
from sales.models import (
    CheckoutToken,
    JournalHead,
    Payment,
    Refund,
    RefundLine,
    RefundPayment,
    Sale,
    SaleLine,
    TillSession,
)

REQUIRES_EMPTY = [Sale, TillSession]
OPENING_FLOAT = Decimal("50.00")
REFUND_RATE = 0.03
TOPUP_SHARE = 0.6  # of the demo's sales (seed_scale sells counted items only)
ZERO = Decimal("0.00")


class _Journal:
    """One site's journal as it is being written: the next number, the last hash, this year's
    receipt counters."""

    def __init__(self, site_id):
        self.site_id = site_id
        self.number, self.last_hash, self.year = 0, "", 0
        self.counters = {"sale": 0, "refund": 0}

    def next(self, at, counter: str) -> dict:
        year = at.year
        if year != self.year:
            self.year, self.counters = year, {"sale": 0, "refund": 0}
        self.number += 1
        self.counters[counter] += 1
        return {
            "journal_number": self.number,
            "receipt_year": year,
            "receipt_sequence": self.counters[counter],
            "previous_hash": self.last_hash,
        }

    def save(self):
        JournalHead.objects.update_or_create(
            site_id=self.site_id,
            defaults={
                "last_number": self.number,
                "last_hash": self.last_hash,
                "year": self.year,
                "sale_counter": self.counters["sale"],
                "refund_counter": self.counters["refund"],
            },
        )


def finish() -> None:
    """The generated sales lie in past months: rebuild the dashboard's monthly summary."""
    summaries.refresh()


def seed(plan: ScalePlan, writer: BulkWriter) -> None:
    products = plan.shared["counted_products"]
    staff = plan.shared["staff"]
    managers = {
        site: SiteMembership.objects.filter(site_id=site, can_open_till=True)
        .order_by("pk")
        .values_list("user_id", flat=True)
        .first()
        or users[0]
        for site, users in staff.items()
    }
    agency = PartnerAgency.objects.order_by("pk").values_list("pk", flat=True).first()
    days = [
        plan.start + timedelta(days=n)
        for n in range((plan.today - plan.start).days)
        if (plan.start + timedelta(days=n)).weekday() < 5
    ]
    per_sale = (1 + min(3, len(products))) / 2
    sites = plan.shared["sites"]
    first = plan.shared["people"][0]

    def buyers(site, day):
        """The people enrolled at `site` and still eligible on `day` (enrolled within a year):
        person number `index` enrolled at `sites[index % len(sites)]`."""
        people = range(
            enrolled_by(plan, day - timedelta(days=365)).stop, enrolled_by(plan, day).stop
        )
        offset = (sites.index(site) - (people.start - first)) % len(sites)
        return people[offset :: len(sites)]

    # Sales follow the number of people who may buy, so nobody buys every day of the launch.
    person_days = sum(len(buyers(site, day)) for site in staff for day in days)
    rate = plan.sale_lines / per_sale / (person_days or 1)
    ledger = CountedLedger(writer, receiver_by_site=managers)
    ids = {model: writer.ids(model) for model in (Sale, SaleLine, Refund, TillSession)}
    rng = plan.rng("sales")
    # The demo's first phones (beneficiaries decides who buys one, and when): one sale each.
    first_phones = plan.shared.get("first_phones", {})
    supply = DeviceSupply(writer) if first_phones else None
    vouchers = VoucherSupply(writer, receiver_by_site=managers) if plan.demo else None
    phones = defaultdict(list)
    for person, day in sorted(first_phones.items()):
        phones[(sites[(person - first) % len(sites)], day)].append(person)
    for site, users in staff.items():
        head = _Journal(site)
        for day in days:
            people = buyers(site, day)
            count = int(rate * len(people) + rng.random())
            if (count and people) or phones.get((site, day)):
                writer.add_all(
                    _day(
                        rng,
                        ledger,
                        ids,
                        head,
                        site,
                        users,
                        managers[site],
                        agency,
                        products,
                        people,
                        day,
                        count,
                        phones=[(p, supply) for p in phones.get((site, day), ())],
                        vouchers=vouchers,
                    )
                )
        head.save()
        writer.flush()
    if vouchers is not None:
        vouchers.finish()
    ledger.finish()


def _day(
    rng,
    ledger,
    ids,
    head,
    site,
    users,
    manager,
    agency,
    products,
    people,
    day,
    count,
    phones,
    vouchers,
):
    """One site's till day: the closed session, then its sales and refunds in time order (the
    rows to write, parents first); `phones`: (buyer, supply) of the first phones sold that day;
    `vouchers`: the demo's top-ups (None: counted items only)."""
    session = instance(
        TillSession,
        pk=next(ids[TillSession]),
        site_id=site,
        opened_by_id=manager,
        opened_at=_at(day, 8, 0),
        opening_float=OPENING_FLOAT,
    )
    out = [session]
    entries = []
    phone_sales = {}
    for index, minute in enumerate(sorted(rng.randrange(9 * 60, 17 * 60) for _ in range(count))):
        entries.append((minute, "sale", index))
        if rng.random() < REFUND_RATE:
            entries.append((minute + rng.randint(5, 50), "refund", index))
    for index, phone in enumerate(phones, start=count):
        entries.append((rng.randrange(9 * 60, 17 * 60), "sale", index))
        phone_sales[index] = phone
    entries.sort(key=lambda e: e[0])
    by_method = {m: ZERO for m in PaymentMethod.values}
    refunded = ZERO
    sales = {}
    for order, (minute, kind, of) in enumerate(entries):
        at = _at(day, minute // 60, minute % 60) + timedelta(seconds=order % 60)
        seller = users[order % len(users)]
        if kind == "sale":
            sale, lines, payment = _sale(
                rng,
                out,
                ids,
                head,
                session,
                site,
                seller,
                agency,
                products,
                people,
                at,
                phone=(*phone_sales[of], manager) if of in phone_sales else None,
                vouchers=vouchers,
            )
            sales[of] = (sale, lines, payment)
            by_method[payment.method] += payment.amount
            # Vouchers and devices wrote their own ledger rows.
            for line in filter(_counted, lines):
                ledger.move(
                    site_id=site,
                    product_id=line.product_id,
                    quantity=-line.quantity,
                    kind=MovementKind.SALE,
                    at=at,
                    actor_id=seller,
                    reference=f"sales.sale:{sale.pk}",
                )
        else:
            sale, lines, payment = sales[of]
            line = next(filter(_counted, lines), None)
            if line is None:  # top-ups and phones are not taken back here
                continue
            refund = instance(
                Refund,
                pk=next(ids[Refund]),
                site_id=site,
                till_session_id=session.pk,
                at=at,
                **head.next(at, "refund"),
                sale_id=sale.pk,
                refunded_by_id=seller,
                hash_version=journal.REFUND_HASH_VERSION,
                amount=line.unit_price * line.quantity,
                reason=RefundReason.FAULTY,
            )
            refund_lines = [
                instance(
                    RefundLine,
                    refund_id=refund.pk,
                    sale_line_id=line.pk,
                    quantity=line.quantity,
                    amount=refund.amount,
                )
            ]
            refund_payments = [
                instance(
                    RefundPayment,
                    refund_id=refund.pk,
                    method=payment.method,
                    amount=refund.amount,
                    agency_id=payment.agency_id,
                )
            ]
            refund.hash = journal.refund_hash(
                refund, refund_lines, refund_payments, sale.beneficiary_id
            )
            head.last_hash = refund.hash
            out += [refund, *refund_lines, *refund_payments]
            by_method[payment.method] -= refund.amount
            refunded += refund.amount
            ledger.move(
                site_id=site,
                product_id=line.product_id,
                quantity=line.quantity,
                kind=MovementKind.RETURN,
                at=at,
                actor_id=seller,
                reference=f"sales.refund:{refund.pk}",
            )
    expected = OPENING_FLOAT + by_method[PaymentMethod.CASH]
    session.closed_by_id = manager
    session.closed_at = _at(day, 18, 0)
    session.counted_cash = session.expected_cash = expected
    session.cash_difference = ZERO
    session.cash_total = by_method[PaymentMethod.CASH]
    session.card_total = by_method[PaymentMethod.CARD]
    session.cheque_total = by_method[PaymentMethod.CHEQUE]
    session.agency_total = by_method[PaymentMethod.AGENCY]
    session.refunds_total = refunded
    session.sales_count = len(sales)
    return out


def _counted(line) -> bool:
    return line.voucher_id is None and line.device_id is None


def _sale(
    rng,
    out,
    ids,
    head,
    session,
    site,
    seller,
    agency,
    products,
    people,
    at,
    phone=None,
    vouchers=None,
):
    """A sale of 1 to 3 counted items to someone of `people`; with `vouchers`, most sales are
    one or two top-ups instead (vouchers taken through catalogue's `VoucherSupply`); with
    `phone` (buyer, supply, the site's manager), a refurbished phone to that buyer, its unit
    received and sold through catalogue's `DeviceSupply`."""
    sale_id = next(ids[Sale])
    chosen = sorted(rng.sample(products, rng.randint(1, min(3, len(products)))), key=lambda p: p.pk)
    buyer = rng.choice(people)
    device = {}
    if phone is None and vouchers is not None and rng.random() < TOPUP_SHARE:
        chosen = [rng.choice(vouchers.topups)] * rng.choice([1, 1, 1, 2])
    if phone is not None:
        buyer, supply, manager = phone
        product = rng.choice(supply.phones)
        chosen = [product]
        device["device_id"] = supply.sell(
            product=product,
            site_id=site,
            sold_at=at,
            receiver_id=manager,
            seller_id=seller,
            reference=f"sales.sale:{sale_id}",
        )
        if product.warranty_months:
            device["warranty_until"] = add_months(at.date(), product.warranty_months)
    lines = []
    for product in chosen:
        price = money(product.solidarity_price)
        compared = product.compared_price
        unit = device
        if product.tracking == Tracking.VOUCHER:
            unit = {
                "voucher_id": vouchers.sell(
                    product=product,
                    site_id=site,
                    at=at,
                    seller_id=seller,
                    reference=f"sales.sale:{sale_id}",
                )
            }
        lines.append(
            instance(
                SaleLine,
                pk=next(ids[SaleLine]),
                sale_id=sale_id,
                product_id=product.pk,
                product_name=product.name,
                kind=product.kind,
                quantity=1 if unit else rng.randint(1, 2),
                unit_price=price,
                reference_price=money(compared) if compared is not None else price,
                face_value=money(product.face_value) if product.face_value is not None else None,
                **unit,
            )
        )
    total = sum((line.unit_price * line.quantity for line in lines), ZERO)
    draw = rng.random()
    method = (
        PaymentMethod.CASH
        if draw < 0.7
        else PaymentMethod.CARD
        if draw < 0.95 or agency is None
        else PaymentMethod.AGENCY
    )
    payment = instance(
        Payment,
        sale_id=sale_id,
        method=method,
        amount=total,
        reference=f"AG-{sale_id}" if method == PaymentMethod.AGENCY else "",
        agency_id=agency if method == PaymentMethod.AGENCY else None,
    )
    token = instance(
        CheckoutToken,
        token=uuid.UUID(int=rng.getrandbits(128), version=4),
        site_id=site,
        created_at=at,
    )
    sale = instance(
        Sale,
        pk=sale_id,
        site_id=site,
        till_session_id=session.pk,
        at=at,
        **head.next(at, "sale"),
        beneficiary_id=buyer,
        seller_id=seller,
        checkout_id=token.token,
        total=total,
        reference_total=sum((line.reference_price * line.quantity for line in lines), ZERO),
        operator_credit=sum(((line.face_value or 0) * line.quantity for line in lines), ZERO),
        cash_received=total if method == PaymentMethod.CASH else None,
        change_given=ZERO,
    )
    sale.hash = journal.sale_hash(sale, lines, [payment])
    head.last_hash = sale.hash
    out += [token, sale, *lines, payment]
    return sale, lines, payment


def _at(day, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)
