"""The scanning pages through the test client: stocktake by scanning, transfers of many items,
the device page; who may use them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalogue import selectors, services
from catalogue.enums import DeviceStatus, MovementKind, TransferStatus
from catalogue.models import ScanCount, StockMovement, Stocktake, Transfer
from connexions.enums import SiteRole
from tests.catalogue.factories import ProductFactory, make_imei, receive_phone, receive_vouchers
from tests.conftest import client_for
from tests.connexions.factories import staff_user


@pytest.fixture
def phone(db):
    return ProductFactory(phone=True, name="Smartphone test")


@pytest.fixture
def manager_b(site_b):
    return staff_user(site_b, SiteRole.SITE_MANAGER, email="resp.b@example.org")


def start_count(client, site):
    response = client.post(reverse("catalogue:scan_count_list"))
    count = ScanCount.objects.get(site=site, stocktake__isnull=True)
    assert response["Location"] == reverse("catalogue:scan_count", args=[count.pk])
    return count


def scan(client, count, code):
    url = reverse("catalogue:scan_count_scan", args=[count.pk])
    return client.post(url, {"code": code}, HTTP_HX_REQUEST="true").content.decode()


@pytest.mark.parametrize(("user", "status"), [("counsellor_a", 403), ("social_worker_a", 403)])
def test_only_site_managers_count_and_send_stock(client, request, user, status):
    client_for(client, request.getfixturevalue(user))
    for name in ("scan_count_list", "transfer_create"):
        assert client.get(reverse(f"catalogue:{name}")).status_code == status
    assert client.post(reverse("catalogue:scan_count_list")).status_code == status
    assert not ScanCount.objects.exists()


def test_another_sites_count_is_not_found(client, site_a, manager_a, manager_b, phone):
    device = receive_phone(site_a, phone, actor=manager_a)
    count = services.scan_count_start(site=site_a, actor=manager_a)
    client_for(client, manager_b)
    assert client.get(reverse("catalogue:scan_count", args=[count.pk])).status_code == 404
    url = reverse("catalogue:scan_count_scan", args=[count.pk])
    assert client.post(url, {"code": device.imei}).status_code == 404
    url = reverse("catalogue:scan_count_confirm", args=[count.pk])
    assert client.post(url, {f"reason_device-{device.pk}": "lost"}).status_code == 404
    assert client.get(reverse("catalogue:device_detail", args=[device.pk])).status_code == 404
    assert count.scans.count() == 0 and not Stocktake.objects.exists()


def test_a_count_by_scanning_through_the_pages(client, site_a, site_b, manager_a, phone):
    here = [receive_phone(site_a, phone, actor=manager_a) for _ in range(2)]
    elsewhere = receive_phone(site_b, phone, actor=manager_a)
    client_for(client, manager_a)
    count = start_count(client, site_a)

    html = scan(client, count, here[0].imei)
    assert here[0].imei in html and "scanned-unit" in html and 'id="count-summary"' in html
    assert "Manquants 1" in html
    assert "a déjà été compté" in scan(client, count, here[0].imei)
    html = scan(client, count, elsewhere.imei)
    assert "appartient à" in html and "alert-warning" in html
    assert "est inconnu" in scan(client, count, "INCONNU42")

    page = client.get(reverse("catalogue:scan_count", args=[count.pk]))
    assert page.status_code == 200
    assert [u.code for u in page.context["state"].missing] == [here[1].imei]

    confirm = reverse("catalogue:scan_count_confirm", args=[count.pk])
    refused = client.post(confirm, {})
    assert refused.status_code == 200 and "Indiquez une raison" in refused.content.decode()
    assert not Stocktake.objects.exists()
    response = client.post(confirm, {f"reason_device-{here[1].pk}": "stolen"})
    assert response.status_code == 302
    here[1].refresh_from_db()
    assert here[1].status == DeviceStatus.MISSING
    done = client.get(reverse("catalogue:scan_count", args=[count.pk])).content.decode()
    assert here[1].imei in done and "Volé" in done
    assert "déjà été validé" in scan(client, count, here[0].imei)
    assert client.post(confirm, {}).status_code == 302  # already recorded: nothing more
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).count() == 1
    assert selectors.ledger_discrepancies(site_a) == {}


def test_the_count_page_queries_do_not_grow(
    client, site_a, manager_a, phone, django_assert_num_queries
):
    topup = ProductFactory()
    receive_phone(site_a, phone, actor=manager_a)
    receive_vouchers(site_a, topup, 1, actor=manager_a)
    client_for(client, manager_a)
    count = start_count(client, site_a)
    url = reverse("catalogue:scan_count", args=[count.pk])
    client.get(url)
    with django_assert_num_queries(8):
        client.get(url)
    for _ in range(5):
        scan(client, count, receive_phone(site_a, phone, actor=manager_a).imei)
    receive_vouchers(site_a, topup, 10, actor=manager_a, start=100)
    with django_assert_num_queries(8):
        client.get(url)


def test_a_transfer_of_scanned_devices_and_quantities(client, site_a, site_b, manager_a, phone):
    phones = [receive_phone(site_a, phone, actor=manager_a) for _ in range(2)]
    other = receive_phone(site_b, phone, actor=manager_a)
    sim = ProductFactory(sim=True)
    services.counted_stock_receive(site=site_a, product=sim, quantity=8, actor=manager_a)
    client_for(client, manager_a)
    check = reverse("catalogue:transfer_scan")

    html = client.post(check, {"code": phones[0].imei}, HTTP_HX_REQUEST="true").content.decode()
    assert f'name="device_codes" value="{phones[0].imei}"' in html
    listed = {"code": phones[0].imei, "listed": phones[0].imei}
    assert (
        "déjà dans la liste" in client.post(check, listed, HTTP_HX_REQUEST="true").content.decode()
    )
    html = client.post(check, {"code": other.imei}, HTTP_HX_REQUEST="true").content.decode()
    assert "appartient à" in html and "device_codes" not in html

    response = client.post(
        reverse("catalogue:transfer_create"),
        {"to_site": site_b.pk, "device_codes": [p.imei for p in phones], f"quantity_{sim.pk}": 3},
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert {line.product: line.quantity for line in transfer.lines.all()} == {phone: 2, sim: 3}
    assert transfer.status == TransferStatus.IN_TRANSIT
    empty = client.post(reverse("catalogue:transfer_create"), {"to_site": site_b.pk})
    assert "Scannez les appareils ou saisissez" in empty.content.decode()


def test_the_device_page_shows_its_life_and_warranty(client, site_a, manager_a, phone):
    device = services.device_receive(
        site=site_a,
        product=phone,
        code=make_imei(),
        grade="A",
        received_from="Ateliers du Bocage",
        value=Decimal("45.00"),
        actor=manager_a,
    )
    client_for(client, manager_a)
    url = reverse("catalogue:device_detail", args=[device.pk])
    response = client.post(url, {"status": DeviceStatus.IN_REPAIR, "note": "Batterie HS"})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "Envoyé en réparation" in html and "Batterie HS" in html
    assert "Achat de Ateliers du Bocage, coût 45,00 €" in html
    assert "12 mois à compter de la vente" in html
