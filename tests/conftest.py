"""The cast of users every test may use, and the project-wide test guards."""

import inspect
import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from connexions import twofactor
from connexions.enums import SiteRole
from connexions.models import User
from tests.connexions.factories import (
    TEST_PASSWORD,
    PartnerAgencyFactory,
    ReceptionSiteFactory,
    UserFactory,
    staff_user,
)

CHROMIUM = Path(os.environ.get("CONNEXIONS_CHROMIUM", "/usr/bin/chromium"))
PROJECT_DIR = Path(settings.BASE_DIR).resolve()
VENV_DIR = PROJECT_DIR / ".venv"

# Playwright talks to the live server from its own event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# --- the cast ---------------------------------------------------------------------------------


@pytest.fixture
def site_a(db):
    return ReceptionSiteFactory(name="Paris 19e — test", city="Paris")


@pytest.fixture
def site_b(db):
    return ReceptionSiteFactory(name="Marseille — test", city="Marseille")


@pytest.fixture
def agency_a(db):
    return PartnerAgencyFactory(name="CCAS de test A")


@pytest.fixture
def agency_b(db):
    return PartnerAgencyFactory(name="Association de test B")


@pytest.fixture
def counsellor_a(site_a):
    return staff_user(site_a, SiteRole.COUNSELLOR, email="conseiller.a@example.org")


@pytest.fixture
def counsellor_b(site_b):
    return staff_user(site_b, SiteRole.COUNSELLOR, email="conseiller.b@example.org")


@pytest.fixture
def manager_a(site_a):
    return staff_user(site_a, SiteRole.SITE_MANAGER, can_open_till=True, email="resp.a@example.org")


@pytest.fixture
def social_worker_a(agency_a):
    return UserFactory(social_worker=True, agency=agency_a, email="ts.a@example.org")


@pytest.fixture
def social_worker_b(agency_b):
    return UserFactory(social_worker=True, agency=agency_b, email="ts.b@example.org")


@pytest.fixture
def referent_a(agency_a):
    """A social worker of agency A who manages its members."""
    return UserFactory(
        social_worker=True, agency=agency_a, is_referent=True, email="referent.a@example.org"
    )


@pytest.fixture
def programme_admin(db):
    return UserFactory(programme_admin=True, email="admin@example.org")


@pytest.fixture
def password():
    return TEST_PASSWORD


def client_for(client, user):
    """The Django test client logged in as `user` (anonymous when None). Every test logs in
    through here, so an account that needs a second factor has passed it, as after
    django_otp's `login(request, device)`, with the device of `second_factor_device`."""
    if user is not None:
        client.force_login(user)
        if twofactor.required_for(user):
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = second_factor_device(user).persistent_id
            session.save()
    return client


def second_factor_device(user):
    """The user's authenticator device in tests: one with a random key, created here. Never the
    demo device: its key is public, so it is refused with DEBUG off, as in the tests."""
    device = (
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(key=twofactor.DEMO_KEY).first()
    )
    return device or TOTPDevice.objects.create(user=user, name="Téléphone de test", confirmed=True)


def totp_code(device) -> str:
    """The code an authenticator app would show for `device` (django-otp's own TOTP), for a
    time step not used yet, since a device accepts each step once."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = max(time.time(), device.t0 + (device.last_t + 1) * device.step)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    """Like Django's mail.outbox: each test starts with no text message sent."""
    from connexions import sms

    sms.outbox.clear()


# --- undefined variables in the project's own templates ----------------------------------------


class _UndefinedInProjectTemplates(str):
    """`string_if_invalid` that fails on an undefined variable in the project's templates and
    renders third-party templates (admin, crispy) as Django normally does."""

    def __contains__(self, item):
        return item == "%s"

    def __mod__(self, name):
        frame = inspect.currentframe()
        while frame is not None:
            template = frame.f_locals.get("self")
            origin = getattr(getattr(template, "origin", None), "name", None)
            if isinstance(origin, str) and hasattr(template, "nodelist"):
                path = Path(origin).resolve()
                if path.is_relative_to(PROJECT_DIR) and not path.is_relative_to(VENV_DIR):
                    raise AssertionError(f"Undefined template variable {name!r} in {path}")
                return ""
            frame = frame.f_back
        return ""


@pytest.fixture(autouse=True)
def _strict_templates(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"]}}
    ]
    # Non-empty, or Django would treat it as "no marker" and never call __mod__.
    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = _UndefinedInProjectTemplates("?")


# --- browser -----------------------------------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    if os.environ.get("CONNEXIONS_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(
            f"CONNEXIONS_REQUIRE_BROWSER=1 but Chromium is missing at {CHROMIUM}: "
            "install it (apt-get install chromium)."
        )
    skip = pytest.mark.skip(reason=f"Chromium missing at {CHROMIUM}: browser test skipped")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


@pytest.fixture
def shot_dir():
    path = PROJECT_DIR / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def page(page):
    """Playwright's page, failing the test on any console error (CSP violations included)."""
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(10_000)
    yield page
    assert not errors, f"Browser console errors: {errors}"


def browser_login(page, live_server, email, password=TEST_PASSWORD):
    """Log in through the real login form, then the second-factor form when the account needs
    one (with the device of `second_factor_device`)."""
    user = User.objects.filter(email=email).first()
    device = second_factor_device(user) if user and twofactor.required_for(user) else None
    # Whoever was logged in is logged out: the page is left first, so that no request still
    # under way (the idle timeout renews the session cookie on each answer) sets it again.
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    if device is not None:
        page.wait_for_url("**/connexion/double-facteur/**")
        page.get_by_label("Code").fill(totp_code(device))
        page.get_by_role("button", name="Vérifier").click()


@pytest.fixture(scope="session", autouse=True)
def _no_connection_left_at_the_end(django_db_setup, django_db_blocker):
    """Ends any session still connected to the test database when the run ends (a thread of a
    concurrency or live-server test whose connection was not yet collected), so that dropping the
    test database never fails on "being accessed by other users"."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


# --- ProConnect: a real OpenID Connect provider, local (tests/oidc_provider) ------------------


@pytest.fixture(scope="session")
def oidc_provider(django_db_setup, django_db_blocker):
    from tests.oidc_provider import server

    with django_db_blocker.unblock():
        provider = server.start()
    yield provider
    provider.process.terminate()
    provider.process.wait(timeout=10)


@pytest.fixture
def proconnect_for(oidc_provider, settings):
    """Configures ProConnect against the local provider for a client at `base_url` (the test
    client's or the live server's); returns the provider."""
    from connexions import proconnect

    def configure(base_url):
        oidc_provider.setup(
            client={
                "client_id": "connexions-test",
                "client_secret": "connexions-test-secret",
                "redirect_uri": f"{base_url}/connexion/proconnect/retour/",
                "post_logout_redirect_uri": f"{base_url}/connexion/",
            }
        )
        settings.PROCONNECT_URL = oidc_provider.url
        settings.PROCONNECT_CLIENT_ID = "connexions-test"
        settings.PROCONNECT_CLIENT_SECRET = "connexions-test-secret"
        settings.SECURE_CSP = {
            **settings.SECURE_CSP,
            "form-action": [*settings.SECURE_CSP["form-action"], oidc_provider.origin],
        }
        proconnect._cache.clear()
        return oidc_provider

    yield configure
    proconnect._cache.clear()
