"""Keyboard only: how many keys (Tab, Enter, Space) a counsellor presses to enrol a referral whose
form comes back with a missing consent, and to register a person to a workshop. Typed text is not
counted: only the keys that move around the page and act. The bounds below are the figures measured
once the error summary and the focus after a search were in place; they fail if a change makes
either journey longer."""

import re

import pytest
from playwright.sync_api import expect

from beneficiaries.models import Beneficiary
from tests.beneficiaries.factories import BeneficiaryFactory, ReferralFactory
from tests.conftest import browser_login
from tests.workshops.factories import WorkshopSessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 300


class Keyboard:
    def __init__(self, page):
        self.page = page
        self.count = 0

    def press(self, key):
        self.page.keyboard.press(key)
        self.count += 1

    def tab_to(self, locator):
        """Tab until `locator` has the focus (no key when it has it already)."""
        for _ in range(MAX_TABS):
            if locator.evaluate("el => el === document.activeElement"):
                return
            self.press("Tab")
        raise AssertionError(f"never reached {locator}")


def test_keys_to_enrol_a_referral(page, live_server, counsellor_a, site_a):
    referral = ReferralFactory(site=site_a, first_name="Aïcha", last_name="Traoré")
    browser_login(page, live_server, counsellor_a.email)
    page.goto(f"{live_server.url}/orientations/a-traiter/")
    keys = Keyboard(page)
    keys.tab_to(page.get_by_role("link", name=re.compile("^Accepter")).first)
    keys.press("Enter")
    page.wait_for_url(f"**/beneficiaires/inscription/{referral.pk}/")
    # The baseline, typed or picked field by field (not counted), all but one consent.
    page.locator("#id_has_mobile_0").check()
    page.locator("#id_plan_type").select_option("prepaid")
    page.locator("#id_operator").select_option("sfr")
    page.locator("#id_monthly_spending").fill("38,50")
    page.locator("#id_employment_status").select_option("job_seeking")
    page.locator("#id_housing").select_option("hosted")
    page.locator("#id_household_size").fill("3")
    page.locator("#id_consent_share_outcomes").check()
    page.locator("#id_household_size").focus()
    keys.press("Enter")  # submits the form
    consent = page.locator("#id_consent_data_processing")
    expect(consent).to_be_visible()
    summary_link = page.locator("#error-summary a")
    if summary_link.count():  # the errors summary has the focus: its link leads to the field
        keys.tab_to(summary_link.first)
        keys.press("Enter")
    keys.tab_to(consent)
    keys.press("Space")
    keys.tab_to(page.get_by_role("button", name="Inscrire", exact=True))
    keys.press("Enter")
    expect(page.get_by_text("est inscrit(e) sous le numéro")).to_be_visible()
    assert Beneficiary.objects.count() == 1
    print(f"\nkeys to enrol a referral: {keys.count}")
    assert keys.count <= 24  # 48 before the errors summary


def test_keys_to_register_a_person_to_a_workshop(page, live_server, counsellor_a, site_a):
    session = WorkshopSessionFactory(site=site_a)
    BeneficiaryFactory(enrolled_site=site_a, first_name="Moussa", last_name="Keita")
    browser_login(page, live_server, counsellor_a.email)
    page.goto(f"{live_server.url}/ateliers/seances/{session.pk}/")
    keys = Keyboard(page)
    keys.tab_to(page.get_by_role("searchbox"))
    page.keyboard.type("Keita")
    keys.press("Enter")
    page.wait_for_url("**?q=Keita")
    keys.tab_to(page.get_by_role("button", name=re.compile("^Inscrire")))
    keys.press("Enter")
    expect(page.locator("#registered")).to_contain_text("Moussa")
    print(f"\nkeys to register a person to a workshop: {keys.count}")
    assert keys.count <= 20  # 38 before the focus moved to the first result
