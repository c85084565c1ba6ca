"""The till's steps on the demo data, at the demo counsellor's site: the queries of each step,
pinned (docs/architecture.md, "The till's requests"; tests/sales/test_till_queries.py pins them
at two data sizes). The demo has purchase limits and partner agencies, as production has."""

from decimal import Decimal

import pytest
from django.utils import timezone

from beneficiaries.models import Beneficiary
from catalogue.enums import DeviceStatus, Tracking
from catalogue.models import Device, Product
from catalogue.selectors import stock_levels
from connexions.models import User
from sales import services
from sales.models import Sale
from tests.conftest import client_for
from tests.sales.till_steps import counts, till_steps

pytestmark = pytest.mark.django_db


def test_each_till_step_on_the_demo_data(client):
    counsellor = User.objects.get(email="conseiller@demo.connexions.fr")
    manager = User.objects.get(email="responsable@demo.connexions.fr")
    site = counsellor.memberships.get().site
    services.till_open(site=site, opening_float=Decimal("50.00"), actor=manager)
    person = (
        Beneficiary.objects.eligible_on(timezone.localdate())
        .filter(enrolled_site=site)
        .exclude(pk__in=Sale.objects.values("beneficiary"))
        .order_by("pk")
        .first()
    )
    levels = stock_levels(site)
    topup = next(
        product
        for product in Product.objects.active().order_by("pk")
        if product.tracking == Tracking.VOUCHER
        and levels.get(product.pk, None)
        and levels[product.pk].available
    )
    device = Device.objects.filter(
        site=site, status=DeviceStatus.IN_STOCK, product__is_active=True
    ).first()
    client_for(client, counsellor)
    steps = till_steps(client, person=person, topup=topup, device=device)
    # Each write of the session and the checkout's transaction are savepoints in a test: the
    # confirmation's floor is its locks, re-checks, writes and audit row (docs/architecture.md).
    assert counts(steps) == {
        "scan card": 9,
        "add": 9,
        "scan device": 10,
        "remove": 9,
        "confirm": 24,
    }
