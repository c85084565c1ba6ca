import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError, OperationalError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from connexions import perms, twofactor

SESSION_STARTED_KEY = "connexions_session_started"
SESSION_RENEWED_KEY = "connexions_session_renewed"
CURRENT_SITE_KEY = "connexions_current_site"
HEALTH_PATH = "/health/"


class HealthCheckMiddleware:
    """Answers `GET /health/` itself, before the host check: a load balancer probes each server
    by its IP over plain HTTP (SECURE_REDIRECT_EXEMPT spares it the HTTPS redirect)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH:
            return health(request)
        return self.get_response(request)


@require_GET
@never_cache
def health(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class NoStoreMiddleware:
    """Nothing shown to a logged-in user is kept by a browser or a proxy (reception points share
    computers): pages, PDFs, CSVs and ZIPs alike. Static files never reach the login check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


class SessionLifetimeMiddleware:
    """Ends a session past its absolute lifetime, however active it was, and keeps the idle
    timeout (the cookie age) running from the user's last request: a request renews the session
    when its last renewal is `SESSION_RENEW_SECONDS` old, or whenever the session is saved
    anyway (the till's cart), so a burst of requests writes the session row once. An idle
    session thus ends between `SESSION_COOKIE_AGE - SESSION_RENEW_SECONDS` and
    `SESSION_COOKIE_AGE` after the last request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = time.time()
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_LIFETIME:
                logout(request)
                messages.info(request, _("Your session has expired. Please log in again."))
                return redirect(settings.LOGIN_URL)
        response = self.get_response(request)
        renew_idle_session(request)
        return response


def renew_idle_session(request, *, force: bool = False) -> None:
    """Mark a logged-in user's session for saving (a new expiry, a new cookie) when its last
    renewal is old enough, when it is saved anyway, or when `force`d (the keep-alive)."""
    if not request.user.is_authenticated:  # logged out by this very request
        return
    session = request.session
    now = time.time()
    renewed = session.get(SESSION_RENEWED_KEY, 0)
    if force or session.modified or now - renewed >= settings.SESSION_RENEW_SECONDS:
        session[SESSION_RENEWED_KEY] = now


def second_factor_not_required(view):
    """Marks a view a user may reach between the password and the second factor."""
    view.second_factor_required = False
    return view


class SecondFactorMiddleware:
    """A user who needs a second factor (connexions/twofactor.py) and has not given it this
    session reaches no page but the second-factor ones, logout and the public pages: they are
    sent to verification, or to enrolment when they have no device yet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if (
            not getattr(view_func, "login_required", True)
            or not getattr(view_func, "second_factor_required", True)
            or not twofactor.pending(user)
        ):
            return None
        target = "two_factor_verify" if twofactor.has_device(user) else "two_factor_enrol"
        return redirect_to_login(request.get_full_path(), target)


class HtmxLoginRedirectMiddleware:
    """An htmx request after session expiry gets `HX-Redirect` to the login page, so the whole
    page goes there instead of the login form being swapped into a fragment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        login_url = resolve_url(settings.LOGIN_URL)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and response.get("Location", "").startswith(login_url)
        ):
            response.status_code = 204
            response["HX-Redirect"] = response["Location"]
            del response["Location"]
        return response


class CurrentSiteMiddleware:
    """`request.current_site`: the site a staff member works at now (chosen in the navigation,
    kept in the session); None for social workers and anonymous users. `request.working_sites`:
    the sites they may choose from (a list). Both come from the memberships the permission
    checks load anyway (`perms.memberships`, once per request): no query of their own for site
    staff."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.working_sites = _working_sites(request.user)
        request.current_site = _current_site(request)
        return self.get_response(request)


def _working_sites(user) -> list:
    if not user.is_authenticated or user.is_social_worker:
        return []
    if perms.sees_every_site(user):
        return list(perms.working_sites(user))
    sites = [m.site for m in perms.memberships(user).values() if m.site.is_active]
    return sorted(sites, key=lambda site: (site.name, site.pk))


def _current_site(request):
    user = request.user
    sites = request.working_sites
    if not sites:
        return None
    chosen = request.session.get(CURRENT_SITE_KEY)
    site = next((s for s in sites if s.pk == chosen), None) if chosen else None
    if site is None and user.is_site_staff:
        # By default, the site of the user's first membership.
        first = min(perms.memberships(user).values(), key=lambda m: m.pk, default=None)
        site = first.site if first and first.site.is_active else None
    return site or sites[0]


def is_lock_timeout(exc: BaseException) -> bool:
    """True for PostgreSQL's lock_not_available (SQLSTATE 55P03): `lock_timeout` ran out."""
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) == "55P03"


class LockTimeoutMiddleware:
    """A request that waited too long for a lock gets a clear French "please retry", never a 500.
    Its transaction was rolled back, so nothing was half-done."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (isinstance(exception, OperationalError) and is_lock_timeout(exception)):
            return None
        return render(request, "retry.html", status=409)


class UserLanguageMiddleware:
    """French unless the user chose another language (the language switch sets a cookie): the
    browser's Accept-Language is ignored, since reception points share browsers set up anyhow."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response
