"""The test provider's ProConnect behaviour: its claims, userinfo as a JWT signed with the ID
token's key, and a setup endpoint the tests call to register the client and the agents."""

import json

from django.contrib.auth.models import Group, User
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from jwcrypto import jwk
from jwcrypto import jwt as jwcrypto_jwt
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import UserInfoView


def _siret(user) -> str:
    # The agent's SIRET rides on a group named after it (none: the claim is absent, as it may be).
    return next((g.name for g in user.groups.all() if g.name.isdigit()), "")


class ProConnectLikeValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim, whatever the scopes

    def get_additional_claims(self, request):
        user = request.user
        claims = {
            "email": user.email,
            "given_name": user.first_name,
            "usual_name": user.last_name,
            "uid": str(user.pk),
        }
        if _siret(user):
            claims["siret"] = _siret(user)
        return claims


def userinfo_jwt(request):
    """ProConnect's userinfo: the claims as a JWT (`application/jwt`) signed like the ID token."""
    view = UserInfoView()
    view.request = request
    _url, headers, body, status = view.create_userinfo_response(request)
    if status != 200:
        return HttpResponse(body, status=status, headers=headers)
    claims = json.loads(body)
    bearer = request.headers["Authorization"].split()[-1]
    application = ProConnectLikeValidator()._load_access_token(bearer).application
    claims["iss"] = oauth2_settings.oidc_issuer(request)
    claims["aud"] = application.client_id
    key = jwk.JWK.from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY.encode())
    token = jwcrypto_jwt.JWT(
        header={"alg": "RS256", "kid": key.thumbprint()}, claims=json.dumps(claims)
    )
    token.make_signed_token(key)
    return HttpResponse(token.serialize(), content_type="application/jwt")


@csrf_exempt
def setup(request):
    """POST JSON {"client": {...}} or {"agent": {...}}: what the tests need to exist."""
    data = json.loads(request.body)
    if "client" in data:
        client = data["client"]
        get_application_model().objects.update_or_create(
            client_id=client["client_id"],
            defaults={
                "client_secret": client["client_secret"],
                "client_type": "confidential",
                "authorization_grant_type": "authorization-code",
                "redirect_uris": client["redirect_uri"],
                "post_logout_redirect_uris": client["post_logout_redirect_uri"],
                "algorithm": "RS256",
                "skip_authorization": True,
                "name": "Connexions",
                "hash_client_secret": True,
            },
        )
    if "agent" in data:
        agent = data["agent"]
        user, _ = User.objects.update_or_create(
            username=agent["username"],
            defaults={
                "email": agent["email"],
                "first_name": agent["given_name"],
                "last_name": agent["usual_name"],
            },
        )
        user.set_password(agent["password"])
        user.save()
        user.groups.clear()
        if agent.get("siret"):
            user.groups.add(Group.objects.get_or_create(name=agent["siret"])[0])
    return JsonResponse({"ok": True})


def no_favicon(request):
    return HttpResponse(status=204)
