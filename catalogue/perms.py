"""Who may see and move stock, built on connexions.perms (docs/architecture.md's table):
counsellors and site managers see the catalogue and their site's stock; site managers and
programme admins receive, transfer and count it; social workers see nothing of it."""

from connexions.perms import Action, can


def may_view_catalogue(user) -> bool:
    return can(user, Action.VIEW_CATALOGUE)


def may_manage_catalogue(user) -> bool:
    """Products and prices are shared by every site: programme admins only."""
    return can(user, Action.MANAGE_CATALOGUE)


def may_see_low_stock(request) -> bool:
    site = getattr(request, "current_site", None)
    return site is not None and can(request.user, Action.VIEW_CATALOGUE, site)


def low_stock_context(request) -> dict:
    from catalogue.selectors import low_stock_alerts

    return {"low_stock": low_stock_alerts(request.current_site)}
