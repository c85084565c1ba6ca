"""Which e-mails each user wants ("Mes notifications"): every kind is on until turned off."""

from django.db import transaction

from connexions.enums import NotificationKind
from connexions.models import NotificationOptOut


def wants(user, kind: NotificationKind) -> bool:
    if user is None or not user.is_active:
        return False
    return not NotificationOptOut.objects.filter(user=user, kind=kind).exists()


def turned_off(user) -> set[str]:
    return set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))


@transaction.atomic(durable=True)
def notifications_set(*, user, off: set[str]) -> None:
    """Turn off the kinds in `off`, and on all the others."""
    off = {NotificationKind(kind) for kind in off}
    NotificationOptOut.objects.filter(user=user).exclude(kind__in=off).delete()
    for kind in off:
        NotificationOptOut.objects.get_or_create(user=user, kind=kind)
