import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from connexions.demo import DEMO_PASSWORD
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_HOMES = [
    ("admin@demo.connexions.fr", "Vue d'ensemble du programme", "Ouvrir l'administration"),
    ("conseiller@demo.connexions.fr", "Bonjour Karim", "Paris 19e — Emmaüs Défi"),
    ("responsable@demo.connexions.fr", "Bonjour Sophie", "Responsable de site"),
    ("ts.ccas@demo.connexions.fr", "Bonjour Nadia", "CCAS de Saint-Denis"),
    ("ts.pimms@demo.connexions.fr", "Bonjour Julien", "PIMMS d'Antony"),
]


def _log_out(page):
    page.goto("about:blank")  # first, so no request of the last page brings its session back
    page.context.clear_cookies()


def test_demo_logins(page, live_server, subtests):
    """One test, so the demo is seeded once for the live server (which sees only committed data,
    flushed after each test); each check is a subtest starting logged out."""
    call_command("seed_demo", stdout=io.StringIO())

    for email, heading, text in DEMO_HOMES:
        with subtests.test("each demo role sees its French home", email=email):
            _log_out(page)
            browser_login(page, live_server, email, DEMO_PASSWORD)
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
            expect(page.locator("main")).to_contain_text(text)
            expect(page.locator("html")).to_have_attribute("lang", "fr")

    with subtests.test("a wrong password shows a French error"):
        _log_out(page)
        browser_login(page, live_server, "conseiller@demo.connexions.fr", "pas-le-bon")
        expect(page.locator("main")).to_contain_text("Adresse e-mail ou mot de passe incorrect")
        expect(page).to_have_url(f"{live_server.url}/connexion/")

    with subtests.test("staff switch site and log out"):
        _log_out(page)
        browser_login(page, live_server, "responsable@demo.connexions.fr", DEMO_PASSWORD)
        page.get_by_role("button", name="Point d'accueil actuel").click()
        page.get_by_role("button", name="Paris 14e — Centre social Maurice Noguès").click()
        expect(page.locator(".alert-success")).to_contain_text("Paris 14e")
        page.get_by_role("button", name="Sophie Lefèvre").click()
        page.get_by_role("button", name="Se déconnecter").click()
        expect(page).to_have_url(f"{live_server.url}/connexion/")
