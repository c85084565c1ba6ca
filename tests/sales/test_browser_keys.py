"""The most common sale with the keyboard only, as a counsellor with a scanner does it."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from sales.models import Sale
from tests.conftest import browser_login
from tests.sales.factories import buyer, open_till, stocked_site

COUNT_KEYS = "window.keys = 0; document.addEventListener('keydown', () => window.keys++, true);"


def _scan_card(page, live_server, manager, person):
    page.set_viewport_size({"width": 1366, "height": 768})
    browser_login(page, live_server, manager.email)
    page.goto(f"{live_server.url}/caisse/")
    expect(page.locator("#till-code")).to_be_focused()
    page.keyboard.type(person.scan_code)  # the scanner types the card, then Enter
    page.keyboard.press("Enter")
    expect(page.locator("#customer-name")).to_have_text(person.full_name)


def _in_view(page, selector):
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= 768, (selector, box)


@pytest.mark.browser
def test_a_sale_in_at_most_ten_keystrokes(page, live_server, manager_a, site_a):
    topup, _, _ = stocked_site(site_a, manager_a, vouchers=3, phones=0)
    open_till(site_a, manager_a)
    person = buyer()
    _scan_card(page, live_server, manager_a, person)
    page.evaluate(COUNT_KEYS)

    page.keyboard.press("F2")
    expect(page.locator("#cart-lines")).to_contain_text(topup.name)
    for selector in ("#payment-total", "#id_cash_received", "#confirm-sale"):
        _in_view(page, selector)  # no scrolling at 1366×768
    page.keyboard.press("F4")
    expect(page.locator("#confirm-sale")).to_be_focused()
    keys = page.evaluate("window.keys")
    page.keyboard.press("F9")
    expect(page.get_by_text("Vente enregistrée")).to_be_visible()

    keys += 1  # the confirming key (the page was replaced since)
    assert keys <= 10, keys
    sale = Sale.objects.get()
    assert sale.beneficiary == person and sale.total == topup.solidarity_price
    expect(page.locator("#till-code")).to_be_focused()  # ready for the next person
    page.keyboard.press("F8")  # the receipt, one key away
    expect(page.locator(".receipt")).to_contain_text(sale.receipt_number)


@pytest.mark.browser
def test_a_payment_error_is_recovered_without_retyping(page, live_server, manager_a, site_a):
    stocked_site(site_a, manager_a, vouchers=3, phones=0)
    open_till(site_a, manager_a)
    _scan_card(page, live_server, manager_a, buyer())
    page.keyboard.press("F2")
    expect(page.locator("#payment-total")).to_be_visible()
    total = page.locator("#id_cash_amount").input_value()

    page.locator("#id_cash_received").focus()
    page.keyboard.type("0,50")
    page.keyboard.press("Enter")  # Enter never sells
    page.keyboard.press("F9")

    received = page.locator("#id_cash_received")
    expect(page.locator("#payment-form")).to_contain_text("Il manque")
    expect(page.locator("#payment-form")).to_contain_text("€ en espèces")
    expect(received).to_have_value("0,50")
    expect(received).to_be_focused()
    expect(page.locator("#id_cash_amount")).to_have_value(total)
    expect(page.locator("#live-region")).to_contain_text("Il manque")
    violations = Axe().run(page).response["violations"]
    assert [
        (v["id"], [n["html"][:120] for n in v["nodes"]]) for v in violations
    ] == []  # till with a card, a cart and an error
    assert not Sale.objects.exists()

    page.keyboard.press("F4")
    page.keyboard.press("F9")
    expect(page.get_by_text("Vente enregistrée")).to_be_visible()
    assert Sale.objects.count() == 1
