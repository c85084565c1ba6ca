from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalogue.enums import DeviceStatus
from catalogue.models import Device
from connexions.enums import PartnerKind
from connexions.models import Partner
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
    # Read out by the page's one live region, which the swaps never replace.
    expect(page.locator("#live-region")).to_contain_text("chiffre de contrôle")
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


# What Chromium and htmx log for the failures this test causes on purpose.
EXPECTED_CONSOLE_ERRORS = (
    "Failed to load resource",
    "Response Status Error Code 409",
    "htmx:afterRequest",
    "htmx:sendError",
)


@pytest.mark.browser
def test_a_scan_the_server_did_not_record_is_listed_as_refused(context, live_server, manager_a):
    """A lock timeout (409 page) or a lost connection is not swapped in by htmx: the code must
    still show as not recorded, so the unit is scanned again rather than lost."""
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(10_000)
    phone = ProductFactory(phone=True, name="Smartphone reconditionné test")
    imeis = [make_imei() for _ in range(4)]
    posts = []

    def answer(route):
        if route.request.method != "POST":
            return route.continue_()
        posts.append(route.request)
        if len(posts) == 2:
            return route.fulfill(status=409, body="<p>Réessayez.</p>", content_type="text/html")
        if len(posts) == 4:
            return route.abort("connectionreset")
        return route.continue_()

    browser_login(page, live_server, manager_a.email)
    page.goto(f"{live_server.url}/catalogue/stock/appareils/reception/")
    page.route("**/catalogue/stock/appareils/reception/", answer)
    page.get_by_label("Produit").select_option(label=phone.name)
    code = page.get_by_label("IMEI ou numéro de série")
    for imei in imeis:
        code.press_sequentially(imei)
        code.press("Enter")

    recorded = page.locator("#received-units li.scanned-unit")
    refused = page.locator("#received-units li.refused-unit")
    expect(recorded).to_have_count(2)
    expect(refused).to_have_count(2)
    expect(refused.filter(has_text=imeis[1])).to_contain_text("non enregistré, rescannez")
    expect(refused.filter(has_text=imeis[1])).to_contain_text("409")
    expect(refused.filter(has_text=imeis[3])).to_contain_text("non enregistré, rescannez")
    expect(refused.filter(has_text=imeis[3])).to_contain_text("pas de connexion")
    expect(page.locator("#scan-feedback")).to_contain_text(imeis[3])
    expect(page.locator("#scan-feedback")).to_contain_text("non enregistré, rescannez")
    assert set(Device.objects.values_list("imei", flat=True)) == {imeis[0], imeis[2]}
    unexpected = [e for e in errors if not any(known in e for known in EXPECTED_CONSOLE_ERRORS)]
    assert not unexpected, f"Browser console errors: {unexpected}"
    page.close()


@pytest.mark.browser
def test_receive_a_donated_phone_naming_its_donor(page, live_server, manager_a):
    phone = ProductFactory(phone=True, name="Smartphone donné test")
    donor = Partner.objects.create(name="Fabricant Solidaire", kind=PartnerKind.MANUFACTURER)
    imei = make_imei()

    browser_login(page, live_server, manager_a.email)
    page.goto(f"{live_server.url}/catalogue/stock/appareils/reception/")
    page.get_by_label("Produit").select_option(label=phone.name)
    page.get_by_label("Provenance").select_option(label="Don")
    page.get_by_label("Donateur").select_option(label=donor.name)
    page.get_by_label("Coût ou valeur déclarée (€)").fill("80")
    code = page.get_by_label("IMEI ou numéro de série")
    code.press_sequentially(imei)
    code.press("Enter")
    expect(page.locator("#received-units li.scanned-unit")).to_contain_text(imei)
    device = Device.objects.get(imei=imei)
    assert (device.donor, device.value) == (donor, Decimal("80.00"))
