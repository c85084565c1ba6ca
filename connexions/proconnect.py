"""ProConnect, the State's OpenID Connect federation for public-sector agents: the client side
(docs/architecture.md, "ProConnect").

Authlib's requests client builds the authorization request and exchanges the code; joserfc
verifies the ID token and the userinfo response, which ProConnect returns as a signed JWT
(`application/jwt`), both against the provider's published keys (JWKS). PKCE is sent only when
the discovery document advertises S256. ProConnect signs in social workers only."""

import time
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from connexions import twofactor
from connexions.audit import audit_log
from connexions.enums import AuditAction
from connexions.errors import DomainError
from connexions.models import User

FLOW_KEY = "proconnect_flow"  # state, nonce, PKCE verifier of the login under way
ID_TOKEN_KEY = "proconnect_id_token"  # for the provider's logout
IDENTITY_KEY = "proconnect_identity"  # an unknown agent, for the onboarding form
SCOPES = "openid email given_name usual_name siret uid"
ALGORITHMS = ["RS256", "ES256"]
CACHE_SECONDS = 3600
LEEWAY_SECONDS = 60

_cache: dict[str, tuple[float, object]] = {}


class ProConnectError(DomainError):
    pass


@dataclass(frozen=True)
class Identity:
    sub: str
    email: str
    given_name: str
    usual_name: str
    siret: str
    id_token: str

    def as_session(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "id_token"}


def enabled() -> bool:
    """Configured: the login page shows the button only then."""
    return bool(
        settings.PROCONNECT_URL
        and settings.PROCONNECT_CLIENT_ID
        and settings.PROCONNECT_CLIENT_SECRET
    )


def _get(url: str, **kwargs) -> requests.Response:
    try:
        response = requests.get(url, timeout=settings.PROCONNECT_TIMEOUT, **kwargs)
        response.raise_for_status()
    except requests.RequestException as error:
        raise ProConnectError(
            _(
                "ProConnect does not answer at the moment. Try again later, or log in with your "
                "e-mail and password."
            )
        ) from error
    return response


def _cached(url: str, fetch, *, refresh: bool = False):
    hit = _cache.get(url)
    if hit and not refresh and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    value = fetch(url)
    _cache[url] = (time.monotonic(), value)
    return value


def metadata() -> dict:
    """The provider's discovery document (cached an hour)."""
    url = settings.PROCONNECT_URL.rstrip("/") + "/.well-known/openid-configuration"
    return _cached(url, lambda u: _get(u).json())


def _keys(meta: dict, *, refresh: bool = False) -> KeySet:
    return _cached(
        meta["jwks_uri"], lambda u: KeySet.import_key_set(_get(u).json()), refresh=refresh
    )


def _client(redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        settings.PROCONNECT_CLIENT_ID,
        settings.PROCONNECT_CLIENT_SECRET,
        scope=SCOPES,
        redirect_uri=redirect_uri,
        token_endpoint_auth_method="client_secret_post",
    )


def authorization_url(session, redirect_uri: str) -> str:
    """Where to send the browser; the state, nonce and PKCE verifier wait in the session."""
    meta = metadata()
    flow = {"state": generate_token(32), "nonce": generate_token(32)}
    client = _client(redirect_uri)
    extra = {}
    if "S256" in meta.get("code_challenge_methods_supported", []):
        client.code_challenge_method = "S256"
        flow["code_verifier"] = extra["code_verifier"] = generate_token(64)
    url, _state = client.create_authorization_url(
        meta["authorization_endpoint"], state=flow["state"], nonce=flow["nonce"], **extra
    )
    session[FLOW_KEY] = flow
    return url


def complete(session, params, redirect_uri: str) -> Identity:
    """The provider sent the browser back with `params`: check the state (once: it leaves the
    session), exchange the code, verify the ID token and the signed userinfo."""
    flow = session.pop(FLOW_KEY, None)
    if params.get("error"):
        raise ProConnectError(_("The ProConnect login was cancelled or refused."))
    state = params.get("state", "")
    if not flow or not state or not constant_time_compare(state, flow["state"]):
        raise ProConnectError(
            _("This ProConnect login is no longer valid (expired or already used). Start again.")
        )
    meta = metadata()
    client = _client(redirect_uri)
    try:
        token = client.fetch_token(
            meta["token_endpoint"],
            code=params.get("code", ""),
            code_verifier=flow.get("code_verifier"),
            timeout=settings.PROCONNECT_TIMEOUT,
        )
    except OAuthError as error:
        raise ProConnectError(
            _("ProConnect refused the login (the code may have expired). Start again.")
        ) from error
    except requests.RequestException as error:
        raise ProConnectError(
            _(
                "ProConnect does not answer at the moment. Try again later, or log in with your "
                "e-mail and password."
            )
        ) from error
    id_token = token.get("id_token", "")
    claims = verify(id_token, meta, nonce=flow["nonce"])
    info = verify(
        _get(
            meta["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {token.get('access_token', '')}"},
        ),
        meta,
    )
    if info.get("sub") != claims["sub"] or not info.get("email"):
        raise ProConnectError(_("ProConnect sent an identity that cannot be used."))
    return Identity(
        sub=claims["sub"],
        email=info["email"].strip().lower(),
        given_name=info.get("given_name") or "",
        usual_name=info.get("usual_name") or "",
        siret=info.get("siret") or "",
        id_token=id_token,
    )


def verify(token, meta: dict, *, nonce: str | None = None) -> dict:
    """The claims of a JWT signed with one of the provider's keys, issued by it for this client
    and not expired; an ID token (`nonce` given) must carry that nonce. A userinfo response
    (`token` is the HTTP response) must be a JWT, as ProConnect sends it."""
    if isinstance(token, requests.Response):
        if token.headers.get("Content-Type", "").split(";")[0].strip() != "application/jwt":
            raise ProConnectError(_("ProConnect sent an identity that cannot be used."))
        token = token.text
    try:
        try:
            decoded = jwt.decode(token, _keys(meta), algorithms=ALGORITHMS)
        except JoseError:
            # The provider may have rotated its keys since they were cached.
            decoded = jwt.decode(token, _keys(meta, refresh=True), algorithms=ALGORITHMS)
        essential = {"essential": True}
        rules = {
            "iss": {**essential, "value": meta["issuer"]},
            "aud": {**essential, "value": settings.PROCONNECT_CLIENT_ID},
            "sub": essential,
        }
        if nonce is not None:
            rules.update(exp=essential, nonce={**essential, "value": nonce})
        jwt.JWTClaimsRegistry(leeway=LEEWAY_SECONDS, **rules).validate(decoded.claims)
    except (JoseError, ValueError) as error:
        raise ProConnectError(
            _("The identity sent by ProConnect could not be verified. Start again.")
        ) from error
    return decoded.claims


def logout_url(id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session address, to end the ProConnect session too."""
    try:
        endpoint = metadata().get("end_session_endpoint")
    except ProConnectError:
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "state": generate_token(16),
            "post_logout_redirect_uri": post_logout_redirect_uri,
        }
    )
    return f"{endpoint}?{query}"


@transaction.atomic(durable=True)
def account_for(identity: Identity) -> User | None:
    """The social worker this identity signs in: by ProConnect subject, else by the e-mail the
    provider verified, once (the subject is then stored). None for an unknown agent. Site staff
    and programme admins are refused: they log in with their password (and second factor)."""
    accounts = User.objects.select_for_update()
    user = accounts.filter(proconnect_sub=identity.sub).first()
    if user is None:
        user = accounts.filter(email=identity.email).first()
        if user is not None and user.proconnect_sub:
            raise ProConnectError(
                _(
                    "This address is linked to another ProConnect identity. Log in with your "
                    "e-mail and password."
                )
            )
    if user is None:
        return None
    if not user.is_social_worker or twofactor.required_for(user):
        raise ProConnectError(
            _(
                "ProConnect is for the social workers of partner agencies. Log in with your "
                "e-mail and password."
            )
        )
    if not user.is_active:
        raise ProConnectError(
            _("This account is deactivated. Ask your agency's referent if you still work there.")
        )
    if not user.proconnect_sub:
        user.proconnect_sub = identity.sub
        user.save(update_fields=["proconnect_sub"])
    audit_log(actor=user, action=AuditAction.PROCONNECT_LOGGED_IN, obj=user)
    return user
