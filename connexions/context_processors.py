from django.conf import settings

from connexions import perms, twofactor
from connexions.registry import nav_entries

IDLE_WARNING_SECONDS = 120


def navigation(request):
    user = getattr(request, "user", None)
    # Before the second factor, the menu would only lead back to the code page.
    if user is None or not user.is_authenticated or twofactor.pending(user):
        return {"nav_entries": [], "working_sites": [], "current_site": None, "idle_logout": None}
    current_site = getattr(request, "current_site", None)
    working_sites = getattr(request, "working_sites", None)  # read once, by CurrentSiteMiddleware
    if working_sites is None:
        working_sites = list(perms.working_sites(user)) if not user.is_social_worker else []
    return {
        "nav_entries": nav_entries(user),
        "working_sites": working_sites,
        "current_site": current_site,
        # The idle logout (the session cookie's age, renewed by requests) and when to warn.
        "idle_logout": {
            "seconds": settings.SESSION_COOKIE_AGE,
            "warn_seconds": IDLE_WARNING_SECONDS,
        },
    }
