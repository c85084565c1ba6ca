from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalogue.enums import VoucherStatus
from catalogue.models import CountedStock, Voucher
from tests.catalogue.factories import ProductFactory, receive_vouchers


def test_expire_vouchers_command(site_a, manager_a):
    product = ProductFactory()
    receive_vouchers(site_a, product, 2, actor=manager_a)
    Voucher.objects.filter(pk=Voucher.objects.first().pk).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    out = StringIO()
    call_command("catalogue_expire_vouchers", stdout=out)
    assert out.getvalue().startswith("1 ")
    assert Voucher.objects.filter(status=VoucherStatus.WRITTEN_OFF).count() == 1
    call_command("catalogue_check_ledger", stdout=StringIO())


def test_check_ledger_command_finds_a_difference(site_a, manager_a):
    sim = ProductFactory(sim=True)
    CountedStock.objects.create(site=site_a, product=sim, quantity=3)  # bypassing the services
    with pytest.raises(CommandError):
        call_command("catalogue_check_ledger", stdout=StringIO(), stderr=StringIO())


def test_seed_demo_is_idempotent_and_consistent(db):
    from catalogue.models import Device, Product, StockMovement
    from catalogue.validators import imei_is_valid
    from connexions.models import ReceptionSite

    call_command("seed_demo", stdout=StringIO())
    counts = [m.objects.count() for m in (Product, Voucher, Device, StockMovement)]
    call_command("seed_demo", stdout=StringIO())
    assert [m.objects.count() for m in (Product, Voucher, Device, StockMovement)] == counts
    call_command("catalogue_check_ledger", stdout=StringIO())
    sites = ReceptionSite.objects.all()
    assert sites.count() == 7
    for site in sites:
        assert Voucher.objects.filter(site=site, expires_on__gt=timezone.localdate()).exists()
        assert Device.objects.filter(site=site).exists()
    assert all(
        imei_is_valid(i) for i in Device.objects.exclude(imei=None).values_list("imei", flat=True)
    )
    topup = Product.objects.get(name="Recharge mobile SFR 15 €")
    assert (topup.solidarity_price, topup.face_value) == (2.50, 15)
