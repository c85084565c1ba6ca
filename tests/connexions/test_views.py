import html
import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from connexions.enums import AuditAction
from connexions.middleware import CURRENT_SITE_KEY, SESSION_RENEWED_KEY, SESSION_STARTED_KEY
from connexions.models import AuditEvent
from tests.conftest import client_for
from tests.connexions.factories import (
    ReceptionSiteFactory,
    SiteMembershipFactory,
    UserFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db

CAST = ["counsellor_a", "manager_a", "social_worker_a", "programme_admin"]


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/?next=/")


def test_login_page_is_french(client):
    response = client.get("/connexion/")
    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in content
    assert "Adresse e-mail" in content and "Se connecter" in content


@pytest.mark.parametrize(
    ("who", "text"),
    [
        ("counsellor_a", "Paris 19e — test"),
        ("manager_a", "Paris 19e — test"),
        ("social_worker_a", "CCAS de test A"),
        ("programme_admin", "Vue d'ensemble du programme"),
    ],
)
def test_home_page_per_role(request, client, who, text):
    user = request.getfixturevalue(who)
    response = client_for(client, user).get("/")
    assert response.status_code == 200
    assert text in response.content.decode()


def test_login_with_email_and_audit(client, counsellor_a, password):
    response = client.post(
        "/connexion/", {"username": "CONSEILLER.A@example.org ", "password": password}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert (
        AuditEvent.objects.filter(actor=counsellor_a, action=AuditAction.USER_LOGGED_IN).count()
        == 1
    )


def test_wrong_password_gives_a_french_error(client, counsellor_a):
    response = client.post("/connexion/", {"username": counsellor_a.email, "password": "faux"})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in response.content.decode()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_login_throttling_locks_username_and_ip_only(client, counsellor_a, manager_a, password):
    for _ in range(3):
        client.post("/connexion/", {"username": counsellor_a.email, "password": "faux"})
    locked = client.post("/connexion/", {"username": counsellor_a.email, "password": password})
    assert locked.status_code == 429
    assert "Trop de tentatives échouées" in locked.content.decode()
    # A colleague behind the same IP (same reception office) can still log in.
    colleague = client.post("/connexion/", {"username": manager_a.email, "password": password})
    assert colleague.status_code == 302


def test_admin_unlocks_a_locked_account(client, counsellor_a, password):
    from axes.models import AccessAttempt
    from axes.utils import reset

    with override_settings(AXES_FAILURE_LIMIT=2):
        for _ in range(2):
            client.post("/connexion/", {"username": counsellor_a.email, "password": "faux"})
        assert AccessAttempt.objects.exists()
        reset(username=counsellor_a.email)
        response = client.post(
            "/connexion/", {"username": counsellor_a.email, "password": password}
        )
    assert response.status_code == 302


def test_session_absolute_lifetime(client, counsellor_a, settings):
    client.force_login(counsellor_a)
    assert client.get("/").status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = (
        session[SESSION_STARTED_KEY] - settings.SESSION_ABSOLUTE_LIFETIME - 1
    )
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")
    assert client.get("/").status_code == 302  # logged out for good


def test_session_idle_timeout_is_the_cookie_age(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert 0 < settings.SESSION_RENEW_SECONDS <= 60  # renewed by requests at most once a minute
    assert settings.SESSION_ABSOLUTE_LIFETIME > settings.SESSION_COOKIE_AGE


def _session_writes(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    writes = [q for q in queries if q["sql"].startswith('UPDATE "django_session"')]
    return response, len(writes)


def test_idle_session_is_renewed_at_most_once_a_minute(client, counsellor_a, settings):
    client_for(client, counsellor_a)
    client.get("/")
    key = client.session.session_key
    expiry = Session.objects.get(pk=key).expire_date
    # Within the minute: no write, no new cookie; the session still ends as planned.
    response, writes = _session_writes(client, "/")
    assert response.status_code == 200 and writes == 0
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    # A minute after the last renewal: the next request renews it (row and cookie).
    session = client.session
    session[SESSION_RENEWED_KEY] -= settings.SESSION_RENEW_SECONDS
    session.save()
    Session.objects.filter(pk=key).update(expire_date=expiry - timedelta(minutes=1))
    response, writes = _session_writes(client, "/")
    assert writes == 1
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60
    assert Session.objects.get(pk=key).expire_date >= expiry
    # The idle dialog's "Rester connecté" always renews it.
    response, writes = _session_writes(client, "/session/maintenir/")
    assert response.status_code == 204 and writes == 1


def test_idle_session_ends_after_30_minutes(client, counsellor_a):
    client_for(client, counsellor_a)
    assert client.get("/").status_code == 200
    key = client.session.session_key
    # 30 minutes without a request: the session's expiry has passed.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_htmx_request_after_expiry_gets_hx_redirect(client):
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/connexion/")


def test_logout_needs_post(client, counsellor_a):
    client.force_login(counsellor_a)
    assert client.get("/deconnexion/").status_code == 405
    assert client.post("/deconnexion/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_reset_sends_an_email(client, counsellor_a):
    response = client.post("/mot-de-passe/oubli/", {"email": counsellor_a.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"/mot-de-passe/nouveau/\S+/", mail.outbox[0].body).group(0)
    page = client.get(link, follow=True)
    assert "Saisissez un nouveau mot de passe" in page.content.decode()


def test_password_change(client, counsellor_a, password):
    client.force_login(counsellor_a)
    response = client.post(
        "/mot-de-passe/changer/",
        {
            "old_password": password,
            "new_password1": "un-nouveau-mot-de-passe-2026",
            "new_password2": "un-nouveau-mot-de-passe-2026",
        },
    )
    assert response.status_code == 302
    counsellor_a.refresh_from_db()
    assert counsellor_a.check_password("un-nouveau-mot-de-passe-2026")


def test_switch_site_only_to_own_sites(client, site_a, site_b, counsellor_a):
    SiteMembershipFactory(user=counsellor_a, site=site_b)
    client.force_login(counsellor_a)
    response = client.post("/site-courant/", {"site": site_b.pk, "next": "/"})
    assert response.status_code == 302
    assert client.session[CURRENT_SITE_KEY] == site_b.pk
    assert "Marseille — test" in client.get("/").content.decode()


def test_switch_site_refuses_another_site(client, site_b, counsellor_a):
    client.force_login(counsellor_a)
    response = client.post("/site-courant/", {"site": site_b.pk, "next": "/"}, follow=True)
    assert CURRENT_SITE_KEY not in client.session
    assert "Vous ne travaillez pas dans ce point d'accueil." in html.unescape(
        response.content.decode()
    )


def test_switch_site_ignores_an_outside_next_url(client, counsellor_a, site_a):
    client.force_login(counsellor_a)
    response = client.post("/site-courant/", {"site": site_a.pk, "next": "https://evil.example"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("who", CAST)
def test_django_admin_only_for_programme_admins(request, client, who):
    user = request.getfixturevalue(who)
    response = client_for(client, user).get("/admin/")
    if who == "programme_admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/connexions/user/",
        "/admin/connexions/receptionsite/",
        "/admin/connexions/partneragency/",
        "/admin/connexions/sitemembership/",
        "/admin/connexions/auditevent/",
        "/admin/axes/accessattempt/",
        "/admin/connexions/user/add/",
    ],
)
def test_admin_pages_open(client, programme_admin, path):
    assert client_for(client, programme_admin).get(path).status_code == 200


def test_admin_edit_records_history_with_the_acting_user(client, programme_admin, site_a):
    client_for(client, programme_admin)
    url = reverse("admin:connexions_receptionsite_change", args=[site_a.pk])
    data = {
        "name": site_a.name,
        "address": site_a.address,
        "postal_code": site_a.postal_code,
        "city": "Pantin",
        "phone": "",
        "opening_hours": "",
        "is_active": "on",
    }
    assert client.post(url, data).status_code == 302
    event = site_a.events.order_by("-pgh_id").first()
    assert event.city == "Pantin"
    assert event.pgh_context.metadata["user"] == programme_admin.pk


def test_admin_creates_a_social_worker_with_agency_rule(client, programme_admin, agency_a):
    client_for(client, programme_admin)
    base = {
        "email": "nouvelle.ts@example.org",
        "first_name": "Léa",
        "last_name": "Petit",
        "kind": "social_worker",
        "password1": "un-mot-de-passe-solide-2026",
        "password2": "un-mot-de-passe-solide-2026",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    refused = client.post("/admin/connexions/user/add/", base)
    assert refused.status_code == 200
    assert not UserFactory._meta.model.objects.filter(email="nouvelle.ts@example.org").exists()
    accepted = client.post("/admin/connexions/user/add/", {**base, "agency": agency_a.pk})
    assert accepted.status_code == 302
    created = UserFactory._meta.model.objects.get(email="nouvelle.ts@example.org")
    assert created.agency == agency_a and not created.is_staff


# Core queries + one per home widget the apps register (beneficiaries: 3 for staff,
# 1 for social workers; catalogue low stock: 1 for staff and admins); admins: their second-factor
# device.
HOME_QUERIES = {"counsellor_a": 7, "manager_a": 7, "social_worker_a": 4, "programme_admin": 11}


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("extra_sites", [0, 5])
def test_home_query_count_is_pinned(
    request, client, django_assert_num_queries, who, extra_sites, site_a
):
    user = request.getfixturevalue(who)
    for _ in range(extra_sites):
        site = ReceptionSiteFactory()
        if user.is_site_staff:
            SiteMembershipFactory(user=user, site=site)
        staff_user(site)
    client_for(client, user)
    client.get("/")
    with django_assert_num_queries(HOME_QUERIES[who]):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("who", [None, *CAST])
@pytest.mark.parametrize("path", ["/", "/connexion/", "/health/", "/admin/", "/nulle-part/"])
def test_csp_header_on_every_page(request, client, who, path):
    user = request.getfixturevalue(who) if who else None
    response = client_for(client, user).get(path)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    assert "base-uri 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy


def test_french_404_page(client, counsellor_a):
    response = client_for(client, counsellor_a).get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_english_is_available(client, counsellor_a):
    client.force_login(counsellor_a)
    client.post("/langue/", {"language": "en", "next": "/"})
    assert "My reception sites" in client.get("/").content.decode()


def test_french_by_default_whatever_the_browser_says(client, counsellor_a):
    client.force_login(counsellor_a)
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Mes points d'accueil" in response.content.decode()
    assert response["Content-Language"] == "fr"


def test_french_403_page(client, social_worker_a):
    response = client_for(client, social_worker_a).get("/catalogue/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_500_page_renders_without_any_context():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("fr"):
        page = render_to_string("500.html")
    assert "Erreur du serveur" in page
