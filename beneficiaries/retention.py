"""Erasure and retention: a person anonymised on request, and the retention rules applied as of a
day (`manage.py apply_retention`). Everything a person's data lives in is reached through the
privacy registry (beneficiaries/privacy.py); read-audit rows go through the database function
that alone may delete them."""

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from beneficiaries.enums import AuditAction, ConsentKind, ErasureReason, ReferralStatus
from beneficiaries.models import Beneficiary, Consent, Referral
from beneficiaries.person_data import anonymise_referrals
from beneficiaries.privacy import anonymise_everywhere, last_contacts
from connexions.audit import audit_log
from connexions.enums import AuditKind
from connexions.errors import DomainError
from connexions.locking import Rank, lock_row
from connexions.models import AuditEvent
from connexions.periods import add_months
from connexions.perms import Action, require

CLOSED_WITHOUT_ENROLMENT = (
    ReferralStatus.DECLINED,
    ReferralStatus.EXPIRED,
    ReferralStatus.WITHDRAWN,
)
FINISHED_TASKS = (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)


class ErasureError(DomainError):
    pass


def _anonymise(beneficiary: Beneficiary, *, reason: str, actor) -> Beneficiary:
    anonymise_everywhere(beneficiary)
    audit_log(
        actor=actor,
        action=AuditAction.BENEFICIARY_ANONYMISED,
        obj=beneficiary,
        site=beneficiary.enrolled_site,
        number=beneficiary.number,
        reason=reason,
    )
    return beneficiary


@transaction.atomic(durable=True)
def beneficiary_anonymise(*, beneficiary: Beneficiary, reason: str, actor) -> Beneficiary:
    """Erase the person's identity and free text everywhere now (GDPR art. 17); their ids,
    programme number, situation at enrolment, dates and amounts stay for the figures."""
    if reason not in ErasureReason.values:
        raise ErasureError(_("Choose the reason for the erasure."))
    beneficiary = lock_row(Rank.BENEFICIARY, Beneficiary.objects, pk=beneficiary.pk)
    if beneficiary.anonymised_at is not None:
        raise ErasureError(_("This person's data has already been anonymised."))
    return _anonymise(beneficiary, reason=reason, actor=actor)


@transaction.atomic(durable=True)
def data_processing_withdraw(*, beneficiary: Beneficiary, actor, site) -> Beneficiary:
    """The person withdraws their consent to the processing of their data: the withdrawal is
    recorded (date, text version they had agreed to), then their data is anonymised."""
    require(actor, Action.SUPPORT, site)
    beneficiary = lock_row(Rank.BENEFICIARY, Beneficiary.objects, pk=beneficiary.pk)
    if beneficiary.anonymised_at is not None:
        raise ErasureError(_("This person's data has already been anonymised."))
    consent = Consent.objects.filter(
        beneficiary=beneficiary, kind=ConsentKind.DATA_PROCESSING
    ).first()
    audit_log(
        actor=actor,
        action=AuditAction.CONSENT_WITHDRAWN,
        obj=beneficiary,
        site=site,
        consent=ConsentKind.DATA_PROCESSING,
        text_version=consent.text_version if consent else "",
    )
    return _anonymise(beneficiary, reason=ErasureReason.CONSENT_WITHDRAWN, actor=actor)


@transaction.atomic(durable=True)
def _anonymise_if_still_due(person_id: int, cutoff: date) -> bool:
    beneficiary = lock_row(Rank.BENEFICIARY, Beneficiary.objects, pk=person_id)
    latest = last_contacts([person_id]).get(person_id, beneficiary.enrolled_on)
    if beneficiary.anonymised_at is not None or latest >= cutoff:
        return False
    _anonymise(beneficiary, reason=ErasureReason.RETENTION, actor=None)
    return True


@dataclass
class RetentionCounts:
    beneficiaries: int = 0
    closed_referrals: int = 0
    read_audit_rows: int = 0
    expired_sessions: int = 0
    task_results: int = 0

    def items(self):
        return [(field.name, getattr(self, field.name)) for field in fields(self)]


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def beneficiaries_due(today: date) -> list[int]:
    """Ids of the people whose last contact is more than the retention period before `today`."""
    cutoff = add_months(today, -settings.RETENTION_BENEFICIARY_MONTHS)
    candidates = list(
        Beneficiary.objects.filter(anonymised_at__isnull=True, enrolled_on__lt=cutoff)
        .order_by("pk")
        .values_list("pk", "enrolled_on")
    )
    latest = last_contacts([pk for pk, _enrolled in candidates])
    return [pk for pk, enrolled in candidates if latest.get(pk, enrolled) < cutoff]


def _closed_referrals_due(today: date):
    cutoff = add_months(today, -settings.RETENTION_CLOSED_REFERRAL_MONTHS)
    return (
        Referral.objects.filter(
            status__in=CLOSED_WITHOUT_ENROLMENT,
            beneficiary__isnull=True,
            anonymised_at__isnull=True,
        )
        .annotate(closed_at=Coalesce(F("decided_at"), F("submitted_at")))
        .filter(closed_at__lt=_start_of(cutoff))
    )


def apply_retention(*, today: date, dry_run: bool = False) -> RetentionCounts:
    """Apply every retention rule as of `today`; with `dry_run`, only count. Idempotent: what
    was anonymised or deleted is no longer due."""
    counts = RetentionCounts()
    cutoff = add_months(today, -settings.RETENTION_BENEFICIARY_MONTHS)
    due = beneficiaries_due(today)
    if dry_run:
        counts.beneficiaries = len(due)
    else:
        counts.beneficiaries = sum(_anonymise_if_still_due(pk, cutoff) for pk in due)

    referrals = _closed_referrals_due(today)
    reads_before = _start_of(add_months(today, -settings.RETENTION_READ_AUDIT_MONTHS))
    reads = AuditEvent.objects.filter(kind=AuditKind.READ, at__lt=reads_before)
    now = timezone.now()
    sessions = Session.objects.filter(expire_date__lt=now)
    tasks = DBTaskResult.objects.filter(
        status__in=FINISHED_TASKS,
        finished_at__lt=now - timedelta(days=settings.RETENTION_TASK_RESULT_DAYS),
    )
    if dry_run:
        counts.closed_referrals = referrals.count()
        counts.read_audit_rows = reads.count()
        counts.expired_sessions = sessions.count()
        counts.task_results = tasks.count()
        return counts
    with transaction.atomic(durable=True):
        counts.closed_referrals = anonymise_referrals(referrals)
        if reads.exists():
            with connection.cursor() as cursor:
                cursor.execute("SELECT privacy_purge_read_audit(%s)", [reads_before])
                counts.read_audit_rows = cursor.fetchone()[0]
        counts.expired_sessions = sessions.delete()[0]
        counts.task_results = tasks.delete()[0]
    return counts
