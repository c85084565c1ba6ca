"""E-mails of the onboarding (connexions/onboarding.py), sent by the tasks worker after commit,
with links to SITE_URL rather than to whatever Host a request named."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def _url(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _send(template: str, recipients: list[str], **context) -> None:
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"connexions/email/{template}_subject.txt", context)
        body = render_to_string(f"connexions/email/{template}_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, recipients)


@task()
def send_verification(request_id: int, token: str) -> None:
    from connexions.models import AccountRequest

    request = AccountRequest.objects.get(pk=request_id)
    _send(
        "onboarding_verify",
        [request.email],
        request=request,
        url=_url("onboarding:verify", token),
        hours=settings.ONBOARDING_LINK_HOURS,
    )


@task()
def send_already_registered(email: str) -> None:
    _send(
        "onboarding_known",
        [email],
        login_url=_url("login"),
        reset_url=_url("password_reset"),
    )


@task()
def send_to_approvers(request_id: int, kind: str) -> None:
    """`kind`: "new" when the request arrives, "reminder" when it waited too long."""
    from connexions.models import AccountRequest
    from connexions.onboarding import approvers_of

    request = AccountRequest.objects.select_related("agency").get(pk=request_id)
    _send(
        "onboarding_approvers",
        list(approvers_of(request).values_list("email", flat=True)),
        request=request,
        kind=kind,
        url=_url("onboarding:request_detail", request.pk),
    )


@task()
def send_decision(request_id: int) -> None:
    from connexions.models import AccountRequest

    request = AccountRequest.objects.select_related("agency", "user").get(pk=request_id)
    context = {"request": request, "login_url": _url("login")}
    if request.user is not None:
        user = request.user
        context["password_url"] = _url(
            "password_reset_confirm",
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        )
    _send("onboarding_decision", [request.email], **context)
