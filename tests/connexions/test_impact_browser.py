"""The impact dashboard in a real Chromium: open it from the navigation, see the charts drawn,
filter by site, download the PDF report; a partner's report from the dashboard (no console
error, CSP included)."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from connexions.enums import PartnerKind, SiteRole
from connexions.models import Grant, Partner
from tests.conftest import browser_login
from tests.connexions.factories import ReceptionSiteFactory, SiteMembershipFactory
from tests.connexions.impact_data import enrol_people


@pytest.mark.browser
def test_dashboard_filter_by_site_and_pdf(
    page, live_server, programme_admin, site_a, site_b, agency_a, shot_dir
):
    today = timezone.localdate()
    enrol_people(
        site=site_a,
        agency=agency_a,
        recorder=programme_admin,
        specs=[{"enrolled_on": today} for _ in range(7)],
    )
    enrol_people(
        site=site_b,
        agency=agency_a,
        recorder=programme_admin,
        specs=[{"enrolled_on": today, "has_mobile": False, "plan_type": "none"}] * 5,
        start=100,
    )

    browser_login(page, live_server, programme_admin.email)
    page.get_by_role("link", name="Impact").click()
    expect(page.get_by_role("heading", name="Tableau de bord d'impact")).to_be_visible()
    expect(page.locator("#figure-enrolled .stat-figure")).to_have_text("12")
    # Chart.js drew every chart from the embedded figures.
    canvases = page.locator("canvas[data-chart]")
    expect(canvases.first).to_be_visible()
    page.wait_for_function(
        "() => typeof Chart !== 'undefined' && [...document.querySelectorAll('canvas[data-chart]')]"
        ".every((canvas) => Chart.getChart(canvas) !== undefined)"
    )
    assert canvases.count() >= 6
    # Every menu entry fits a laptop screen (no sideways scrolling), from the xl breakpoint.
    for width in (1200, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(shot_dir / "impact-dashboard.png"), full_page=True)

    page.locator("#id_site").select_option(label=site_b.name)
    page.get_by_role("button", name="Appliquer").click()
    expect(page.locator("#impact-scope")).to_contain_text(site_b.name)
    expect(page.locator("#figure-enrolled .stat-figure")).to_have_text("5")
    expect(page.locator("#figure-no_mobile .stat-figure")).to_have_text("100\u00a0%")
    assert f"site={site_b.pk}" in page.url

    # The whole dashboard as a PDF takes a few seconds on a busy machine.
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("link", name="Bilan d'impact (PDF)").click(timeout=60_000)
    download = download_info.value
    assert download.suggested_filename.startswith("impact-bilan-")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


@pytest.mark.browser
def test_site_manager_menu_fits_a_laptop_screen(page, live_server, manager_a):
    # A manager of two sites with long names: the widest menu a staff member gets.
    other = ReceptionSiteFactory(name="Paris 14e — Centre social Maurice Noguès")
    SiteMembershipFactory(user=manager_a, site=other, role=SiteRole.SITE_MANAGER)
    browser_login(page, live_server, manager_a.email)
    page.get_by_role("link", name="Impact").click()
    expect(page.get_by_role("heading", name="Tableau de bord d'impact")).to_be_visible()
    for width in (1200, 1280, 1366):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.browser
def test_partner_report_from_the_dashboard(page, live_server, programme_admin, site_a, agency_a):
    today = timezone.localdate()
    enrol_people(
        site=site_a,
        agency=agency_a,
        recorder=programme_admin,
        specs=[{"enrolled_on": today} for _ in range(6)],
    )
    town = Partner.objects.create(name="Ville de Saint-Denis", kind=PartnerKind.LOCAL_AUTHORITY)
    Grant.objects.create(
        partner=town,
        amount=Decimal("10000.00"),
        starts_on=today.replace(month=1, day=1),
        ends_on=today.replace(month=12, day=31),
        purpose="Lancement",
    )
    browser_login(page, live_server, programme_admin.email)
    page.get_by_role("link", name="Impact").click()
    page.get_by_role("link", name="Partenaires et subventions").click()
    expect(page.locator("#partners")).to_contain_text("Ville de Saint-Denis")
    page.get_by_role("link", name="Rapport partenaire").click()
    expect(
        page.get_by_role("heading", name="Rapport partenaire : Ville de Saint-Denis")
    ).to_be_visible()
    page.get_by_role("button", name="Appliquer").click()
    grants = page.locator("#partner-subventions")
    expect(grants).to_contain_text("Lancement")
    expect(grants).to_contain_text("Ensemble du programme")
    expect(grants.locator("tbody tr td").nth(3)).to_have_text("6")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF").click()
    with open(download_info.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
