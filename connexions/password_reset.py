"""Password reset requests: throttled per address and per client IP, the same answer whether the
address has an account or not, and the e-mail built and sent by the tasks worker, so the request
takes the same time either way and no link or token passes through the web process's logs."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from connexions.models import PasswordResetRequest

WINDOW = timedelta(hours=1)


def password_reset_request(*, email: str, ip: str | None) -> None:
    """Queue the reset e-mail for `email` unless the address or the IP asked too often within
    the hour. Silent either way: the caller answers the same."""
    if _within_limits(_digest(email), ip):
        send_password_reset.enqueue(email)


@transaction.atomic(durable=True)
def _within_limits(digest: str, ip: str | None) -> bool:
    since = timezone.now() - WINDOW
    PasswordResetRequest.objects.filter(at__lt=since).delete()
    recent = PasswordResetRequest.objects.filter(at__gte=since)
    if recent.filter(email_digest=digest).count() >= settings.PASSWORD_RESET_PER_EMAIL:
        return False
    if ip and recent.filter(ip_address=ip).count() >= settings.PASSWORD_RESET_PER_IP:
        return False
    PasswordResetRequest.objects.create(email_digest=digest, ip_address=ip)
    return True


def _digest(email: str) -> str:
    return salted_hmac(
        "connexions.password_reset", email.strip().lower(), algorithm="sha256"
    ).hexdigest()


@task()
def send_password_reset(email: str) -> None:
    """Django's reset e-mail to the active accounts of `email` (none for an unknown address),
    with links to SITE_URL rather than to whatever Host the request named."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return
    site = urlsplit(settings.SITE_URL)
    with translation.override(settings.LANGUAGE_CODE):
        form.save(domain_override=site.netloc, use_https=site.scheme == "https")
