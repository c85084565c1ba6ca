"""ProConnect login against a real OpenID Connect provider running locally
(tests/oidc_provider: django-oauth-toolkit, PKCE, RS256, userinfo as a signed JWT)."""

import os
import re
import subprocess
import sys
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.contrib.messages import get_messages
from joserfc import jwt
from joserfc.jwk import RSAKey

from connexions import proconnect
from connexions.enums import AccountRequestStatus, AuditAction
from connexions.models import AccountRequest, AuditEvent, User
from tests.connexions.factories import PartnerAgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

CALLBACK = "/connexion/proconnect/retour/"
_agents = iter(range(10_000))


def make_agent(provider, *, email, siret="", given_name="Inès", usual_name="Garnier"):
    username = f"agent{next(_agents)}-{time.monotonic_ns()}"
    provider.setup(
        agent={
            "username": username,
            "password": "agent-password",
            "email": email,
            "given_name": given_name,
            "usual_name": usual_name,
            "siret": siret,
        }
    )
    return username


def sign_in_at_provider(authorize_url, username):
    """What the agent's browser does at the provider: log in, get sent back with a code."""
    browser = requests.Session()
    response = browser.get(authorize_url, timeout=10)
    assert response.url.split("?")[0].endswith("/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
    response = browser.post(
        response.url,
        data={
            "csrfmiddlewaretoken": csrf,
            "username": username,
            "password": "agent-password",
            "next": parse_qs(urlsplit(response.url).query)["next"][0],
        },
        headers={"Referer": response.url},
        allow_redirects=False,
        timeout=10,
    )
    while response.status_code == 302 and CALLBACK not in response.headers["Location"]:
        url = urljoin(response.url, response.headers["Location"])
        response = browser.get(url, allow_redirects=False, timeout=10)
    location = response.headers["Location"]
    assert CALLBACK in location, location
    return location[location.index(CALLBACK) :]


@pytest.fixture
def provider(proconnect_for):
    return proconnect_for("http://testserver")


def start(client):
    response = client.get("/connexion/proconnect/")
    assert response.status_code == 302
    return response["Location"]


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_button_hidden_without_settings(client):
    assert not proconnect.enabled()
    assert "ProConnect" not in client.get("/connexion/").content.decode()
    assert client.get("/connexion/proconnect/").status_code == 404


def test_button_shown_and_csp_allows_the_provider(client, provider):
    response = client.get("/connexion/")
    assert "Se connecter avec ProConnect" in response.content.decode()
    assert provider.origin in response["Content-Security-Policy"]


def test_settings_add_the_provider_origin_to_form_action():
    """The login and logout redirects to the provider follow form posts (CSP `form-action`)."""
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(*settings.SECURE_CSP['form-action'])",
        ],
        env={**os.environ, "PROCONNECT_URL": "https://auth.agentconnect.gouv.fr/api/v2"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed.split() == ["'self'", "https://auth.agentconnect.gouv.fr"]


def test_discovery_advertises_pkce_so_it_is_sent(client, provider):
    query = parse_qs(urlsplit(start(client)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"] and query["state"]
    assert set(query["scope"][0].split()) >= {"openid", "email", "siret", "uid", "usual_name"}


def test_pkce_is_left_out_when_not_advertised(client, provider):
    proconnect.metadata()["code_challenge_methods_supported"] = []
    query = parse_qs(urlsplit(start(client)).query)
    assert "code_challenge" not in query


def test_known_social_worker_signs_in_by_email_then_by_subject(client, provider):
    worker = UserFactory(social_worker=True, email="ines.garnier@ccas.example.org")
    username = make_agent(provider, email="ines.garnier@ccas.example.org")
    response = client.get(sign_in_at_provider(start(client), username))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").wsgi_request.user == worker
    worker.refresh_from_db()
    assert worker.proconnect_sub
    assert AuditEvent.objects.filter(action=AuditAction.PROCONNECT_LOGGED_IN).count() == 1

    # Later the address changes at the provider: the subject still finds the account.
    client.post("/deconnexion/")
    provider.setup(
        agent={
            "username": username,
            "password": "agent-password",
            "email": "ines.garnier@nouvelle-adresse.example.org",
            "given_name": "Inès",
            "usual_name": "Garnier",
        }
    )
    client.get(sign_in_at_provider(start(client), username))
    assert client.get("/").wsgi_request.user == worker


def test_logout_ends_the_provider_session(client, provider):
    UserFactory(social_worker=True, email="agent.logout@ccas.example.org")
    username = make_agent(provider, email="agent.logout@ccas.example.org")
    client.get(sign_in_at_provider(start(client), username))
    response = client.post("/deconnexion/")
    end_session = proconnect.metadata()["end_session_endpoint"]
    assert response["Location"].startswith(end_session)
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/connexion/"]
    assert query["id_token_hint"]
    assert not client.get("/").wsgi_request.user.is_authenticated


@pytest.mark.parametrize("who", ["counsellor_a", "programme_admin"])
def test_site_staff_and_programme_admins_are_refused(client, provider, request, who):
    user = request.getfixturevalue(who)
    username = make_agent(provider, email=user.email)
    response = client.get(sign_in_at_provider(start(client), username))
    assert response["Location"] == "/connexion/"
    assert "réservé aux travailleurs sociaux" in " ".join(messages_of(response))
    assert not client.get("/connexion/").wsgi_request.user.is_authenticated
    user.refresh_from_db()
    assert user.proconnect_sub is None


def test_deactivated_social_worker_is_refused(client, provider):
    UserFactory(social_worker=True, email="parti@ccas.example.org", is_active=False)
    username = make_agent(provider, email="parti@ccas.example.org")
    response = client.get(sign_in_at_provider(start(client), username))
    assert "désactivé" in " ".join(messages_of(response))


def test_unknown_agent_lands_in_onboarding_prefilled_with_agency_from_siret(client, provider):
    agency = PartnerAgencyFactory(siret="73282932000074", email_domains=["ccas.example.org"])
    UserFactory(social_worker=True, agency=agency, is_referent=True)
    username = make_agent(provider, email="nouvel.agent@ccas.example.org", siret=agency.siret)
    response = client.get(sign_in_at_provider(start(client), username))
    assert response["Location"] == "/inscription/"
    form = client.get("/inscription/").context["form"]
    assert form["email"].value() == "nouvel.agent@ccas.example.org"
    assert form["last_name"].value() == "Garnier"
    assert form["agency"].value() == agency.pk
    response = client.post("/inscription/", {"agency": agency.pk})
    assert response["Location"] == "/inscription/transmise/"
    request = AccountRequest.objects.get(email="nouvel.agent@ccas.example.org")
    assert request.status == AccountRequestStatus.PENDING  # the provider vouched for the address
    assert request.for_referents and request.proconnect_sub


def test_agent_without_siret_chooses_the_agency(client, provider):
    username = make_agent(provider, email="sans.siret@asso.example.org")
    client.get(sign_in_at_provider(start(client), username))
    assert client.get("/inscription/").context["form"]["agency"].value() is None


def test_replayed_state_is_refused(client, provider):
    UserFactory(social_worker=True, email="rejeu@ccas.example.org")
    callback = sign_in_at_provider(
        start(client), make_agent(provider, email="rejeu@ccas.example.org")
    )
    client.get(callback)
    client.post("/deconnexion/")
    response = client.get(callback)
    assert response["Location"] == "/connexion/"
    assert "plus valable" in " ".join(messages_of(response))
    assert not client.get("/connexion/").wsgi_request.user.is_authenticated


def test_state_mismatch_is_refused(client, provider):
    UserFactory(social_worker=True, email="etat@ccas.example.org")
    callback = sign_in_at_provider(
        start(client), make_agent(provider, email="etat@ccas.example.org")
    )
    forged = re.sub(r"state=[^&]+", "state=forged", callback)
    response = client.get(forged)
    assert "plus valable" in " ".join(messages_of(response))


def test_used_code_is_refused_by_the_provider(client, provider):
    UserFactory(social_worker=True, email="code@ccas.example.org")
    callback = sign_in_at_provider(
        start(client), make_agent(provider, email="code@ccas.example.org")
    )
    client.get(callback)
    client.post("/deconnexion/")
    start(client)  # a new login under way: its state is valid, the old code is not
    state = client.session[proconnect.FLOW_KEY]["state"]
    response = client.get(re.sub(r"state=[^&]+", f"state={state}", callback))
    assert response["Location"] == "/connexion/"
    assert "code a peut-être expiré" in " ".join(messages_of(response))
    assert not client.get("/connexion/").wsgi_request.user.is_authenticated


def test_provider_down_gives_a_french_message(client, provider, settings):
    settings.PROCONNECT_URL = "http://127.0.0.1:9/o"
    proconnect._cache.clear()
    response = client.get("/connexion/proconnect/")
    assert response["Location"] == "/connexion/"
    assert "ne répond pas" in " ".join(messages_of(response))


def test_denied_at_the_provider(client, provider):
    start(client)
    state = client.session[proconnect.FLOW_KEY]["state"]
    response = client.get(f"{CALLBACK}?error=access_denied&state={state}")
    assert "annulée ou refusée" in " ".join(messages_of(response))


# --- token checks, with tokens signed by the provider's own key or by another ------------------


@pytest.fixture
def meta(provider):
    return proconnect.metadata()


def _token(key, meta, **claims):
    now = int(time.time())
    payload = {
        "iss": meta["issuer"],
        "aud": "connexions-test",
        "sub": "agent-1",
        "iat": now,
        "exp": now + 60,
        "nonce": "the-nonce",
        **claims,
    }
    return jwt.encode({"alg": "RS256", "kid": key.kid}, payload, key)


@pytest.fixture
def provider_key(provider, meta):
    key = RSAKey.import_key(provider.private_key)
    key.ensure_kid()
    published = proconnect._keys(meta)
    kid = published.keys[0].kid
    return RSAKey.import_key(provider.private_key, {"kid": kid})


def test_a_token_signed_by_the_provider_verifies(meta, provider_key):
    claims = proconnect.verify(_token(provider_key, meta), meta, nonce="the-nonce")
    assert claims["sub"] == "agent-1"


def test_bad_signature_is_refused(meta, provider_key):
    other = RSAKey.generate_key(2048, parameters={"kid": provider_key.kid})
    with pytest.raises(proconnect.ProConnectError, match="vérifiée"):
        proconnect.verify(_token(other, meta), meta, nonce="the-nonce")


def test_wrong_nonce_is_refused(meta, provider_key):
    with pytest.raises(proconnect.ProConnectError):
        proconnect.verify(_token(provider_key, meta, nonce="another"), meta, nonce="the-nonce")


def test_expired_token_is_refused(meta, provider_key):
    past = int(time.time()) - 3600
    token = _token(provider_key, meta, iat=past - 60, exp=past)
    with pytest.raises(proconnect.ProConnectError):
        proconnect.verify(token, meta, nonce="the-nonce")


def test_token_for_another_client_is_refused(meta, provider_key):
    with pytest.raises(proconnect.ProConnectError):
        proconnect.verify(_token(provider_key, meta, aud="someone-else"), meta, nonce="the-nonce")


def test_userinfo_must_be_a_signed_jwt(client, provider, meta):
    UserFactory(social_worker=True, email="json@ccas.example.org")
    response = requests.Response()
    response.headers["Content-Type"] = "application/json"
    response._content = b'{"sub": "agent-1"}'
    with pytest.raises(proconnect.ProConnectError):
        proconnect.verify(response, meta)


def test_staff_account_with_a_verified_identity_is_refused(counsellor_a):
    identity = proconnect.Identity(
        sub="s", email=counsellor_a.email, given_name="", usual_name="", siret="", id_token=""
    )
    with pytest.raises(proconnect.ProConnectError):
        proconnect.account_for(identity)
    assert User.objects.get(pk=counsellor_a.pk).proconnect_sub is None


def test_staff_login_by_proconnect_never_counts_as_second_factor(client, provider, programme_admin):
    username = make_agent(provider, email=programme_admin.email)
    client.get(sign_in_at_provider(start(client), username))
    assert client.get("/admin/").status_code == 302
    assert not client.get("/connexion/").wsgi_request.user.is_authenticated
