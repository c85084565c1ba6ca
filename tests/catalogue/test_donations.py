"""Donated stock on catalogue's receptions: a voucher batch or a device names its donor (a
partner) and its value; purchased stock keeps its cost. Services, forms (French errors), the
reception pages, the audit rows, the admin and the database's last line of defence."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse

from catalogue.enums import Acquisition, AuditAction
from catalogue.forms import DeviceReceptionForm, VoucherImportForm
from catalogue.models import Device, VoucherBatch
from catalogue.services import StockError
from connexions.enums import PartnerKind
from connexions.models import AuditEvent, Partner
from tests.catalogue.factories import (
    ProductFactory,
    make_imei,
    receive_phone,
    receive_vouchers,
    voucher_csv,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def orange(db):
    return Partner.objects.create(name="Orange", kind=PartnerKind.OPERATOR)


@pytest.fixture
def topup(db):
    return ProductFactory(name="Recharge 15 €", face_value=D("15.00"))


@pytest.fixture
def phone(db):
    return ProductFactory(phone=True)


def test_a_donated_batch_is_worth_its_face_value(site_a, manager_a, topup, orange):
    batch = receive_vouchers(
        site_a, topup, 3, actor=manager_a, acquisition=Acquisition.DONATION, donor=orange
    )
    assert (batch.acquisition, batch.donor, batch.unit_value) == (
        Acquisition.DONATION,
        orange,
        D("15.00"),
    )
    event = AuditEvent.objects.get(action=AuditAction.VOUCHERS_IMPORTED)
    assert event.data == {
        "count": 3,
        "acquisition": "donation",
        "donor": orange.pk,
        "unit_value": "15.00",
    }


def test_a_bought_batch_keeps_its_cost(site_a, manager_a, topup):
    batch = receive_vouchers(site_a, topup, 2, actor=manager_a, unit_cost=D("12.40"))
    assert (batch.acquisition, batch.donor, batch.unit_value) == (
        Acquisition.PURCHASE,
        None,
        D("12.40"),
    )


def test_a_donated_device_names_its_donor(site_a, manager_a, phone, orange):
    device = receive_phone(
        site_a,
        phone,
        actor=manager_a,
        acquisition=Acquisition.DONATION,
        donor=orange,
        value=D("80.00"),
    )
    assert (device.donor, device.value) == (orange, D("80.00"))
    event = AuditEvent.objects.get(action=AuditAction.DEVICE_RECEIVED)
    assert event.data == {"acquisition": "donation", "donor": orange.pk, "value": "80.00"}


@pytest.mark.parametrize(
    ("acquisition", "with_donor", "message"),
    [
        (Acquisition.DONATION, False, "Choisissez le partenaire qui a donné ce stock."),
        (Acquisition.PURCHASE, True, "Un stock acheté n'a pas de donateur"),
    ],
)
def test_the_donor_goes_with_a_donation_only(
    site_a, manager_a, topup, phone, orange, acquisition, with_donor, message
):
    donor = orange if with_donor else None
    with pytest.raises(StockError, match=message):
        receive_vouchers(site_a, topup, 1, actor=manager_a, acquisition=acquisition, donor=donor)
    with pytest.raises(StockError, match=message):
        receive_phone(site_a, phone, actor=manager_a, acquisition=acquisition, donor=donor)
    assert not VoucherBatch.objects.exists() and not Device.objects.exists()


def test_the_database_refuses_a_donor_on_bought_stock(site_a, manager_a, topup, orange):
    batch = receive_vouchers(site_a, topup, 1, actor=manager_a)
    with pytest.raises(IntegrityError):
        VoucherBatch.objects.filter(pk=batch.pk).update(donor=orange)


def test_forms_say_in_french_what_a_donation_needs(topup, phone, orange):
    upload = {"file": SimpleUploadedFile("lot.csv", voucher_csv(1))}
    form = VoucherImportForm({"product": topup.pk, "acquisition": "donation"}, upload)
    assert form.errors["donor"] == ["Choisissez le partenaire qui a donné ce stock."]
    form = VoucherImportForm({"product": topup.pk, "donor": orange.pk}, upload)
    assert form.errors["donor"] == ["Un stock acheté n'a pas de donateur : choisissez « Don »."]
    form = DeviceReceptionForm(
        {
            "product": phone.pk,
            "grade": "A",
            "code": make_imei(),
            "acquisition": "donation",
            "donor": orange.pk,
        }
    )
    assert form.errors["value"] == ["Saisissez la valeur déclarée par le donateur."]
    inactive = Partner.objects.create(name="Ancien", kind=PartnerKind.COMPANY, is_active=False)
    form = DeviceReceptionForm(
        {"product": phone.pk, "grade": "A", "code": make_imei(), "donor": inactive.pk}
    )
    assert "donor" in form.errors


def test_reception_pages_record_the_donor(client, manager_a, site_a, topup, phone, orange):
    client_for(client, manager_a)
    page = client.get(reverse("catalogue:voucher_import")).content.decode()
    assert "Donateur" in page and "Orange" in page
    response = client.post(
        reverse("catalogue:voucher_import"),
        {
            "product": topup.pk,
            "file": SimpleUploadedFile("lot.csv", voucher_csv(4)),
            "acquisition": "donation",
            "donor": orange.pk,
        },
    )
    assert response.status_code == 302
    assert VoucherBatch.objects.get().donor == orange

    imei = make_imei()
    data = {
        "product": phone.pk,
        "grade": "A",
        "code": imei,
        "acquisition": "donation",
        "donor": orange.pk,
        "value": "75.00",
    }
    response = client.post(reverse("catalogue:device_receive"), data, HTTP_HX_REQUEST="true")
    assert imei in response.content.decode()
    device = Device.objects.get()
    assert (device.donor, device.value) == (orange, D("75.00"))
    detail = client.get(reverse("catalogue:device_detail", args=[device.pk])).content.decode()
    assert "Don de Orange, valeur déclarée 75,00 €" in detail


def test_admin_lists_donors(client, programme_admin, site_a, manager_a, topup, phone, orange):
    receive_vouchers(
        site_a, topup, 1, actor=manager_a, acquisition=Acquisition.DONATION, donor=orange
    )
    receive_phone(
        site_a, phone, actor=manager_a, acquisition=Acquisition.DONATION, donor=orange, value=1
    )
    client_for(client, programme_admin)
    for model in ("voucherbatch", "device"):
        page = client.get(f"/admin/catalogue/{model}/?donor__id__exact={orange.pk}")
        assert page.status_code == 200 and "Orange" in page.content.decode()


def test_voucher_list_shows_the_donor_of_a_batch(client, manager_a, site_a, topup, orange):
    receive_vouchers(
        site_a, topup, 2, actor=manager_a, acquisition=Acquisition.DONATION, donor=orange
    )
    client_for(client, manager_a)
    assert "Don de Orange" in client.get(reverse("catalogue:voucher_list")).content.decode()
