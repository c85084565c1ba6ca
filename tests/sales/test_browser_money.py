"""Browser journeys of the till's money: a split refund and its receipt, a cash out, a blind close
whose difference a site manager confirms, a stale session closed the next morning."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from connexions.enums import SiteRole
from sales import services
from sales.models import CashMovement, Exchange, Refund, RefundPrint, TillSession
from sales.services import CartItem
from tests.catalogue.factories import ProductFactory, receive_phone
from tests.conftest import browser_login
from tests.connexions.factories import staff_user
from tests.sales.factories import buyer, checkout, open_till, split_payment_sale

pytestmark = pytest.mark.browser


def test_a_split_payment_refund_and_its_receipt(page, live_server, manager_a, site_a, agency_a):
    open_till(site_a, manager_a)
    sale, phone_line, _ = split_payment_sale(site_a, manager_a, agency_a)
    browser_login(page, live_server, manager_a.email)
    page.goto(f"{live_server.url}/caisse/ventes/{sale.pk}/")
    page.get_by_role("link", name="Remboursement").click()
    page.get_by_label(phone_line.product_name).fill("1")
    page.get_by_role("button", name="Proposer la répartition").click()
    expect(page.get_by_label("Espèces")).to_have_value("20,00")
    expect(page.get_by_label("Carte bancaire")).to_have_value("30,00")
    expect(page.get_by_label(f"rendu à {agency_a.name}")).to_have_value("9,00")
    # The counsellor changes it: less cash, more back to the agency.
    page.get_by_label("Espèces").fill("8,50")
    page.get_by_label(f"rendu à {agency_a.name}").fill("20,50")
    page.get_by_label("Motif").select_option("faulty")
    page.get_by_label("Note (facultative)").fill("Écran fissuré")
    page.get_by_role("button", name="Enregistrer le remboursement").click()

    refund = Refund.objects.get()
    expect(page.get_by_text(f"ticket {refund.receipt_number}")).to_be_visible()
    assert [(p.method, p.amount) for p in refund.payments.order_by("id")] == [
        ("cash", D("8.50")),
        ("card", D("30.00")),
        ("agency", D("20.50")),
    ]
    page.get_by_role("button", name="Imprimer le ticket").click()
    receipt = page.locator(".receipt")
    expect(receipt).to_contain_text(refund.receipt_number)
    expect(receipt).to_contain_text(sale.receipt_number)
    expect(receipt).to_contain_text(f"rendu à {agency_a.name}")
    expect(receipt).not_to_contain_text("DUPLICATA")
    page.get_by_role("link", name="Retour au remboursement").click()
    page.get_by_role("button", name="Imprimer le ticket").click()
    expect(page.locator(".receipt")).to_contain_text("DUPLICATA")
    assert RefundPrint.objects.filter(refund=refund, is_duplicate=True).count() == 1


def test_cash_out_then_a_blind_close_confirmed_by_a_manager(page, live_server, site_a, password):
    counsellor = staff_user(site_a, SiteRole.COUNSELLOR, can_open_till=True)
    manager = staff_user(site_a, SiteRole.SITE_MANAGER, first_name="Nadia", last_name="Benali")
    for user in (counsellor, manager):
        user.set_password(password)
        user.save()
    open_till(site_a, counsellor)
    browser_login(page, live_server, counsellor.email, password)
    page.goto(f"{live_server.url}/caisse/")
    page.get_by_role("link", name="Entrées et sorties d’espèces").first.click()
    page.get_by_label("Motif").select_option("petty_expense")
    page.get_by_label("Montant (€)").fill("4,50")
    page.get_by_label("Commentaire (facultatif)").fill("Timbres")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le mouvement d’espèces est enregistré.")).to_be_visible()
    expect(page.locator("#cash-movements")).to_contain_text("-4,50 €")
    assert CashMovement.objects.get().amount == D("-4.50")

    page.goto(f"{live_server.url}/caisse/")
    page.get_by_role("link", name="Clôturer la caisse").click()
    expect(page.get_by_text("45,50")).to_have_count(0)  # blind: nothing says what is expected
    page.get_by_label("20,00 €").fill("2")
    page.get_by_role("button", name="Valider le comptage").click()
    expect(page.locator("#close-counted")).to_have_text("40,00 €")
    expect(page.locator("#close-expected")).to_have_text("45,50 €")  # 50 float - 4,50
    expect(page.locator("#close-difference")).to_have_text("-5,50 €")
    page.get_by_role("button", name="Clôturer la caisse").click()
    expect(page.locator(".invalid-feedback", has_text="Expliquez l’écart.")).to_be_visible()
    page.get_by_label("Expliquez l’écart").fill("Erreur de rendu de monnaie")
    page.get_by_label("Responsable de site qui confirme").select_option(str(manager.pk))
    page.get_by_label("Son mot de passe").fill("not-the-password")
    page.get_by_role("button", name="Clôturer la caisse").click()
    expect(
        page.locator(".invalid-feedback", has_text="Ce mot de passe n’est pas celui du responsable")
    ).to_be_visible()
    assert TillSession.objects.get().is_open
    page.get_by_label("Son mot de passe").fill(password)
    page.get_by_role("button", name="Clôturer la caisse").click()
    expect(page.get_by_text("La caisse est clôturée.")).to_be_visible()
    expect(page.locator("#z-comment")).to_have_text("Erreur de rendu de monnaie")
    expect(page.locator("#z-confirmed-by")).to_have_text("Nadia Benali")
    expect(page.locator("#z-cash-out")).to_have_text("4,50 €")
    expect(page.locator("#z-denominations")).to_contain_text("2 × 20,00 €")
    session = TillSession.objects.get()
    assert (session.difference_confirmed_by, session.cash_difference) == (manager, D("-5.50"))


def test_a_stale_session_is_closed_the_next_morning(page, live_server, site_a, manager_a):
    opened = timezone.localtime() - timedelta(days=2)
    opened = opened.replace(hour=18, minute=1, second=0, microsecond=0)
    session = services.till_open(site=site_a, opening_float=D("50"), actor=manager_a, at=opened)
    browser_login(page, live_server, manager_a.email)
    page.goto(f"{live_server.url}/caisse/")
    warning = page.locator("#till-stale")
    weekday = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    since = f"le {weekday[opened.weekday()]} {opened:%d/%m} à 18:01"
    expect(warning).to_contain_text(f"ouverte depuis {since}")
    expect(warning).to_contain_text("Aucune vente n’est possible")
    page.get_by_role("link", name="Clôturer la caisse").click()
    page.get_by_label("Espèces comptées dans le tiroir (€)").fill("50")
    page.get_by_role("button", name="Valider le comptage").click()
    page.get_by_role("button", name="Clôturer la caisse").click()
    expect(page.get_by_text("La caisse est clôturée.")).to_be_visible()
    assert not TillSession.objects.get(pk=session.pk).is_open
    page.goto(f"{live_server.url}/caisse/")
    page.get_by_label("Fonds de caisse (€)").fill("50,00")
    page.get_by_role("button", name="Ouvrir la caisse").click()
    expect(page.get_by_text("La caisse est ouverte.")).to_be_visible()
    expect(page.locator("#till-stale")).to_have_count(0)


def test_an_exchange_of_a_faulty_phone(page, live_server, manager_a, site_a):
    open_till(site_a, manager_a)
    phone = ProductFactory(phone=True)
    dearer = ProductFactory(phone=True, solidarity_price=D("59.00"))
    first = receive_phone(site_a, phone, actor=manager_a)
    second = receive_phone(site_a, dearer, actor=manager_a)
    sale = checkout(site_a, buyer(), [CartItem(phone, device_code=first.imei)], manager_a).sale
    browser_login(page, live_server, manager_a.email)
    page.goto(f"{live_server.url}/caisse/ventes/{sale.pk}/")
    page.get_by_role("link", name="Échange").click()
    page.get_by_label(phone.name).fill("1")
    page.get_by_label("Nouvel article").select_option(str(dearer.pk))
    page.get_by_label("IMEI ou numéro de série (appareils)").fill(second.imei)
    page.get_by_label("Solde payé par").select_option("cash")
    page.get_by_role("button", name="Enregistrer l’échange").click()
    expect(page.get_by_text("L’échange est enregistré.")).to_be_visible()
    expect(page.locator("#exchange-balance")).to_contain_text("10,00 €")
    exchange = Exchange.objects.get()
    page.get_by_role("button", name="Imprimer le ticket").click()
    expect(page.locator("body")).to_contain_text(exchange.refund.receipt_number)
    expect(page.locator("body")).to_contain_text(exchange.sale.receipt_number)
    expect(page.locator("body")).to_contain_text(second.imei)
    assert exchange.balance == D("10.00")
