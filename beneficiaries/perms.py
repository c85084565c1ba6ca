"""Who may do what in this app. Scoped querysets are `.visible_to(user)` on the models'
querysets; these are the predicates on one object."""

from connexions.perms import Action, can


def may_withdraw(user, referral) -> bool:
    return can(user, Action.REFER) and referral.can_become("withdrawn")


def may_handle(user, referral) -> bool:
    """Accept or decline: staff who support people at the referral's site."""
    return can(user, Action.SUPPORT, referral.site) and referral.can_become("accepted")
