"""Browser journeys: a stocktake by scanning, a transfer of many items, a device's repair."""

import pytest
from playwright.sync_api import expect

from catalogue import selectors, services
from catalogue.enums import AdjustmentReason, DeviceStatus, TransferStatus
from catalogue.models import Device, StockMovement, Transfer
from connexions.enums import SiteRole
from tests.catalogue.factories import ProductFactory, receive_phone
from tests.conftest import browser_login
from tests.connexions.factories import staff_user


def scan(page, value):
    code = page.locator("#scan-form #id_code")
    code.press_sequentially(value)  # a keyboard-wedge scanner types the code, then Enter
    code.press("Enter")


@pytest.mark.browser
def test_a_stocktake_by_scanning_with_one_phone_missing_and_one_unexpected(
    page, live_server, site_a, site_b, manager_a
):
    phone = ProductFactory(phone=True, name="Smartphone reconditionné test")
    present = [receive_phone(site_a, phone, actor=manager_a) for _ in range(2)]
    missing = receive_phone(site_a, phone, actor=manager_a)
    stray = receive_phone(site_b, phone, actor=manager_a)

    browser_login(page, live_server, manager_a.email)
    page.goto(f"{live_server.url}/catalogue/stock/inventaire/scan/")
    page.get_by_role("button", name="Commencer un inventaire").click()
    summary = page.locator("#count-summary")
    expect(summary).to_contain_text("Attendus 3")
    scanned = page.locator("#scanned-units li.scanned-unit")

    scan(page, present[0].imei)
    scan(page, present[1].imei)
    expect(scanned).to_have_count(2)
    scan(page, present[1].imei)
    expect(page.locator("#scan-feedback")).to_contain_text("a déjà été compté")
    scan(page, stray.imei)
    expect(page.locator("#scan-feedback")).to_contain_text(f"appartient à {site_b.name}")
    expect(scanned).to_have_count(3)
    expect(summary).to_contain_text("Manquants 1")
    expect(summary).to_contain_text("Inattendus 1")
    expect(page.locator("#missing-units")).to_contain_text(missing.imei)
    expect(page.locator("#unexpected-units")).to_contain_text(stray.imei)

    page.get_by_label(f"{phone.name} {missing.imei}").select_option(label="Volé")
    page.get_by_role("button", name="Valider l'inventaire").click()
    expect(page.locator(".alert-success")).to_contain_text("enregistré dans le journal")
    expect(page.locator("#count-movements")).to_contain_text(missing.imei)
    expect(page.locator("#count-movements")).to_contain_text("Volé")

    missing.refresh_from_db(), stray.refresh_from_db()
    assert missing.status == DeviceStatus.MISSING
    assert (stray.site, stray.status) == (site_b, DeviceStatus.IN_STOCK)
    movement = StockMovement.objects.get(stocktake__isnull=False)
    assert (movement.device, movement.quantity, movement.reason) == (
        missing,
        -1,
        AdjustmentReason.STOLEN,
    )
    assert selectors.ledger_discrepancies(site_a) == {}


@pytest.mark.browser
def test_a_transfer_of_many_scanned_items_in_one_go(page, live_server, site_a, site_b, manager_a):
    phone = ProductFactory(phone=True, name="Smartphone reconditionné test")
    phones = [receive_phone(site_a, phone, actor=manager_a) for _ in range(3)]
    sim = ProductFactory(sim=True, name="Carte SIM test")
    services.counted_stock_receive(site=site_a, product=sim, quantity=20, actor=manager_a)
    manager_b = staff_user(site_b, SiteRole.SITE_MANAGER, email="resp.b@example.org")

    browser_login(page, live_server, manager_a.email)
    page.goto(f"{live_server.url}/catalogue/stock/transferts/nouveau/")
    for device in phones:
        scan(page, device.imei)
    scan(page, phones[0].imei)
    expect(page.locator("#scan-feedback")).to_contain_text("déjà dans la liste")
    expect(page.locator("#received-units li.scanned-unit")).to_have_count(3)
    page.get_by_label(sim.name).fill("5")
    page.get_by_label("Envoyer à").select_option(label=site_b.name)
    page.get_by_role("button", name="Envoyer", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("en route")
    transfer = Transfer.objects.get()
    assert transfer.status == TransferStatus.IN_TRANSIT
    assert {line.product: line.quantity for line in transfer.lines.all()} == {phone: 3, sim: 5}
    assert set(Device.objects.filter(transfer=transfer).values_list("status", flat=True)) == {
        DeviceStatus.IN_TRANSIT
    }

    browser_login(page, live_server, manager_b.email)
    page.goto(f"{live_server.url}/catalogue/stock/transferts/{transfer.pk}/")
    page.get_by_role("button", name="Confirmer la réception").click()
    expect(page.locator(".alert-success")).to_be_visible()
    levels = selectors.stock_levels(site_b)
    assert (levels[phone.pk].on_hand, levels[sim.pk].on_hand) == (3, 5)
    for site in (site_a, site_b):
        assert selectors.ledger_discrepancies(site) == {}


@pytest.mark.browser
def test_a_device_sent_to_repair_and_back(page, live_server, site_a, manager_a):
    phone = ProductFactory(phone=True, name="Smartphone reconditionné test")
    device = receive_phone(site_a, phone, actor=manager_a)

    browser_login(page, live_server, manager_a.email)
    page.goto(f"{live_server.url}/catalogue/stock/appareils/{device.pk}/")
    page.locator("#id_status").select_option(DeviceStatus.IN_REPAIR)
    page.locator("#id_note").fill("Écran fissuré, chez Répar'Tel")
    page.get_by_role("button", name="Changer le statut").click()
    history = page.locator("#device-history")
    expect(history).to_contain_text("Envoyé en réparation")
    expect(history).to_contain_text("Écran fissuré, chez Répar'Tel")

    page.locator("#id_status").select_option(DeviceStatus.IN_STOCK)
    page.get_by_role("button", name="Changer le statut").click()
    expect(history.locator("li").first).to_contain_text("Retour de réparation")
    expect(history.locator("li")).to_have_count(3)  # received, to repair, back
    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_STOCK
    assert selectors.ledger_discrepancies(site_a) == {}
