"""Demo till activity: past, closed sessions with sales at every site, recorded through
the services like real ones. Idempotent: a site that already has till sessions is left alone."""

import random
import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from beneficiaries.models import Beneficiary
from catalogue.enums import DeviceStatus, Tracking, VoucherStatus
from catalogue.models import Device, Product, Voucher
from connexions.demo import SITES
from connexions.models import ReceptionSite, SiteMembership
from sales import services, summaries
from sales.enums import PaymentMethod
from sales.models import TillSession
from sales.services import CartItem, PaymentLine, SaleError

DAYS_AGO = [3, 1]  # two past days of till activity per site
SALES_PER_DAY = 3


def seed():
    products = list(Product.objects.active().order_by("kind", "name"))
    topups = [p for p in products if p.tracking == Tracking.VOUCHER]
    counted = [p for p in products if p.tracking == Tracking.COUNTED]
    for index, (name, *_rest) in enumerate(SITES):
        site = ReceptionSite.objects.get(name=name)
        if TillSession.objects.filter(site=site).exists():
            continue
        manager = (
            SiteMembership.objects.filter(site=site, can_open_till=True)
            .select_related("user")
            .order_by("pk")
            .first()
            .user
        )
        rng = random.Random(f"sales-{index}")
        today = timezone.localdate()
        for days_ago in DAYS_AGO:
            day = today - timedelta(days=days_ago)
            people = list(
                Beneficiary.objects.eligible_on(day)
                .filter(enrolled_site=site, enrolled_on__lte=day)
                .order_by("pk")
            )
            if not people:
                continue
            opened = _at(day, 9, 30)
            session = services.till_open(
                site=site, opening_float=Decimal("50.00"), actor=manager, at=opened
            )
            for n in range(SALES_PER_DAY):
                person = people[(n + days_ago) % len(people)]
                items = _basket(rng, site, n, days_ago, topups, counted)
                _sell(site, person, items, manager, rng, _at(day, 10 + 2 * n, rng.randint(0, 59)))
            totals = services.selectors.session_totals(session)
            expected = services.selectors.expected_cash(session, totals)
            difference = Decimal("-0.50") if days_ago == 1 and index % 3 == 0 else Decimal("0")
            services.till_close(
                session=session,
                counted_cash=expected + difference,
                actor=manager,
                at=_at(day, 17, 30),
            )
    summaries.refresh()  # the demo's sales lie in past days, some perhaps in last month


def _at(day, hour, minute) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _basket(rng, site, n, days_ago, topups, counted) -> list[CartItem]:
    items = []
    available = [
        p
        for p in topups
        if Voucher.objects.filter(site=site, product=p, status=VoucherStatus.IN_STOCK).exists()
    ]
    if available:
        items.append(CartItem(rng.choice(available), quantity=rng.randint(1, 2)))
    if n == 0 and days_ago == DAYS_AGO[0]:
        phone = (
            Device.objects.filter(site=site, status=DeviceStatus.IN_STOCK, product__kind="phone")
            .select_related("product")
            .order_by("pk")
            .first()
        )
        if phone is not None:
            items.append(CartItem(phone.product, device_code=phone.code))
    if n == 1 and counted:
        items.append(CartItem(rng.choice(counted)))
    return items


def _sell(site, person, items, actor, rng, at):
    if not items:
        return
    total = sum((i.product.solidarity_price * i.quantity for i in items), Decimal("0.00"))
    if total > 20 and rng.random() < 0.5:
        payments = [
            PaymentLine(
                PaymentMethod.CARD, total - Decimal("10.00"), f"TPE-{rng.randint(1000, 9999)}"
            ),
            PaymentLine(PaymentMethod.CASH, Decimal("10.00")),
        ]
    else:
        payments = [PaymentLine(PaymentMethod.CASH, total)]
    try:
        services.sale_checkout(
            token=uuid.uuid4(),
            site=site,
            beneficiary=person,
            items=items,
            payments=payments,
            cash_received=None,
            actor=actor,
            now=at,
        )
    except SaleError:
        return  # a limit reached in the demo history: that person simply bought nothing
