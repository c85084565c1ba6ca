import pytest
from playwright.sync_api import expect

from catalogue.enums import DeviceStatus
from catalogue.models import Device
from tests.catalogue.factories import ProductFactory, make_imei
from tests.conftest import browser_login


@pytest.mark.browser
def test_receive_three_phones_by_scanning_and_see_them_in_stock(page, live_server, manager_a):
    phone = ProductFactory(phone=True, name="Smartphone reconditionné test")
    imeis = [make_imei() for _ in range(3)]
    bad_imei = imeis[0][:-1] + str((int(imeis[0][-1]) + 1) % 10)

    browser_login(page, live_server, manager_a.email)
    page.goto(f"{live_server.url}/catalogue/stock/appareils/reception/")
    page.get_by_label("Produit").select_option(label=phone.name)
    page.get_by_label("Reconditionneur").fill("Ateliers du Bocage")
    page.evaluate("window.receptionPage = true")  # lost if the page were reloaded
    code = page.get_by_label("IMEI ou numéro de série")
    units = page.locator("#received-units li.scanned-unit")

    def scan(value):
        code.press_sequentially(value)  # a keyboard-wedge scanner types the code, then Enter
        code.press("Enter")

    scan(imeis[0])
    expect(units).to_have_count(1)
    expect(code).to_have_value("")
    expect(code).to_be_focused()

    scan(bad_imei)
    expect(page.locator("#scan-feedback")).to_contain_text("chiffre de contrôle")
    expect(page.locator("#received-units li.refused-unit")).to_contain_text(bad_imei)
    expect(units).to_have_count(1)

    scan(imeis[1])
    scan(imeis[2])
    expect(units).to_have_count(3)
    for imei in imeis:
        expect(page.locator("#received-units")).to_contain_text(imei)
    assert page.evaluate("window.receptionPage") is True

    page.get_by_role("link", name="Voir les appareils en stock").click()
    rows = page.locator("#device-table tbody tr")
    expect(rows).to_have_count(3)
    for imei in imeis:
        expect(page.locator("#device-table")).to_contain_text(imei)
    expect(rows.first).to_contain_text("En stock")
    assert set(Device.objects.values_list("imei", flat=True)) == set(imeis)
    assert set(Device.objects.values_list("status", flat=True)) == {DeviceStatus.IN_STOCK}
