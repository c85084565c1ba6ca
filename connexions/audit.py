"""Business actions and reads of personal files, written in the caller's transaction."""

from django.db import models

from connexions.enums import AuditKind
from connexions.models import AuditEvent


def audit_log(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    site=None,
    kind: AuditKind = AuditKind.ACTION,
    **data,
):
    """Record that `actor` did `action` (on `obj`, at `site`); `kind=AuditKind.READ` for a read of
    a personal file. Never put personal data in `data`."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        kind=kind,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        site=site,
        data=data,
    )
