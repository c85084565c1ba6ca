import pytest

from connexions.enums import SiteRole
from connexions.perms import Action, can, sees_every_site, sites_for, working_sites
from tests.connexions.factories import ReceptionSiteFactory, SiteMembershipFactory, staff_user

pytestmark = pytest.mark.django_db

SITE_ACTIONS = [
    Action.SUPPORT,
    Action.SELL,
    Action.OPEN_TILL,
    Action.MANAGE_STOCK,
    Action.VIEW_CATALOGUE,
    Action.WORKSHOPS,
    Action.VIEW_IMPACT,
]

# The permission table of docs/architecture.md, at the user's own site.
EXPECTED = {
    "counsellor_a": {Action.SUPPORT, Action.SELL, Action.VIEW_CATALOGUE, Action.WORKSHOPS},
    "manager_a": {
        Action.SUPPORT,
        Action.SELL,
        Action.OPEN_TILL,
        Action.MANAGE_STOCK,
        Action.VIEW_CATALOGUE,
        Action.WORKSHOPS,
        Action.VIEW_IMPACT,
    },
    "social_worker_a": set(),
    "programme_admin": set(SITE_ACTIONS),
}


@pytest.mark.parametrize("who", EXPECTED)
def test_permission_table_at_own_site(request, site_a, who):
    user = request.getfixturevalue(who)
    allowed = {action for action in SITE_ACTIONS if can(user, action, site_a)}
    assert allowed == EXPECTED[who]


def test_staff_may_do_nothing_at_another_site(site_b, counsellor_a, manager_a):
    for user in (counsellor_a, manager_a):
        assert not any(can(user, action, site_b) for action in SITE_ACTIONS)


def test_counsellor_with_till_right_may_open_the_till(site_a):
    cashier = staff_user(site_a, can_open_till=True)
    assert can(cashier, Action.OPEN_TILL, site_a)
    assert not can(cashier, Action.MANAGE_STOCK, site_a)


def test_referrals_and_catalogue_management(counsellor_a, social_worker_a, programme_admin):
    assert can(social_worker_a, Action.REFER)
    assert not can(counsellor_a, Action.REFER)
    assert can(programme_admin, Action.REFER)
    assert can(programme_admin, Action.MANAGE_CATALOGUE)
    assert not can(counsellor_a, Action.MANAGE_CATALOGUE)


@pytest.mark.parametrize("who", EXPECTED)
def test_programme_wide_rights_are_the_programme_admins_alone(request, site_a, who):
    from django.contrib.auth.models import AnonymousUser

    user = request.getfixturevalue(who)
    admin = who == "programme_admin"
    assert can(user, Action.MANAGE_TOPICS) is admin
    assert can(user, Action.MANAGE_TOPICS, site_a) is admin
    assert sees_every_site(user) is admin
    assert not sees_every_site(AnonymousUser())


def test_anonymous_and_inactive_users_may_do_nothing(django_user_model, counsellor_a, site_a):
    from django.contrib.auth.models import AnonymousUser

    assert not can(AnonymousUser(), Action.SUPPORT, site_a)
    counsellor_a.is_active = False
    assert not can(counsellor_a, Action.SUPPORT, site_a)


def test_sites_for_scopes_to_memberships(site_a, site_b, manager_a, counsellor_a, programme_admin):
    closed = ReceptionSiteFactory(is_active=False)
    assert list(sites_for(manager_a, Action.VIEW_IMPACT)) == [site_a]
    assert list(sites_for(counsellor_a, Action.VIEW_IMPACT)) == []
    assert set(sites_for(programme_admin, Action.VIEW_IMPACT)) == {site_a, site_b}
    assert closed not in working_sites(programme_admin)


def test_a_membership_at_a_closed_site_gives_no_right_anywhere():
    closed = ReceptionSiteFactory(is_active=False)
    former = staff_user(closed, SiteRole.SITE_MANAGER, can_open_till=True)
    assert not any(can(former, action) for action in SITE_ACTIONS)
    open_site = ReceptionSiteFactory()
    both = staff_user(closed, SiteRole.SITE_MANAGER)
    SiteMembershipFactory(user=both, site=open_site, role=SiteRole.COUNSELLOR)
    assert can(both, Action.SUPPORT)
    assert not can(both, Action.MANAGE_STOCK)
