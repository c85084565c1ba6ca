"""The impact dashboard in a real Chromium: open it from the navigation, see the charts drawn,
filter by site, download the PDF report (no console error, CSP included)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from connexions.enums import SiteRole
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

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Bilan d'impact (PDF)").click()
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
