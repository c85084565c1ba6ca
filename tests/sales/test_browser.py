import re

import pytest
from playwright.sync_api import expect

from sales.models import ReceiptPrint, Sale, TillSession
from tests.conftest import browser_login
from tests.sales.factories import buyer, stocked_site


@pytest.mark.browser
def test_a_day_at_the_till(page, live_server, manager_a, site_a):
    topup, phone, [device] = stocked_site(site_a, manager_a, vouchers=3, phones=1)
    person = buyer()

    browser_login(page, live_server, manager_a.email)
    page.goto(f"{live_server.url}/caisse/")
    expect(page.get_by_role("heading", name="La caisse est fermée")).to_be_visible()
    page.get_by_label("Fonds de caisse (€)").fill("50,00")
    page.get_by_role("button", name="Ouvrir la caisse").click()
    expect(page.get_by_text("La caisse est ouverte.")).to_be_visible()

    code = page.locator("#till-code")
    expect(code).to_be_focused()
    code.press_sequentially(person.scan_code)  # the scanner types the card, then Enter
    code.press("Enter")
    expect(page.locator("#customer-name")).to_have_text(person.full_name)
    expect(page.locator("#till-panel")).to_contain_text("Éligible jusqu'au")

    code.press_sequentially(device.imei)
    code.press("Enter")
    expect(page.locator("#cart-lines")).to_contain_text(device.imei)
    expect(code).to_be_focused()
    assert not Sale.objects.exists()  # Enter added the phone, it did not confirm the sale

    page.locator("#topup-buttons").get_by_role("button", name=re.compile(topup.name)).click()
    expect(page.locator("#cart-total")).to_contain_text("51,50 €")
    expect(page.locator("#cart-totals")).to_contain_text("Vous économisez")

    page.get_by_label("Espèces reçues").fill("60")
    expect(page.locator("#change-due")).to_contain_text("8,50 €")
    page.get_by_role("button", name=re.compile("Valider la vente")).click()

    expect(page.get_by_text("Vente enregistrée")).to_be_visible()
    expect(page.locator("#till-code")).to_be_focused()  # the till is ready for the next person
    sale = Sale.objects.get()
    expect(page.get_by_text(f"Vente enregistrée : ticket {sale.receipt_number}.")).to_be_visible()
    pin = sale.lines.get(voucher__isnull=False).voucher.pin
    page.get_by_role("button", name="Imprimer le ticket").click()
    expect(page.locator(".receipt")).to_contain_text(pin)
    expect(page.locator(".receipt")).to_contain_text(device.imei)
    expect(page.locator(".receipt")).not_to_contain_text("DUPLICATA")
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
    assert ReceiptPrint.objects.filter(sale=sale, is_duplicate=False).count() == 1

    page.get_by_role("link", name="Retour à la caisse").click()
    page.get_by_role("link", name="Clôturer la caisse").click()
    expect(page.locator("#z-expected")).to_have_count(0)  # the count is blind
    page.get_by_label("Espèces comptées dans le tiroir (€)").fill("100")
    page.get_by_role("button", name="Valider le comptage").click()
    expect(page.locator("#close-expected")).to_have_text("101,50 €")
    page.get_by_role("button", name="Clôturer la caisse").click()
    expect(page.get_by_text("La caisse est clôturée.")).to_be_visible()
    expect(page.locator("#z-difference")).to_have_text("-1,50 €")
    assert not TillSession.objects.get().is_open
