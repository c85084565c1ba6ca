import io

import pytest
from django.core.management import call_command

from connexions.models import ReceptionSite
from sales.journal import verify_site_journal
from sales.models import Payment, Sale, SaleLine, TillSession
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_past_till_sessions_and_sales_at_every_site():
    call_command("seed_demo", stdout=io.StringIO())
    counts = {m: m.objects.count() for m in (TillSession, Sale, SaleLine, Payment)}
    call_command("seed_demo", stdout=io.StringIO())
    assert {m: m.objects.count() for m in counts} == counts
    assert Sale.objects.values("site").distinct().count() == 7 == ReceptionSite.objects.count()
    assert not TillSession.objects.open().exists()
    assert TillSession.objects.filter(cash_difference__lt=0).exists()
    assert SaleLine.objects.filter(device__isnull=False).exists()
    for site in ReceptionSite.objects.all():
        assert verify_site_journal(site) is None


def test_admin_is_read_only_and_for_programme_admins(client, programme_admin, counsellor_a):
    client_for(client, programme_admin)
    assert client.get("/admin/sales/sale/").status_code == 200
    assert client.get("/admin/sales/tillsession/").status_code == 200
    assert client.get("/admin/sales/sale/add/").status_code == 403
    client_for(client, counsellor_a)
    assert client.get("/admin/sales/sale/").status_code == 302
