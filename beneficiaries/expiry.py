"""The warning a week before a referral would expire unanswered (docs/architecture.md, "Referral
notifications"); closing it once expired is `services.referrals_expire`. Both run from the
daily `expire_referrals` command."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from beneficiaries.enums import AuditAction
from beneficiaries.models import Referral
from beneficiaries.tasks import EXPIRING, send_referral_notice
from connexions.audit import audit_log
from connexions.locking import Rank, pick_free


@transaction.atomic(durable=True)
def referrals_warn_expiring(*, now=None) -> int:
    """Warn the referrer and the site's managers of each pending referral that will expire
    within REFERRAL_EXPIRY_WARNING_DAYS. Once per referral: the time of the warning is kept on
    it, so a second run finds nothing; rows another run holds are skipped and left to it."""
    now = now or timezone.now()
    expiry = timedelta(days=settings.REFERRAL_EXPIRY_DAYS)
    warning = timedelta(days=settings.REFERRAL_EXPIRY_WARNING_DAYS)
    due = pick_free(
        Rank.RECORD,
        Referral.objects.pending()
        .filter(
            expiry_warned_at__isnull=True,
            submitted_at__lt=now - expiry + warning,
            submitted_at__gte=now - expiry,
        )
        .select_related("site")
        .order_by("pk"),
    )
    for referral in due:
        referral.expiry_warned_at = now
        referral.save(update_fields=["expiry_warned_at"])
        audit_log(
            actor=None, action=AuditAction.REFERRAL_EXPIRY_WARNED, obj=referral, site=referral.site
        )
        transaction.on_commit(lambda pk=referral.pk: send_referral_notice.enqueue(pk, EXPIRING))
    return len(due)
