import pytest

from tests.connexions.factories import ReceptionSiteFactory, SiteMembershipFactory

pytestmark = pytest.mark.django_db


def test_home_page_against_health_check(client, counsellor_a, compare):
    for _ in range(20):
        SiteMembershipFactory(user=counsellor_a, site=ReceptionSiteFactory())
    client.force_login(counsellor_a)
    ratio = compare(
        "home page (counsellor at 21 sites) vs /health/",
        lambda: client.get("/"),
        lambda: client.get("/health/"),
    )
    assert ratio > 0
