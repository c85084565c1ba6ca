"""Who may do what: the permission table of docs/architecture.md, in one place.

Every view and every later app asks here: `can(user, action, site)` for a yes/no, and
`sites_for(user, action)` for the sites where the user may do it.
"""

from enum import StrEnum
from functools import wraps

from django.core.exceptions import PermissionDenied

from connexions.enums import AccountRequestStatus, SiteRole, UserKind
from connexions.models import AccountRequest, PartnerAgency, ReceptionSite, User


class Action(StrEnum):
    REFER = "refer"  # submit / withdraw referrals, see own agency's referrals
    SUPPORT = "support"  # referral inbox, enrol, beneficiary file, support, follow-ups, mediation
    SELL = "sell"  # sell at the till of the site
    OPEN_TILL = "open_till"  # open / close the till
    MANAGE_STOCK = "manage_stock"  # receive stock, import vouchers, transfers, stocktake
    VIEW_CATALOGUE = "view_catalogue"
    MANAGE_CATALOGUE = "manage_catalogue"  # catalogue and prices
    MANAGE_TOPICS = "manage_topics"  # workshop topics, shared by every site
    WORKSHOPS = "workshops"  # sessions, registrations, attendance at own sites
    VIEW_IMPACT = "view_impact"  # impact dashboard, site reports
    CONFIRM_CASH_DIFFERENCE = "confirm_cash_difference"  # a till's difference at its close
    ERASE_PERSONAL_DATA = "erase_personal_data"  # anonymise a person now (right to erasure)
    VIEW_ACCESS_LOG = "view_access_log"  # who opened which file
    MANAGE_MEMBERS = "manage_members"  # an agency's members and account requests (referents)
    MANAGE_PARTNERS = "manage_partners"  # funders, grants and partner reports


# Site-bound actions and the site roles allowed to do them (programme admins may do everything).
_SITE_ROLES = {
    Action.SUPPORT: {SiteRole.COUNSELLOR, SiteRole.SITE_MANAGER},
    Action.SELL: {SiteRole.COUNSELLOR, SiteRole.SITE_MANAGER},
    Action.OPEN_TILL: {SiteRole.SITE_MANAGER},  # and counsellors with can_open_till
    Action.MANAGE_STOCK: {SiteRole.SITE_MANAGER},
    Action.VIEW_CATALOGUE: {SiteRole.COUNSELLOR, SiteRole.SITE_MANAGER},
    Action.WORKSHOPS: {SiteRole.COUNSELLOR, SiteRole.SITE_MANAGER},
    Action.VIEW_IMPACT: {SiteRole.SITE_MANAGER},
    Action.CONFIRM_CASH_DIFFERENCE: {SiteRole.SITE_MANAGER},
}


# Programme-wide settings: programme admins only.
_PROGRAMME_ACTIONS = {
    Action.MANAGE_CATALOGUE,
    Action.MANAGE_TOPICS,
    Action.MANAGE_PARTNERS,
    Action.ERASE_PERSONAL_DATA,
    Action.VIEW_ACCESS_LOG,
}


def sees_every_site(user) -> bool:
    """Programme admins act for the whole programme: what they see is not limited to sites or
    an agency of their own (lists, figures, the admin home page)."""
    return getattr(user, "is_authenticated", False) and user.kind == UserKind.PROGRAMME_ADMIN


def memberships(user) -> dict[int, object]:
    """The user's site memberships by site id, loaded once per user object."""
    if not getattr(user, "is_authenticated", False) or user.kind != UserKind.SITE_STAFF:
        return {}
    cache = getattr(user, "_memberships_by_site", None)
    if cache is None:
        cache = {m.site_id: m for m in user.memberships.select_related("site")}
        user._memberships_by_site = cache
    return cache


def _membership_allows(membership, action: Action) -> bool:
    if action == Action.OPEN_TILL and membership.can_open_till:
        return True
    return membership.role in _SITE_ROLES.get(action, set())


def can(user, action: Action, site: ReceptionSite | None = None) -> bool:
    """May `user` do `action` (at `site`, for site-bound actions; at any active site when None)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if sees_every_site(user):
        return True
    if action == Action.REFER:
        return user.kind == UserKind.SOCIAL_WORKER
    if action == Action.MANAGE_MEMBERS:
        return user.kind == UserKind.SOCIAL_WORKER and user.is_referent
    if action in _PROGRAMME_ACTIONS:
        return False
    found = memberships(user)
    if site is not None:
        membership = found.get(site.pk)
        return membership is not None and _membership_allows(membership, action)
    return any(m.site.is_active and _membership_allows(m, action) for m in found.values())


def can_manage_members(user, agency: PartnerAgency | None) -> bool:
    """Programme admins manage every agency's members; a referent those of their own agency."""
    if agency is None or not can(user, Action.MANAGE_MEMBERS):
        return False
    return sees_every_site(user) or user.agency_id == agency.pk


def members_for(user):
    """The social workers whose accounts `user` manages: every one for programme admins, their
    agency's for a referent, none for anybody else."""
    members = User.objects.filter(kind=UserKind.SOCIAL_WORKER)
    if sees_every_site(user):
        return members
    if not can(user, Action.MANAGE_MEMBERS):
        return members.none()
    return members.filter(agency_id=user.agency_id)


def account_requests_for(user):
    """Pending account requests `user` decides: every one for programme admins, those routed to
    their agency's referents for a referent."""
    pending = AccountRequest.objects.filter(status=AccountRequestStatus.PENDING)
    if sees_every_site(user):
        return pending
    if not can(user, Action.MANAGE_MEMBERS):
        return pending.none()
    return pending.filter(for_referents=True, agency_id=user.agency_id)


def sites_for(user, action: Action):
    """Active sites where `user` may do `action` (a queryset)."""
    sites = ReceptionSite.objects.active()
    if sees_every_site(user):
        return sites
    allowed = [site_id for site_id, m in memberships(user).items() if _membership_allows(m, action)]
    return sites.filter(pk__in=allowed)


def working_sites(user):
    """Sites the user may pick as current site: every active site for admins, else their own."""
    sites = ReceptionSite.objects.active()
    if sees_every_site(user):
        return sites
    return sites.filter(pk__in=list(memberships(user)))


def require(user, action: Action, site: ReceptionSite | None = None) -> None:
    if not can(user, action, site):
        raise PermissionDenied


def action_required(action: Action, *, at_current_site: bool = False):
    """View decorator: 403 unless the user may do `action` (at the current site, if site-bound)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            site = request.current_site if at_current_site else None
            if at_current_site and site is None:
                raise PermissionDenied
            require(request.user, action, site)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
