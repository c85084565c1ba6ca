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
