"""Second-factor pages: enrolment (QR code, then backup codes shown once) and verification."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from connexions import twofactor
from connexions.errors import show_refusal
from connexions.forms import SecondFactorForm
from connexions.middleware import second_factor_not_required

BACKUP_CODES_KEY = "connexions_backup_codes"


@second_factor_not_required
@sensitive_post_parameters("code")
@never_cache
def enrol(request):
    user = request.user
    if not twofactor.required_for(user) or twofactor.has_device(user):
        return redirect("home")
    device = twofactor.pending_app_device(user)
    form = SecondFactorForm(request.POST or None)
    if form.is_valid():
        try:
            codes = twofactor.enrol(device=device, code=form.cleaned_data["code"])
        except twofactor.TwoFactorError as error:
            show_refusal(request, error, form=form, field="code")
        else:
            otp_login(request, device)
            request.session[BACKUP_CODES_KEY] = codes
            return redirect("two_factor_backup_codes")
    context = {
        "form": form,
        # segno's own SVG markup, built from the device's URI: nothing user-typed in it.
        "qr_code": mark_safe(twofactor.qr_code_svg(device)),
        "secret": twofactor.secret_text(device),
    }
    return render(request, "registration/two_factor_enrol.html", context)


@second_factor_not_required
@never_cache
def backup_codes(request):
    """The backup codes, once: they leave the session as they are shown."""
    codes = request.session.pop(BACKUP_CODES_KEY, None)
    if not codes:
        return redirect("home")
    return render(request, "registration/two_factor_backup_codes.html", {"codes": codes})


@second_factor_not_required
@sensitive_post_parameters("code")
@never_cache
def verify(request):
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = settings.LOGIN_REDIRECT_URL
    if not twofactor.required_for(user) or user.is_verified():
        return redirect(next_url)
    if not twofactor.has_device(user):
        return redirect("two_factor_enrol")
    # Failed codes count against the same lockout as passwords (per e-mail and IP).
    credentials = {settings.AXES_USERNAME_FORM_FIELD: user.email}
    form = SecondFactorForm(request.POST or None)
    if form.is_valid():
        if AxesProxyHandler.is_locked(request, credentials):
            return _locked_out(request, credentials)
        try:
            device = twofactor.verify(user, form.cleaned_data["code"])
            refusal = _("This code is wrong or already used.")
        except twofactor.TwoFactorError as error:
            device, refusal = None, error.message
        if device is not None:
            otp_login(request, device)
            return redirect(next_url)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request, credentials)
        form.add_error("code", refusal)
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url})


def _locked_out(request, credentials):
    """Locked: the password step is undone too, so the next try starts from the login page."""
    response = get_lockout_response(request, credentials=credentials)
    logout(request)
    return response
