"""The onboarding and ProConnect journeys in a real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from beneficiaries.models import Referral
from connexions.models import User
from tests.conftest import browser_login
from tests.connexions.factories import UserFactory

PASSWORD = "un-mot-de-passe-tout-neuf-2026"


def _link(outbox, pattern):
    return re.search(pattern, outbox[-1].body).group(0)


@pytest.mark.browser
def test_request_verify_approve_then_refer(
    page, live_server, agency_a, site_a, mailoutbox, settings
):
    settings.SITE_URL = live_server.url  # links in the e-mails
    agency_a.email_domains = ["ccas-test.fr"]
    agency_a.save()
    referent = UserFactory(
        social_worker=True, agency=agency_a, is_referent=True, email="referente@ccas-test.fr"
    )

    # A new social worker asks for an account from the login page.
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_role("link", name="Demander un compte").click()
    page.get_by_label("Trouvez votre structure").fill(agency_a.name)
    page.get_by_role("button", name="Rechercher").click()
    page.locator("#id_first_name").fill("Camille")
    page.locator("#id_last_name").fill("Roux")
    page.get_by_label("Adresse e-mail professionnelle").fill("camille.roux@ccas-test.fr")
    page.get_by_label("Votre structure", exact=True).select_option(str(agency_a.pk))
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("heading", name="Demande envoyée")).to_be_visible()

    # They confirm their address from the e-mail.
    page.goto(_link(mailoutbox, r"http://\S+/inscription/verifier/\S+/"))
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page.get_by_text("votre adresse est confirmée")).to_be_visible()
    assert mailoutbox[-1].to == [referent.email]

    # The referent approves it from "Demandes en attente".
    browser_login(page, live_server, referent.email)
    page.get_by_role("link", name="Demandes en attente").first.click()
    page.get_by_role("link", name="Camille Roux").click()
    page.get_by_role("button", name="Valider et activer le compte").click()
    expect(page.get_by_text("Le compte de Camille Roux est actif")).to_be_visible()
    page.context.clear_cookies()

    # The new social worker chooses a password, logs in and refers a person.
    page.goto(_link(mailoutbox, r"http://\S+/mot-de-passe/nouveau/\S+/"))
    page.locator("#id_new_password1").fill(PASSWORD)
    page.locator("#id_new_password2").fill(PASSWORD)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Votre nouveau mot de passe est enregistré")).to_be_visible()
    browser_login(page, live_server, "camille.roux@ccas-test.fr", PASSWORD)
    page.get_by_role("link", name="Orientations").first.click()
    page.get_by_role("link", name="Nouvelle orientation").click()
    page.locator("#id_first_name").fill("Malik")
    page.locator("#id_last_name").fill("Diallo")
    page.locator("#id_birth_date").fill("1990-02-03")
    page.locator("#id_phone").fill("06 11 22 33 44")
    page.locator("#id_city").fill("Saint-Denis")
    page.locator("#id_profile").select_option("severe_exclusion")
    page.get_by_label("Un téléphone").check()
    page.locator("#id_site").select_option(label=site_a.name)
    page.locator("#id_consent_attested").check()
    page.get_by_role("button", name="Envoyer l'orientation").click()
    expect(page.get_by_text("a été envoyée")).to_be_visible()
    referral = Referral.objects.get(last_name__iexact="Diallo")
    assert referral.agency == agency_a
    assert referral.referrer == User.objects.get(email="camille.roux@ccas-test.fr")


@pytest.mark.browser
def test_proconnect_login_and_logout(page, live_server, proconnect_for, social_worker_a):
    provider = proconnect_for(live_server.url)
    provider.setup(
        agent={
            "username": "agent-navigateur",
            "password": "agent-password",
            "email": social_worker_a.email,
            "given_name": social_worker_a.first_name,
            "usual_name": social_worker_a.last_name,
            "siret": "",
        }
    )
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_role("link", name="Se connecter avec ProConnect").click()
    page.get_by_label("Identifiant").fill("agent-navigateur")
    page.get_by_label("Mot de passe").fill("agent-password")
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name=re.compile(social_worker_a.last_name))).to_be_visible()
    social_worker_a.refresh_from_db()
    assert social_worker_a.proconnect_sub

    # Logging out here ends the provider's session too (a form post redirected to it).
    page.get_by_role("button", name=re.compile(social_worker_a.last_name)).click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(re.escape(provider.origin) + "/o/logout/"))
    page.get_by_role("button", name="Logout").click()
    page.wait_for_url(re.compile(re.escape(f"{live_server.url}/connexion/")))
    page.goto(f"{live_server.url}/")
    page.wait_for_url(re.compile("/connexion/"))
    # The provider's session ended too: ProConnect asks for the agent's password again.
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_role("link", name="Se connecter avec ProConnect").click()
    expect(page.get_by_label("Identifiant")).to_be_visible()
