import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from catalogue import selectors, services
from catalogue.enums import DeviceStatus, ProductKind, TransferStatus
from catalogue.models import Device, Product, ProductPrice, Transfer, Voucher
from catalogue.services import TransferItem
from connexions.enums import SiteRole
from tests.catalogue.factories import (
    ProductFactory,
    make_imei,
    receive_phone,
    receive_vouchers,
    voucher_csv,
)
from tests.conftest import client_for
from tests.connexions.factories import staff_user


@pytest.fixture
def topup(db):
    return ProductFactory(name="Recharge SFR 15 €")


@pytest.fixture
def phone(db):
    return ProductFactory(phone=True)


@pytest.fixture
def manager_b(site_b):
    return staff_user(site_b, SiteRole.SITE_MANAGER, email="resp.b@example.org")


STOCK_PAGES = [
    "catalogue:movement_list",
    "catalogue:voucher_list",
    "catalogue:voucher_import",
    "catalogue:device_list",
    "catalogue:device_receive",
    "catalogue:counted_receive",
    "catalogue:transfer_list",
    "catalogue:transfer_create",
    "catalogue:threshold",
]


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("counsellor_a", 200),
        ("manager_a", 200),
        ("programme_admin", 200),
        ("social_worker_a", 403),
    ],
)
def test_who_sees_the_catalogue(client, request, topup, user, status):
    client_for(client, request.getfixturevalue(user))
    assert client.get(reverse("catalogue:product_list")).status_code == status
    assert client.get(reverse("catalogue:product_detail", args=[topup.pk])).status_code == status


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("catalogue:stock"))
    assert response.status_code == 302
    assert "/connexion/" in response["Location"]


def test_catalogue_shows_prices_saving_and_stock_here(
    client, counsellor_a, site_a, topup, manager_a
):
    receive_vouchers(site_a, topup, 3, actor=manager_a)
    response = client_for(client, counsellor_a).get(reverse("catalogue:product_list"))
    content = response.content.decode()
    assert "Recharge SFR 15 €" in content
    assert "2,50 €" in content and "15,00 €" in content and "12,50 €" in content
    rows = dict(response.context["rows"])
    assert rows[topup].available == 3


def test_catalogue_search_and_filter(client, counsellor_a, topup, phone):
    client_for(client, counsellor_a)
    response = client.get(reverse("catalogue:product_list"), {"q": "SFR"})
    assert [p for p, _level in response.context["rows"]] == [topup]
    response = client.get(reverse("catalogue:product_list"), {"kind": ProductKind.PHONE})
    assert [p for p, _level in response.context["rows"]] == [phone]


def test_catalogue_list_queries_do_not_grow(client, counsellor_a, django_assert_num_queries):
    client_for(client, counsellor_a)
    ProductFactory.create_batch(2)
    client.get(reverse("catalogue:product_list"))  # warm the session
    with django_assert_num_queries(8) as small:
        client.get(reverse("catalogue:product_list"))
    ProductFactory.create_batch(20)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("catalogue:product_list"))


def test_only_programme_admins_edit_products(client, manager_a, programme_admin, topup):
    for url in (
        reverse("catalogue:product_create"),
        reverse("catalogue:product_edit", args=[topup.pk]),
    ):
        assert client_for(client, manager_a).get(url).status_code == 403
    client.logout()
    client_for(client, programme_admin)
    response = client.post(
        reverse("catalogue:product_edit", args=[topup.pk]),
        {
            "name": topup.name,
            "kind": topup.kind,
            "operator": topup.operator_id,
            "face_value": "15.00",
            "solidarity_price": "3.00",
            "validity_days": 30,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    topup.refresh_from_db()
    assert topup.solidarity_price == Decimal("3.00")
    assert ProductPrice.objects.filter(product=topup, solidarity_price=Decimal("3.00")).exists()


def product_post(product, **overrides):
    return {
        "name": product.name,
        "kind": product.kind,
        "operator": product.operator_id or "",
        "face_value": "15.00",
        "solidarity_price": "2.50",
        "validity_days": 30,
        "is_active": "on",
        **overrides,
    }


def test_kind_of_a_stocked_product_cannot_change_tracking_in_the_app_or_the_admin(
    client, programme_admin, manager_a, site_a, topup
):
    receive_vouchers(site_a, topup, 1, actor=manager_a)
    client_for(client, programme_admin)
    response = client.post(
        reverse("catalogue:product_edit", args=[topup.pk]), product_post(topup, kind="phone")
    )
    assert response.status_code == 200
    assert "mouvements de stock" in " ".join(response.context["form"].errors["kind"])
    response = client.post(
        reverse("admin:catalogue_product_change", args=[topup.pk]),
        {
            **product_post(topup, kind="phone"),
            "prices-TOTAL_FORMS": "0",
            "prices-INITIAL_FORMS": "0",
            "prices-MIN_NUM_FORMS": "0",
            "prices-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert "mouvements de stock" in response.content.decode()
    topup.refresh_from_db()
    assert topup.kind == ProductKind.MOBILE_TOPUP


def test_negative_price_is_refused_on_the_field(client, programme_admin):
    response = client_for(client, programme_admin).post(
        reverse("catalogue:product_create"),
        {"name": "Erreur", "kind": ProductKind.ACCESSORY, "solidarity_price": "-1"},
    )
    assert response.status_code == 200
    assert "solidarity_price" in response.context["form"].errors
    assert not Product.objects.filter(name="Erreur").exists()


@pytest.mark.parametrize("url_name", STOCK_PAGES)
def test_stock_pages_are_for_site_managers_and_admins(
    client, url_name, manager_a, counsellor_a, social_worker_a, programme_admin
):
    assert client_for(client, manager_a).get(reverse(url_name)).status_code == 200
    client.logout()
    assert client_for(client, programme_admin).get(reverse(url_name)).status_code == 200
    client.logout()
    assert client_for(client, counsellor_a).get(reverse(url_name)).status_code == 403
    client.logout()
    assert client_for(client, social_worker_a).get(reverse(url_name)).status_code == 403


def test_stock_overview_for_counsellors_without_actions(
    client, counsellor_a, manager_a, site_a, topup
):
    receive_vouchers(site_a, topup, 2, actor=manager_a)
    services.threshold_set(site=site_a, product=topup, minimum=5, actor=manager_a)
    response = client_for(client, counsellor_a).get(reverse("catalogue:stock"))
    assert response.status_code == 200
    assert response.context["low_count"] == 1
    assert reverse("catalogue:device_receive") not in response.content.decode()


def test_social_workers_see_no_stock(client, social_worker_a):
    assert client_for(client, social_worker_a).get(reverse("catalogue:stock")).status_code == 403


def test_another_sites_device_and_transfer_are_404(
    client, manager_a, manager_b, site_a, site_b, phone
):
    device_b = receive_phone(site_b, phone, actor=manager_b)
    receive_phone(site_b, phone, actor=manager_b)
    transfer = services.transfer_send(
        from_site=site_b,
        to_site=ReceptionSiteFactory_other(),
        items=[TransferItem(phone, device_codes=[device_b.imei])],
        actor=manager_b,
    )
    client_for(client, manager_a)
    assert client.get(reverse("catalogue:device_detail", args=[device_b.pk])).status_code == 404
    assert client.get(reverse("catalogue:transfer_detail", args=[transfer.pk])).status_code == 404
    assert client.post(reverse("catalogue:transfer_receive", args=[transfer.pk])).status_code == 404


def ReceptionSiteFactory_other():  # noqa: N802
    from tests.connexions.factories import ReceptionSiteFactory

    return ReceptionSiteFactory(name="Lyon — test")


def test_voucher_import_view(client, manager_a, site_a, topup):
    client_for(client, manager_a)
    response = client.post(
        reverse("catalogue:voucher_import"),
        {"product": topup.pk, "file": SimpleUploadedFile("lot.csv", voucher_csv(4))},
    )
    assert response.status_code == 302
    assert Voucher.objects.filter(site=site_a).count() == 4
    listing = client.get(reverse("catalogue:voucher_list")).content.decode()
    for pin in Voucher.objects.values_list("pin", flat=True):
        assert pin not in listing


def test_bad_voucher_file_lists_lines_in_french_and_imports_nothing(client, manager_a, topup):
    past = (timezone.localdate() - timedelta(days=3)).strftime("%d/%m/%Y")
    content = f"serial;pin;expiry\nOK000001;12345678;31/12/2099\nKO000002;23456789;{past}\n"
    response = client_for(client, manager_a).post(
        reverse("catalogue:voucher_import"),
        {"product": topup.pk, "file": SimpleUploadedFile("lot.csv", content.encode())},
    )
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Ligne 3" in html and "déjà expiré" in html
    assert "rien n'a été ajouté" in html
    assert not Voucher.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"SN000001;98765432;31/12/2099\n",  # no header: the first line is a voucher
        b"serial;pin;expiry\nSN000001;31/12/2099;98765432\n",  # columns shifted
        b"serial;pin;expiry\nSN000001;98765432;" + b"9" * 200_000 + b"\n",  # oversized field
    ],
)
def test_a_refused_voucher_file_never_shows_a_pin(client, manager_a, topup, content):
    response = client_for(client, manager_a).post(
        reverse("catalogue:voucher_import"),
        {"product": topup.pk, "file": SimpleUploadedFile("lot.csv", content)},
    )
    assert response.status_code == 200
    assert response.context["errors"]
    assert "98765432" not in response.content.decode()
    assert not Voucher.objects.exists()


def test_scan_adds_the_unit_in_place(client, manager_a, site_a, phone):
    client_for(client, manager_a)
    imei = make_imei()
    data = {"product": phone.pk, "grade": "A", "code": imei}
    response = client.post(reverse("catalogue:device_receive"), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert imei in html and "scanned-unit" in html and 'hx-swap-oob="true"' in html
    assert Device.objects.get().site == site_a

    bad = {**data, "code": imei[:-1] + str((int(imei[-1]) + 1) % 10)}
    response = client.post(reverse("catalogue:device_receive"), bad, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "chiffre de contrôle" in html and "scanned-unit" not in html and "refused-unit" in html
    assert Device.objects.count() == 1


def test_transfer_round_trip_through_the_pages(client, manager_a, manager_b, site_a, site_b, topup):
    receive_vouchers(site_a, topup, 5, actor=manager_a)
    client_for(client, manager_a)
    response = client.post(
        reverse("catalogue:transfer_create"),
        {"to_site": site_b.pk, f"quantity_{topup.pk}": 9},
    )
    assert response.status_code == 200
    assert "5 disponible" in response.content.decode()
    response = client.post(
        reverse("catalogue:transfer_create"),
        {"to_site": site_b.pk, f"quantity_{topup.pk}": 2},
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert client.post(reverse("catalogue:transfer_receive", args=[transfer.pk])).status_code == 404
    client.logout()
    client_for(client, manager_b)
    detail = client.get(reverse("catalogue:transfer_detail", args=[transfer.pk]))
    assert detail.context["may_receive"]
    client.post(reverse("catalogue:transfer_receive", args=[transfer.pk]))
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    assert selectors.available_quantity(site_b, topup) == 2


def test_device_status_change_page(client, manager_a, site_a, phone):
    device = receive_phone(site_a, phone, actor=manager_a)
    client_for(client, manager_a).post(
        reverse("catalogue:device_detail", args=[device.pk]),
        {"status": DeviceStatus.IN_REPAIR},
    )
    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_REPAIR


def test_stocktake_page_adjusts(client, manager_a, site_a):
    sim = ProductFactory(sim=True)
    services.counted_stock_receive(site=site_a, product=sim, quantity=10, actor=manager_a)
    response = client_for(client, manager_a).post(
        reverse("catalogue:stocktake"),
        {"reason": "lost", f"count_{sim.pk}": 7, f"expected_{sim.pk}": 10},
    )
    assert response.status_code == 302
    assert selectors.available_quantity(site_a, sim) == 7
    assert selectors.ledger_discrepancies(site_a) == {}


def test_stocktake_page_refuses_a_count_overtaken_by_a_sale(client, manager_a, site_a):
    sim = ProductFactory(sim=True)
    accessory = ProductFactory(sim=True, name="Coque", kind=ProductKind.ACCESSORY)
    services.counted_stock_receive(site=site_a, product=sim, quantity=5, actor=manager_a)
    services.counted_stock_receive(site=site_a, product=accessory, quantity=2, actor=manager_a)
    client_for(client, manager_a)
    form = client.get(reverse("catalogue:stocktake")).context["form"]
    shown = {name: form[name].value() for name in form.fields if name.startswith("expected_")}
    assert shown == {f"expected_{sim.pk}": 5, f"expected_{accessory.pk}": 2}
    services.counted_stock_remove_for_sale(
        site=site_a, quantities={sim: 1}, actor=manager_a, reference="sales.sale:1"
    )
    counts = {f"count_{sim.pk}": 5, f"count_{accessory.pk}": 1}
    response = client.post(reverse("catalogue:stocktake"), {"reason": "lost", **counts, **shown})
    assert response.status_code == 200
    assert "Le stock a changé pendant le comptage : recomptez." in unescape(
        response.content.decode()
    )
    assert selectors.available_quantity(site_a, sim) == 4
    assert selectors.available_quantity(site_a, accessory) == 2
    # The line that changed is to be counted again; the other keeps what was typed.
    form = response.context["form"]
    assert form[f"count_{sim.pk}"].value() is None
    assert form[f"count_{accessory.pk}"].value() == 1
    assert form[f"expected_{sim.pk}"].value() == 4


def test_movement_list_and_csv_export(client, manager_a, site_a, topup, django_assert_num_queries):
    receive_vouchers(site_a, topup, 2, actor=manager_a)
    client_for(client, manager_a)
    client.get(reverse("catalogue:movement_list"))
    with django_assert_num_queries(5) as small:
        client.get(reverse("catalogue:movement_list"))
    for n in range(10):
        receive_vouchers(site_a, topup, 1, actor=manager_a, prefix=f"B{n}")
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("catalogue:movement_list"))
    response = client.get(reverse("catalogue:movement_list"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Recharge SFR 15 €" in text
    header, first = text.splitlines()[:2]
    assert header.startswith("Date;Produit;")
    assert ";Réception;" in first and str(manager_a) in first


def test_device_list_queries_do_not_grow(
    client, manager_a, site_a, phone, django_assert_num_queries
):
    receive_phone(site_a, phone, actor=manager_a)
    client_for(client, manager_a)
    client.get(reverse("catalogue:device_list"))
    with django_assert_num_queries(5) as small:
        client.get(reverse("catalogue:device_list"))
    for _ in range(10):
        receive_phone(site_a, phone, actor=manager_a)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("catalogue:device_list"))


def test_low_stock_widget_on_the_home_page(client, counsellor_a, manager_a, site_a, topup):
    services.threshold_set(site=site_a, product=topup, minimum=3, actor=manager_a)
    html = client_for(client, counsellor_a).get(reverse("home")).content.decode()
    assert "Recharge SFR 15 €" in html


def test_the_row_history_admin_never_shows_a_pin(client, programme_admin, manager_a, site_a, topup):
    """pghistory's admin lists every recorded change of a voucher: its PIN is never there."""
    receive_vouchers(site_a, topup, 2, actor=manager_a)
    [sold] = services.vouchers_take_for_sale(
        site=site_a, product=topup, actor=manager_a, reference="sales.sale:1"
    )
    services.vouchers_void_for_refund(vouchers=[sold], actor=manager_a, reference="sales.refund:1")
    pins = list(Voucher.objects.values_list("pin", flat=True))
    client_for(client, programme_admin)
    events = reverse("admin:pghistory_events_changelist")
    listings = [
        f"{events}?model=catalogue.voucher",
        f"{events}?obj=catalogue.voucher:{sold.pk}",
        f"{events}?model=catalogue.stockmovement",
    ]
    details = set()
    for url in listings:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        details |= set(re.findall(r'href="(/admin/pghistory/events/[^"?]+/change/)', html))
        for pin in pins:
            assert pin not in html, url
    # Every event of the sold voucher (import, sale, refund), and the other voucher's import.
    assert len([url for url in details if "VoucherEvent" in url]) >= 4
    shown = []
    for url in details:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        shown.append(html)
        for pin in pins:
            assert pin not in html, url
    assert any(sold.serial in html for html in shown)  # the pages do show the voucher's data


def test_admin_never_shows_a_pin(client, programme_admin, manager_a, site_a, topup):
    receive_vouchers(site_a, topup, 1, actor=manager_a)
    voucher = Voucher.objects.get()
    client_for(client, programme_admin)
    for url in (
        reverse("admin:catalogue_voucher_changelist"),
        reverse("admin:catalogue_voucher_change", args=[voucher.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert voucher.pin not in response.content.decode()


NUL_SEARCHES = [
    ("catalogue:product_list", {"q": "Recharge\x00"}),
    ("catalogue:product_list", {"kind": "phone\x00"}),
    ("catalogue:movement_list", {"q": "\x00"}),
    ("catalogue:movement_list", {"kind": "sale\x00"}),
    ("catalogue:movement_list", {"q": "\x00", "format": "csv"}),
    ("catalogue:voucher_list", {"q": "SN\x00"}),
    ("catalogue:voucher_list", {"status": "sold\x00"}),
    ("catalogue:voucher_list", {"status": "unknown"}),
    ("catalogue:device_list", {"q": "35\x00"}),
    ("catalogue:device_list", {"status": "\x00"}),
]


@pytest.mark.parametrize(("url_name", "params"), NUL_SEARCHES)
def test_a_nul_byte_or_unknown_filter_in_a_list_is_ignored(
    client, manager_a, site_a, topup, url_name, params
):
    receive_vouchers(site_a, topup, 1, actor=manager_a)
    response = client_for(client, manager_a).get(reverse(url_name), params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"\x00" not in body


def test_voucher_list_filters_by_a_known_status_only(client, manager_a, site_a, topup):
    receive_vouchers(site_a, topup, 2, actor=manager_a)
    services.vouchers_take_for_sale(site=site_a, product=topup, actor=manager_a, reference="s")
    client_for(client, manager_a)
    url = reverse("catalogue:voucher_list")
    assert len(client.get(url).context["page_obj"]) == 1  # in stock by default
    assert len(client.get(url, {"status": "sold"}).context["page_obj"]) == 1
    assert len(client.get(url, {"status": ""}).context["page_obj"]) == 2
    unknown = client.get(url, {"status": "bogus"})
    assert unknown.context["status"] == "in_stock"
    assert len(unknown.context["page_obj"]) == 1


def test_oversized_quantities_are_refused_on_their_field(client, manager_a, site_a, site_b, topup):
    sim = ProductFactory(sim=True)
    services.counted_stock_receive(site=site_a, product=sim, quantity=5, actor=manager_a)
    receive_vouchers(site_a, topup, 1, actor=manager_a)
    huge = "1" + "0" * 20
    client_for(client, manager_a)
    posts = [
        (
            "catalogue:stocktake",
            {"reason": "lost", f"count_{sim.pk}": huge, f"expected_{sim.pk}": 5},
            f"count_{sim.pk}",
        ),
        ("catalogue:threshold", {"product": sim.pk, "minimum": huge}, "minimum"),
        (
            "catalogue:transfer_create",
            {"to_site": site_b.pk, f"quantity_{topup.pk}": huge},
            f"quantity_{topup.pk}",
        ),
    ]
    for url_name, data, field in posts:
        response = client.post(reverse(url_name), data)
        assert response.status_code == 200, url_name
        assert "inférieure ou égale à 100" in " ".join(response.context["form"].errors[field])
    assert selectors.available_quantity(site_a, sim) == 5
    assert selectors.available_quantity(site_a, topup) == 1
    assert not Transfer.objects.exists()


def test_a_deactivated_product_with_stock_stays_in_the_stock_pages(
    client, manager_a, site_a, site_b, topup
):
    sim = ProductFactory(sim=True, name="Carte SIM retirée")
    services.counted_stock_receive(site=site_a, product=sim, quantity=4, actor=manager_a)
    receive_vouchers(site_a, topup, 2, actor=manager_a)
    gone = ProductFactory(sim=True, name="Carte SIM sans stock")
    Product.objects.filter(pk__in=[sim.pk, topup.pk, gone.pk]).update(is_active=False)
    client_for(client, manager_a)

    overview = client.get(reverse("catalogue:stock"))
    listed = {row.product for row in overview.context["rows"]}
    assert {sim, topup} <= listed and gone not in listed
    html = overview.content.decode()
    assert "Carte SIM retirée" in html and "inactif" in html

    stocktake = client.get(reverse("catalogue:stocktake")).context["form"]
    assert f"count_{sim.pk}" in stocktake.fields
    assert f"count_{gone.pk}" not in stocktake.fields
    response = client.post(
        reverse("catalogue:stocktake"),
        {"reason": "lost", f"count_{sim.pk}": 3, f"expected_{sim.pk}": 4},
    )
    assert response.status_code == 302
    assert selectors.available_quantity(site_a, sim) == 3

    form = client.get(reverse("catalogue:transfer_create")).context["form"]
    assert {f"quantity_{sim.pk}", f"quantity_{topup.pk}"} <= set(form.fields)
    assert f"quantity_{gone.pk}" not in form.fields
    response = client.post(
        reverse("catalogue:transfer_create"),
        {"to_site": site_b.pk, f"quantity_{topup.pk}": 2},
    )
    assert response.status_code == 302
    assert selectors.available_quantity(site_a, topup) == 0
