"""Accessibility beyond axe, in a real Chromium: the form-errors summary, a social worker's pages
on a phone, the idle-logout warning, busy buttons and double clicks, focus after a search, and
the names list actions give to screen readers."""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from beneficiaries.models import Referral
from tests.beneficiaries.factories import BeneficiaryFactory, FollowUpFactory, ReferralFactory
from tests.conftest import browser_login
from tests.sales.factories import open_till
from tests.workshops.factories import WorkshopSessionFactory
from workshops.services import registration_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _no_axe_violation(page):
    violations = Axe().run(page).response["violations"]
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def _fits_the_screen(page):
    """Nothing scrolls sideways: the page is exactly as wide as the viewport."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width == page.viewport_size["width"], f"{page.url} is {width}px wide"


def test_form_errors_summary_takes_the_focus_and_links_to_each_field(
    page, live_server, social_worker_a, site_a
):
    page.set_viewport_size(PHONE)
    browser_login(page, live_server, social_worker_a.email)
    page.goto(f"{live_server.url}/orientations/nouvelle/")
    page.locator("#id_first_name").fill("Aïcha")
    page.get_by_role("button", name="Envoyer l'orientation").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    count = links.count()
    assert count >= 2
    expect(summary.get_by_role("heading")).to_have_text(f"{count} erreurs :")
    # Each field keeps its own message too.
    assert page.locator(".invalid-feedback").count() >= count - 1
    first = links.first
    target = first.get_attribute("href")
    first.click()
    expect(page.locator(target)).to_be_focused()
    _no_axe_violation(page)
    assert not Referral.objects.exists()


def test_a_social_worker_works_on_a_phone(page, live_server, social_worker_a, site_a):
    referral = ReferralFactory(
        agency=social_worker_a.agency, referrer=social_worker_a, site=site_a, first_name="Inès"
    )
    page.set_viewport_size(PHONE)
    browser_login(page, live_server, social_worker_a.email)
    for path in ("/", "/orientations/nouvelle/", "/orientations/liste/"):
        page.goto(live_server.url + path)
        _fits_the_screen(page)
    # The list is a set of cards showing the person, the date and the status.
    card = page.locator(".referral-cards li", has_text="Inès")
    expect(card).to_be_visible()
    expect(card).to_contain_text(timezone.localtime(referral.submitted_at).strftime("%d/%m/%Y"))
    expect(card.locator(".badge", has_text="En attente")).to_be_visible()
    expect(page.locator("table")).to_be_hidden()
    card.get_by_role("link", name=re.compile("Inès")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inès")
    _fits_the_screen(page)


def test_the_idle_logout_is_announced_two_minutes_before(page, live_server, counsellor_a):
    page.clock.install()
    browser_login(page, live_server, counsellor_a.email)
    page.goto(f"{live_server.url}/beneficiaires/")
    dialog = page.get_by_role("dialog", name="Votre session va bientôt se terminer")
    page.clock.fast_forward("27:00")
    expect(dialog).to_be_hidden()
    page.clock.fast_forward("01:30")
    expect(dialog).to_be_visible()
    stay = dialog.get_by_role("button", name="Rester connecté")
    expect(stay).to_be_focused()
    with page.expect_response(re.compile(r"/session/maintenir/$")) as kept:
        page.keyboard.press("Enter")
    assert kept.value.status == 204
    expect(dialog).to_be_hidden()
    # The next warning comes 28 minutes after the renewal, not before.
    page.clock.fast_forward("27:00")
    expect(dialog).to_be_hidden()
    page.clock.fast_forward("01:30")
    expect(dialog).to_be_visible()
    # Left alone, the page stays (what was typed is kept) and says the session has ended.
    page.clock.fast_forward("02:00")
    expect(dialog).to_contain_text("Votre session est terminée")
    expect(dialog.get_by_role("link", name="Se reconnecter (nouvel onglet)")).to_be_focused()


def test_a_double_click_sends_a_form_once(page, live_server, social_worker_a, site_a):
    browser_login(page, live_server, social_worker_a.email)
    page.goto(f"{live_server.url}/orientations/nouvelle/")
    page.locator("#id_first_name").fill("Aïcha")
    page.locator("#id_last_name").fill("Traoré")
    page.locator("#id_birth_date").fill("1985-04-12")
    page.locator("#id_phone").fill("06 98 76 54 32")
    page.locator("#id_city").fill("Saint-Denis")
    page.locator("#id_profile").select_option("severe_exclusion")
    page.get_by_label("Un téléphone").check()
    page.locator("#id_site").select_option(label=site_a.name)
    page.locator("#id_consent_attested").check()
    button = page.get_by_role("button", name="Envoyer l'orientation")
    button.dblclick()
    expect(page.get_by_text("a été envoyée")).to_be_visible()
    assert Referral.objects.count() == 1


def test_the_tills_live_region_is_never_replaced(page, live_server, manager_a, site_a):
    open_till(site_a, manager_a)
    browser_login(page, live_server, manager_a.email)
    page.goto(f"{live_server.url}/caisse/")
    assert page.locator("[aria-live]").count() == 1
    region = page.locator("#live-region")
    region.evaluate("el => { el.dataset.kept = 'yes'; }")
    handle = region.element_handle()
    for code in ("123", "456"):
        page.locator("#till-code").fill(code)
        page.keyboard.press("Enter")
        expect(page.locator("#till-feedback .alert")).to_contain_text(code)
        expect(region).to_have_text(page.locator("#till-feedback").inner_text().strip())
    # The same element, with what the page set on it: its content changed, it was not replaced.
    assert handle.evaluate("el => el.isConnected && el.dataset.kept === 'yes'")
    expect(region).to_have_attribute("data-kept", "yes")
    assert page.locator("[aria-live]").count() == 1
    expect(page.locator("#till-code")).to_be_focused()  # the scanner's field, as before


def test_an_htmx_button_is_busy_and_a_second_click_sends_nothing(
    page, live_server, manager_a, site_a
):
    open_till(site_a, manager_a)
    browser_login(page, live_server, manager_a.email)
    page.goto(f"{live_server.url}/caisse/")
    # Hold the search's answer, to look at the button while it is on its way.
    held = []
    page.route("**/caisse/client/recherche/*", lambda route: held.append(route))
    page.locator("#customer-query").fill("Dupont")
    button = page.locator("form[role=search] [type=submit]")
    button.click()
    expect(button).to_have_attribute("aria-busy", "true")
    button.click(force=True)
    page.wait_for_timeout(300)
    assert len(held) == 1  # the second click sent nothing meanwhile
    held[0].continue_()
    expect(page.locator("#customer-results")).to_contain_text("Aucune personne trouvée.")
    expect(button).not_to_have_attribute("aria-busy", "true")
    page.wait_for_timeout(300)
    assert len(held) == 1  # nor later (htmx would have queued it)
    expect(page.locator("#live-region")).to_have_text("Aucune personne trouvée.")
    page.unroute("**/caisse/client/recherche/*")


def test_workshop_registration_focus_names_and_waiting_list(
    page, live_server, counsellor_a, site_a
):
    session = WorkshopSessionFactory(site=site_a, capacity=1, room="Salle informatique")
    registration_create(session=session, beneficiary=BeneficiaryFactory(), actor=counsellor_a)
    person = BeneficiaryFactory(enrolled_site=site_a, first_name="Moussa", last_name="Keita")
    browser_login(page, live_server, counsellor_a.email)
    page.goto(f"{live_server.url}/ateliers/seances/{session.pk}/")
    expect(page.locator("#registered h2")).to_have_text("1 inscrit")
    page.get_by_role("searchbox").fill("Keita")
    page.keyboard.press("Enter")
    # The session is full: the button says so before the click, and has the focus.
    button = page.get_by_role("button", name=f"Inscrire {person.full_name} sur liste d'attente")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    waiting = page.locator("#waiting")
    expect(waiting).to_contain_text("Moussa")
    expect(
        waiting.get_by_role("link", name=f"Annuler l'inscription de {person.full_name}")
    ).to_be_visible()
    _no_axe_violation(page)


def test_overdue_follow_ups_say_by_how_long(page, live_server, counsellor_a, site_a):
    today = timezone.localdate()
    late = FollowUpFactory(
        beneficiary=BeneficiaryFactory(enrolled_site=site_a),
        due_on=today - timedelta(days=125),
    )
    browser_login(page, live_server, counsellor_a.email)
    page.goto(f"{live_server.url}/beneficiaires/suivis-a-faire/")
    row = page.get_by_role("row", name=re.compile(late.beneficiary.last_name, re.IGNORECASE))
    expect(row).to_contain_text("en retard de 4 mois")
    name = late.beneficiary.full_name
    expect(row.get_by_role("link", name=f"Enregistrer le suivi de {name}")).to_be_visible()
    page.goto(f"{live_server.url}/beneficiaires/{late.beneficiary_id}/")
    expect(page.locator("#follow-ups-title + table")).to_contain_text("en retard de 4 mois")


def test_accessibility_statement_is_linked_from_every_footer(page, live_server):
    page.goto(f"{live_server.url}/connexion/")
    page.locator("footer").get_by_role("link", name=re.compile("Accessibilité")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclaration d'accessibilité")
    for heading in ("État de conformité", "Contenus non accessibles", "Voies de recours"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator("main")).to_contain_text("partiellement conforme")
