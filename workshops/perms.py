"""Who may do what in this app, built on connexions.perms. Scoped querysets are `.visible_to(user)`
on the models' querysets; these are the predicates."""

from connexions.perms import Action, can


def may_run_workshops(user) -> bool:
    """Sessions, registrations and attendance at the user's sites, and the facilitators."""
    return can(user, Action.WORKSHOPS)


def may_manage_topics(user) -> bool:
    """Topics are shared by every site: programme admins only."""
    return can(user, Action.MANAGE_TOPICS)


def may_book_appointments(user) -> bool:
    """Agendas and appointments at the user's sites (those who receive people)."""
    return can(user, Action.SUPPORT)
