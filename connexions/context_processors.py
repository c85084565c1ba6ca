from connexions import perms, twofactor
from connexions.registry import nav_entries


def navigation(request):
    user = getattr(request, "user", None)
    # Before the second factor, the menu would only lead back to the code page.
    if user is None or not user.is_authenticated or twofactor.pending(user):
        return {"nav_entries": [], "working_sites": [], "current_site": None}
    current_site = getattr(request, "current_site", None)
    return {
        "nav_entries": nav_entries(user),
        "working_sites": list(perms.working_sites(user)) if not user.is_social_worker else [],
        "current_site": current_site,
    }
