"""The main journey in a real Chromium: a social worker refers a person, a counsellor checks
for duplicates, enrols them and prints the card, the social worker sees the referral accepted."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from beneficiaries.models import Beneficiary, Referral
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.conftest import browser_login


@pytest.mark.browser
def test_referral_to_enrolment_journey(
    page, live_server, social_worker_a, counsellor_a, site_a, site_b, shot_dir
):
    # Someone close already enrolled elsewhere: the duplicate check must show them.
    lookalike = BeneficiaryFactory(
        enrolled_site=site_b, first_name="Aicha", last_name="Traore", birth_date=date(1985, 4, 12)
    )

    browser_login(page, live_server, social_worker_a.email)
    page.get_by_role("link", name="Orientations").first.click()
    page.get_by_role("link", name="Nouvelle orientation").click()
    page.locator("#id_first_name").fill("Aïcha")
    page.locator("#id_last_name").fill("Traoré")
    page.locator("#id_birth_date").fill("1985-04-12")
    page.locator("#id_phone").fill("06 98 76 54 32")
    page.locator("#id_city").fill("Saint-Denis")
    page.locator("#id_profile").select_option("severe_exclusion")
    page.get_by_label("Un téléphone").check()
    page.get_by_label("Des recharges").check()
    page.locator("#id_site").select_option(label=site_a.name)
    page.locator("#id_consent_attested").check()
    page.get_by_role("button", name="Envoyer l'orientation").click()
    expect(page.get_by_text("a été envoyée")).to_be_visible()
    expect(page.locator(".badge", has_text="En attente")).to_be_visible()
    referral = Referral.objects.get(first_name="Aïcha")

    page.context.clear_cookies()
    browser_login(page, live_server, counsellor_a.email)
    page.goto(f"{live_server.url}/orientations/a-traiter/")
    row = page.get_by_role("row", name=re.compile("Aïcha Traoré"))
    row.get_by_role("link", name="Accepter").click()
    duplicates = page.locator("#duplicates")
    expect(duplicates).to_contain_text(lookalike.number)
    page.screenshot(path=str(shot_dir / "enrolment-duplicates.png"), full_page=True)
    expect(page.locator("#id_first_name")).to_have_value("Aïcha")  # prefilled
    page.locator("#id_has_mobile_0").check()
    page.locator("#id_plan_type").select_option("prepaid")
    page.locator("#id_operator").select_option("sfr")
    page.locator("#id_monthly_spending").fill("38,50")
    page.locator("#id_employment_status").select_option("job_seeking")
    page.locator("#id_housing").select_option("hosted")
    page.locator("#id_household_size").fill("3")
    page.locator("#id_consent_data_processing").check()
    page.locator("#id_consent_share_outcomes").check()
    page.get_by_role("button", name="Inscrire").click()
    expect(page.locator("#id_confirmed_new")).to_be_visible()  # must confirm a new person
    expect(page.locator(".invalid-feedback, .text-danger").first).to_be_visible()
    page.locator("#id_consent_data_processing").check()
    page.locator("#id_consent_share_outcomes").check()
    page.locator("#id_confirmed_new").check()
    page.get_by_role("button", name="Inscrire").click()
    expect(page.get_by_text("est inscrit(e) sous le numéro")).to_be_visible()
    beneficiary = Beneficiary.objects.exclude(pk=lookalike.pk).get()
    expect(page.get_by_role("heading", name=re.compile("Aïcha TRAORÉ"))).to_be_visible()
    page.screenshot(path=str(shot_dir / "beneficiary-file.png"), full_page=True)
    card_link = page.get_by_role("link", name="Carte d'adhérent (PDF)")
    card = page.request.get(live_server.url + card_link.get_attribute("href"))
    assert card.ok
    assert card.headers["content-type"] == "application/pdf"
    assert card.body().startswith(b"%PDF")

    page.context.clear_cookies()
    browser_login(page, live_server, social_worker_a.email)
    page.goto(f"{live_server.url}/orientations/liste/")
    row = page.get_by_role("row", name=re.compile("Aïcha Traoré"))
    expect(row.locator(".badge", has_text="Acceptée")).to_be_visible()
    expect(row).to_contain_text("Inscrit")
    page.screenshot(path=str(shot_dir / "referrals-social-worker.png"), full_page=True)
    referral.refresh_from_db()
    assert referral.beneficiary == beneficiary
