"""Business actions and reads of personal files, written in the caller's transaction."""

from django.db import models

from connexions.models import AuditEvent


def audit_log(*, actor, action: str, obj: models.Model | None = None, site=None, **data):
    """Record that `actor` did `action` (on `obj`, at `site`). Never put personal data in `data`."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        site=site,
        data=data,
    )
