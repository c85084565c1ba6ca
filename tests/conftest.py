"""The cast of users every test may use, and the project-wide test guards."""

import inspect
import os
from pathlib import Path

import pytest
from django.conf import settings

from connexions.enums import SiteRole
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
def programme_admin(db):
    return UserFactory(programme_admin=True, email="admin@example.org")


@pytest.fixture
def password():
    return TEST_PASSWORD


def client_for(client, user):
    """The Django test client logged in as `user` (anonymous when None)."""
    if user is not None:
        client.force_login(user)
    return client


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
    """Log in through the real login form."""
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
