"""Second factor at login: an authenticator app (django-otp's TOTP device) and single-use backup
codes (its static device). Programme admins always need it; site managers when
TWO_FACTOR_SITE_MANAGERS is on. The middleware that enforces it is in connexions/middleware.py."""

from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from connexions.audit import audit_log
from connexions.enums import AuditAction, SiteRole
from connexions.errors import DomainError

# RFC 6238's test key (ASCII "12345678901234567890"): the demo admin's device. The key is public,
# so the device is refused whenever DEBUG is off.
DEMO_KEY = "3132333435363738393031323334353637383930"
APP_DEVICE_NAME = "Application d'authentification"
BACKUP_DEVICE_NAME = "Codes de secours"
BACKUP_CODE_COUNT = 10


class TwoFactorError(DomainError):
    pass


def required_for(user) -> bool:
    if user.is_programme_admin:
        return True
    return (
        settings.TWO_FACTOR_SITE_MANAGERS
        and user.is_site_staff
        and user.memberships.filter(role=SiteRole.SITE_MANAGER).exists()
    )


def pending(user) -> bool:
    """True while a signed-in user who needs a second factor has not given it this session."""
    # `is_verified` is set on the user by django-otp's middleware.
    verified = getattr(user, "is_verified", lambda: False)()
    return user.is_authenticated and not verified and required_for(user)


def has_device(user) -> bool:
    """True once the user has enrolled (a confirmed device of any kind)."""
    return user_has_device(user, confirmed=True)


def is_refused(device) -> bool:
    return not settings.DEBUG and isinstance(device, TOTPDevice) and device.key == DEMO_KEY


def pending_app_device(user) -> TOTPDevice:
    """The authenticator-app device being enrolled: the same key until it is confirmed, so
    reloading the page does not invalidate a QR code already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


@transaction.atomic(durable=True)
def enrol(*, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the app device with a first code from it; returns fresh backup codes, which are
    shown once and stored only in the database."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=False)
    if not device.verify_token(_digits(code)):
        raise TwoFactorError(_("This code is not the one your app shows. Try the current one."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=device.user).delete()
    backup = StaticDevice.objects.create(user=device.user, name=BACKUP_DEVICE_NAME)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    audit_log(actor=device.user, action=AuditAction.SECOND_FACTOR_ENROLLED, obj=device.user)
    return codes


def verify(user, code: str):
    """The confirmed device that accepts `code` (an app code or an unused backup code), or None.
    Each device throttles its own failures (django-otp); a backup code is used up."""
    code = _digits(code).lower()
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if device.verify_token(code):
                if is_refused(device):
                    raise TwoFactorError(
                        _(
                            "This account still uses the public demo device, refused in "
                            "production. Ask another programme admin to reset its second factor."
                        )
                    )
                return device
    return None


@transaction.atomic(durable=True)
def reset(*, user, actor) -> None:
    """Remove every device of `user` (lost phone): they enrol again at their next login."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    audit_log(actor=actor, action=AuditAction.SECOND_FACTOR_RESET, obj=user)


def qr_code_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG: drawn here, no third-party origin, no style."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, light="#fff")


def secret_text(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app that cannot scan."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _digits(code: str) -> str:
    return "".join(code.split())
