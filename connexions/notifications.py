"""Which e-mails each user wants ("Mes notifications"): every kind is on until turned off."""

from django.db import transaction

from connexions import perms
from connexions.enums import NotificationKind, SiteRole
from connexions.models import NotificationOptOut


def wants(user, kind: NotificationKind) -> bool:
    if user is None or not user.is_active:
        return False
    return not NotificationOptOut.objects.filter(user=user, kind=kind).exists()


def kinds_for(user) -> list[NotificationKind]:
    """The e-mails that can reach `user`, so "Mes notifications" offers only those: news of
    their referrals for a social worker; the digest, and the expiry warnings for site managers,
    for site staff; every kind for programme admins."""
    if perms.sees_every_site(user):
        return list(NotificationKind)
    if user.is_social_worker:
        return [NotificationKind.REFERRAL_NEWS]
    kinds = [NotificationKind.REFERRAL_DIGEST]
    if any(m.role == SiteRole.SITE_MANAGER for m in perms.memberships(user).values()):
        kinds.append(NotificationKind.REFERRAL_EXPIRING)
    return kinds


def turned_off(user) -> set[str]:
    return set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))


@transaction.atomic(durable=True)
def notifications_set(*, user, off: set[str]) -> None:
    """Turn off the kinds in `off`, and on the others the user is offered (`kinds_for`)."""
    off = {NotificationKind(kind) for kind in off}
    NotificationOptOut.objects.filter(user=user, kind__in=kinds_for(user)).exclude(
        kind__in=off
    ).delete()
    for kind in off:
        NotificationOptOut.objects.get_or_create(user=user, kind=kind)
