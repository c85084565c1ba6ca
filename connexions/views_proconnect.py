"""Login and logout through ProConnect (connexions/proconnect.py). A failure gives a French
message on the password login page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from connexions import proconnect
from connexions.errors import show_refusal
from connexions.middleware import second_factor_not_required
from connexions.proconnect import ProConnectError


def _callback_url(request) -> str:
    return request.build_absolute_uri(reverse("proconnect_callback"))


@login_not_required
def start(request):
    if not proconnect.enabled():
        raise Http404
    try:
        return redirect(proconnect.authorization_url(request.session, _callback_url(request)))
    except ProConnectError as error:
        show_refusal(request, error)
        return redirect("login")


@login_not_required
def callback(request):
    if not proconnect.enabled():
        raise Http404
    try:
        identity = proconnect.complete(request.session, request.GET, _callback_url(request))
        user = proconnect.account_for(identity)
    except ProConnectError as error:
        show_refusal(request, error)
        return redirect("login")
    if user is None:
        request.session[proconnect.IDENTITY_KEY] = identity.as_session()
        messages.info(
            request, _("You have no account yet: check your agency and send your request.")
        )
        return redirect("onboarding:request")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[proconnect.ID_TOKEN_KEY] = identity.id_token
    return redirect(settings.LOGIN_REDIRECT_URL)


@second_factor_not_required
@require_POST
def logout_view(request):
    """Django's logout, then the provider's end of session when the login came from it."""
    id_token = request.session.get(proconnect.ID_TOKEN_KEY)
    logout(request)
    target = None
    if id_token and proconnect.enabled():
        target = proconnect.logout_url(id_token, request.build_absolute_uri(reverse("login")))
    return redirect(target or settings.LOGOUT_REDIRECT_URL)
