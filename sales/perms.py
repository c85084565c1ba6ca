"""Who may do what at the till, built on connexions.perms. Scoped querysets are `.visible_to(user)`
on the models' querysets (sales and till sessions of the sites where the user may sell)."""

from connexions.perms import Action, can


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
