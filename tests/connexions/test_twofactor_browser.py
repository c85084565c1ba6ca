from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD, totp_code


def fill_login(page, email):
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.browser
def test_admin_enrols_logs_out_and_logs_in_with_a_code(page, live_server, programme_admin):
    page.goto(f"{live_server.url}/admin/")
    fill_login(page, programme_admin.email)

    # Straight from the password to enrolment: scan (here, read the key shown as text).
    expect(
        page.get_by_role("heading", name="Configurez votre double authentification")
    ).to_be_visible()
    expect(page.locator("figure svg")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    code = f"{TOTP(b32decode(secret.replace(' ', ''))).token():06d}"
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Valider").click()

    codes = page.get_by_test_id("backup-codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    page.get_by_role("link", name="Je les ai conservés : continuer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vue d'ensemble du programme")
    page.goto(f"{live_server.url}/connexion/double-facteur/codes-de-secours/")
    expect(page.get_by_test_id("backup-codes")).to_have_count(0)  # shown once

    page.get_by_role("button", name=programme_admin.get_full_name()).click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(f"{live_server.url}/connexion/")

    # The password alone does not open the administration.
    fill_login(page, programme_admin.email)
    expect(page.get_by_role("heading", name="Double authentification")).to_be_visible()
    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_url(f"{live_server.url}/connexion/double-facteur/?next=/admin/")

    device = TOTPDevice.objects.get(user=programme_admin, confirmed=True)
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Vérifier").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_contain_text("Administration de Connexions")
