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


def audit_reads(*, actor, action: str, objects, site=None, **data) -> None:
    """Record that `actor` saw each of `objects` (a search result, a list page): one read row
    per object, in one query. Never put personal data (a search term) in `data`."""
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            action=action,
            kind=AuditKind.READ,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            site=site,
            data=data,
        )
        for obj in objects
    )
