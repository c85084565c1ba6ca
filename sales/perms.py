"""Who may see what of the till, built on connexions.perms: staff see the sales, refunds and
till sessions of the sites where they may sell; programme admins see every site's."""

from connexions.perms import Action, can, sites_for
from sales.models import Refund, Sale, TillSession


def selling_sites(user):
    return sites_for(user, Action.SELL)


def sales_visible_to(user):
    return Sale.objects.filter(site__in=selling_sites(user))


def refunds_visible_to(user):
    return Refund.objects.filter(site__in=selling_sites(user))


def sessions_visible_to(user):
    return TillSession.objects.filter(site__in=selling_sites(user))


def may_sell(user) -> bool:
    return can(user, Action.SELL)


def may_open_till(user, site) -> bool:
    return can(user, Action.OPEN_TILL, site)


def may_see_purchases(user) -> bool:
    """The purchases section of the beneficiary file: staff who sell (never social workers)."""
    return can(user, Action.SELL)


def purchases_context(beneficiary, user) -> dict:
    from sales.selectors import purchases_of

    return {"purchases": purchases_of(beneficiary)}
