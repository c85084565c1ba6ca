"""Every write of the beneficiaries app. Entry points a view or command calls are durable
transactions; each writes an audit row in the same transaction and sends e-mail after commit."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.enums import (
    AgreementKind,
    AuditAction,
    ConsentKind,
    DeclineReason,
    MediationStatus,
    ReferralChannel,
    ReferralStatus,
)
from beneficiaries.models import (
    Beneficiary,
    Consent,
    FollowUp,
    MediationCase,
    MediationNote,
    Referral,
    SupportSession,
)
from beneficiaries.selectors import possible_duplicates
from beneficiaries.tasks import ACCEPTED, DECLINED, EXPIRED, send_referral_notice
from connexions.audit import audit_log
from connexions.enums import AuditKind
from connexions.errors import DomainError
from connexions.locking import Rank, lock_keys, lock_row, lock_rows, pick_free
from connexions.periods import add_months
from connexions.perms import Action, require

PERSON_FIELDS = ("first_name", "last_name", "birth_date", "phone", "email", "city")
REFERRAL_FIELDS = (*PERSON_FIELDS, "profile", "needs", "comment")
BASELINE_FIELDS = (
    "has_mobile",
    "plan_type",
    "operator",
    "monthly_spending",
    "has_computer",
    "has_internet",
    "employment_status",
    "housing",
    "household_size",
)


class ReferralError(DomainError):
    """A referral action refused, with a message fit for the user."""


class BeneficiaryError(DomainError):
    """An action on a beneficiary's file refused, with a message fit for the user."""


# --- referrals ---------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def referral_submit(
    *,
    actor,
    site,
    person: dict,
    consent_attested: bool,
    agency=None,
    referrer_name: str = "",
    referrer_email: str = "",
    channel: str = ReferralChannel.PORTAL,
) -> Referral:
    """A social worker refers a person to `site`; or staff record a referral received by phone
    or on paper, naming the agency and the referrer."""
    if not consent_attested:
        raise ReferralError(
            _("Confirm that the person agreed to the referral and was told how their data is used.")
        )
    if not site.is_active:
        raise ReferralError(_("This reception site is closed."))
    if actor.is_social_worker:
        require(actor, Action.REFER)
        agency, referrer, channel = actor.agency, actor, ReferralChannel.PORTAL
        referrer_name = referrer_email = ""
    else:
        require(actor, Action.SUPPORT, site)
        referrer = None
        if agency is None or not referrer_name.strip():
            raise ReferralError(_("Name the partner agency and the referrer."))
        if channel == ReferralChannel.PORTAL:
            raise ReferralError(_("A referral recorded by staff came by phone or on paper."))
    referral = Referral.objects.create(
        agency=agency,
        referrer=referrer,
        referrer_name=referrer_name.strip(),
        referrer_email=referrer_email,
        channel=channel,
        recorded_by=actor,
        site=site,
        consent_attested_at=timezone.now(),
        sms_consent_attested=bool(person.get("sms_consent_attested")),
        **{field: person.get(field) or _empty(field) for field in REFERRAL_FIELDS},
    )
    audit_log(
        actor=actor, action=AuditAction.REFERRAL_SUBMITTED, obj=referral, site=site, channel=channel
    )
    return referral


def _empty(field):
    return None if field == "birth_date" else ""


def _lock_referral(referral: Referral) -> Referral:
    return lock_row(Rank.RECORD, Referral.objects.select_related("site"), pk=referral.pk)


def _check_transition(referral: Referral, status: str) -> None:
    """Refuse a transition the referral state machine does not allow."""
    if not referral.can_become(status):
        raise ReferralError(
            _("This referral is already %(status)s: it cannot become %(new)s.")
            % {
                "status": referral.get_status_display().lower(),
                "new": ReferralStatus(status).label.lower(),
            }
        )


def _move(referral: Referral, status: str, *, actor=None, **fields) -> None:
    """Apply a transition of the state machine to a locked referral."""
    _check_transition(referral, status)
    referral.status = status
    referral.decided_at = timezone.now()
    referral.decided_by = actor
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.save(update_fields=["status", "decided_at", "decided_by", *fields])


@transaction.atomic(durable=True)
def referral_withdraw(*, referral: Referral, actor) -> Referral:
    require(actor, Action.REFER)
    referral = _lock_referral(referral)
    if actor.is_social_worker and referral.agency_id != actor.agency_id:
        raise ReferralError(_("This referral was made by another agency: you cannot withdraw it."))
    _move(referral, ReferralStatus.WITHDRAWN, actor=actor)
    audit_log(actor=actor, action=AuditAction.REFERRAL_WITHDRAWN, obj=referral, site=referral.site)
    return referral


@transaction.atomic(durable=True)
def referral_decline(*, referral: Referral, reason: str, comment: str = "", actor) -> Referral:
    referral = _lock_referral(referral)
    require(actor, Action.SUPPORT, referral.site)
    if reason not in DeclineReason.values:
        raise ReferralError(_("Choose a reason."))
    if reason == DeclineReason.OTHER and not comment.strip():
        raise ReferralError(_("Explain the reason in the comment."))
    _move(
        referral,
        ReferralStatus.DECLINED,
        actor=actor,
        decline_reason=reason,
        decline_comment=comment.strip(),
    )
    audit_log(
        actor=actor,
        action=AuditAction.REFERRAL_DECLINED,
        obj=referral,
        site=referral.site,
        reason=reason,
    )
    _notify_after_commit(referral, DECLINED)
    return referral


@transaction.atomic(durable=True)
def referrals_expire(*, now=None) -> int:
    """Close as expired the referrals pending for longer than REFERRAL_EXPIRY_DAYS and e-mail
    their referrers. Idempotent: a second run finds nothing left to expire. Rows another
    transaction holds are skipped and caught by the next run."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REFERRAL_EXPIRY_DAYS)
    overdue = pick_free(
        Rank.RECORD,
        Referral.objects.pending()
        .filter(submitted_at__lt=cutoff)
        .select_related("site")
        .order_by("pk"),
    )
    count = 0
    for referral in overdue:
        _move(referral, ReferralStatus.EXPIRED)
        audit_log(actor=None, action=AuditAction.REFERRAL_EXPIRED, obj=referral, site=referral.site)
        _notify_after_commit(referral, EXPIRED)
        count += 1
    return count


def _notify_after_commit(referral: Referral, kind: str) -> None:
    """The referrer hears of the decision once it is committed (beneficiaries/tasks.py)."""
    if referral.notification_email:
        transaction.on_commit(lambda: send_referral_notice.enqueue(referral.pk, kind))


# --- enrolment ---------------------------------------------------------------------------------


def _renewed_until(current: date | None, today: date) -> date:
    renewed = add_months(today, settings.ELIGIBILITY_MONTHS)
    return max(current, renewed) if current else renewed


@transaction.atomic(durable=True)
def beneficiary_enrol(
    *,
    referral: Referral,
    person: dict,
    baseline: dict,
    consents: dict[str, bool],
    confirmed_new: bool,
    actor,
    site,
) -> Beneficiary:
    """Enrol the person of a pending referral at `site`: the referral becomes accepted. Refused
    while possible duplicates exist across all sites and the counsellor has not confirmed that
    this is a new person."""
    require(actor, Action.SUPPORT, site)
    referral = _lock_referral(referral)
    require(actor, Action.SUPPORT, referral.site)
    _check_transition(referral, ReferralStatus.ACCEPTED)
    if not consents.get(ConsentKind.DATA_PROCESSING):
        raise BeneficiaryError(_("The person must agree to the processing of their data."))
    _lock_identity(birth_date=person["birth_date"], phone=person.get("phone"))
    duplicates = possible_duplicates(
        first_name=person["first_name"],
        last_name=person["last_name"],
        birth_date=person["birth_date"],
        phone=person.get("phone"),
    )
    if not confirmed_new and duplicates.exists():
        raise BeneficiaryError(
            _(
                "This person may already be enrolled: link the referral to them or confirm that "
                "this is a different person."
            )
        )
    if not baseline.get("has_mobile"):
        baseline = {**baseline, "plan_type": "none", "operator": ""}
    today = timezone.localdate()
    beneficiary = Beneficiary.objects.create(
        enrolled_on=today,
        enrolled_site=site,
        enrolled_by=actor,
        enrolment_referral=referral,
        valid_until=_renewed_until(None, today),
        **{field: person.get(field) or _empty(field) for field in PERSON_FIELDS},
        **{field: baseline.get(field) for field in BASELINE_FIELDS},
    )
    _record_consents(beneficiary, consents, actor)
    FollowUp.objects.bulk_create(
        FollowUp(beneficiary=beneficiary, due_on=add_months(today, months))
        for months in settings.FOLLOW_UP_MONTHS
    )
    _move(referral, ReferralStatus.ACCEPTED, actor=actor, beneficiary=beneficiary)
    audit_log(
        actor=actor,
        action=AuditAction.BENEFICIARY_ENROLLED,
        obj=beneficiary,
        site=site,
        referral=referral.pk,
        confirmed_new=confirmed_new,
    )
    _notify_after_commit(referral, ACCEPTED)
    return beneficiary


def _lock_identity(*, birth_date: date, phone=None) -> None:
    """Serialise, until the transaction ends, the enrolments of people who could be duplicates
    of each other, so the duplicate check of one sees the other's enrolment. Duplicates share a
    birth date (whatever the spelling of their names) or a phone: one transaction-level advisory
    lock on each."""
    keys = [f"birth_date:{birth_date.isoformat()}"]
    if phone:
        keys.append(f"phone:{phone}")
    lock_keys(Rank.IDENTITY, "beneficiaries.enrol", keys)


def _record_consents(beneficiary, consents: dict[str, bool], actor) -> None:
    for kind in ConsentKind.values:
        Consent.objects.update_or_create(
            beneficiary=beneficiary,
            kind=kind,
            defaults={
                "granted": bool(consents.get(kind)),
                "text_version": settings.CONSENT_TEXT_VERSION,
                "recorded_at": timezone.now(),
                "recorded_by": actor,
            },
        )


@transaction.atomic(durable=True)
def referral_accept_for_existing(
    *, referral: Referral, beneficiary: Beneficiary, actor, site
) -> Beneficiary:
    """The referred person is already enrolled: the referral is accepted for them and renews
    their eligibility. Only one of the referral's possible duplicates may be chosen: linking
    someone else would show that person's outcomes to the wrong referrer."""
    require(actor, Action.SUPPORT, site)
    beneficiary = lock_row(Rank.BENEFICIARY, Beneficiary.objects, pk=beneficiary.pk)
    referral = _lock_referral(referral)
    require(actor, Action.SUPPORT, referral.site)
    candidates = possible_duplicates(
        first_name=referral.first_name,
        last_name=referral.last_name,
        birth_date=referral.birth_date,
        phone=referral.phone or None,
    )
    if not candidates.filter(pk=beneficiary.pk).exists():
        raise ReferralError(
            _(
                "%(name)s is not among the possible duplicates of this referral: the referral "
                "cannot be linked to them."
            )
            % {"name": beneficiary.full_name}
        )
    _move(referral, ReferralStatus.ACCEPTED, actor=actor, beneficiary=beneficiary)
    beneficiary.valid_until = _renewed_until(beneficiary.valid_until, timezone.localdate())
    beneficiary.save(update_fields=["valid_until"])
    audit_log(
        actor=actor,
        action=AuditAction.REFERRAL_LINKED,
        obj=beneficiary,
        site=site,
        referral=referral.pk,
    )
    _notify_after_commit(referral, ACCEPTED)
    return beneficiary


@transaction.atomic(durable=True)
def consents_update(*, beneficiary: Beneficiary, consents: dict[str, bool], actor, site):
    require(actor, Action.SUPPORT, site)
    if not consents.get(ConsentKind.DATA_PROCESSING):
        raise BeneficiaryError(_("The person must agree to the processing of their data."))
    beneficiary = lock_row(Rank.BENEFICIARY, Beneficiary.objects, pk=beneficiary.pk)
    _record_consents(beneficiary, consents, actor)
    audit_log(actor=actor, action=AuditAction.CONSENTS_UPDATED, obj=beneficiary, site=site)
    return beneficiary


def file_viewed(*, beneficiary: Beneficiary, actor, site, **part) -> None:
    """Every opening of a file, or of a part of it (`mediation_case=<id>`), goes to the audit
    trail (who, when, which file)."""
    audit_log(
        actor=actor,
        action=AuditAction.FILE_VIEWED,
        kind=AuditKind.READ,
        obj=beneficiary,
        site=site,
        **part,
    )


# --- support, follow-ups, mediation ------------------------------------------------------------


@transaction.atomic(durable=True)
def support_session_record(
    *,
    beneficiary: Beneficiary,
    day: date,
    topics: list[str],
    duration_minutes: int,
    notes: str = "",
    actor,
    site,
) -> SupportSession:
    require(actor, Action.SUPPORT, site)
    if day > timezone.localdate():
        raise BeneficiaryError(_("A support session cannot be recorded in the future."))
    session = SupportSession.objects.create(
        beneficiary=beneficiary,
        site=site,
        counsellor=actor,
        date=day,
        topics=list(topics),
        duration_minutes=duration_minutes,
        notes=notes,
    )
    audit_log(actor=actor, action=AuditAction.SUPPORT_SESSION_RECORDED, obj=session, site=site)
    return session


@transaction.atomic(durable=True)
def follow_up_record(
    *,
    beneficiary: Beneficiary,
    situation: dict,
    actor,
    site,
    follow_up: FollowUp | None = None,
    done_on: date | None = None,
) -> FollowUp:
    """Record a follow-up: the planned one given (or the earliest still planned), else a new
    one done on the spot."""
    require(actor, Action.SUPPORT, site)
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise BeneficiaryError(_("A follow-up cannot be recorded in the future."))
    if situation.get("monthly_spending") is None or situation["monthly_spending"] < 0:
        raise BeneficiaryError(_("Enter the current monthly telecom spending."))
    beneficiary = lock_row(Rank.BENEFICIARY, Beneficiary.objects, pk=beneficiary.pk)
    planned = lock_rows(Rank.RECORD, beneficiary.follow_ups.filter(done_on__isnull=True))
    if follow_up is not None:
        follow_up = next((f for f in planned if f.pk == follow_up.pk), None)
        if follow_up is None:
            raise BeneficiaryError(_("This follow-up was already recorded."))
    else:
        follow_up = min(planned, key=lambda f: (f.due_on, f.pk), default=None) or FollowUp(
            beneficiary=beneficiary, due_on=done_on
        )
    follow_up.done_on = done_on
    follow_up.recorded_by = actor
    follow_up.site = site
    for field in (
        "monthly_spending",
        "plan_type",
        "employment_status",
        "has_computer",
        "has_internet",
        "notes",
    ):
        default = None if field in ("monthly_spending", "has_computer", "has_internet") else ""
        setattr(follow_up, field, situation.get(field, default))
    follow_up.save()
    audit_log(actor=actor, action=AuditAction.FOLLOW_UP_RECORDED, obj=follow_up, site=site)
    return follow_up


@transaction.atomic(durable=True)
def mediation_open(
    *,
    beneficiary: Beneficiary,
    operator: str,
    amount_owed: Decimal,
    next_action_on: date | None,
    note: str = "",
    actor,
    site,
) -> MediationCase:
    require(actor, Action.SUPPORT, site)
    if amount_owed is None or amount_owed < 0:
        raise BeneficiaryError(_("The amount owed cannot be negative."))
    case = MediationCase.objects.create(
        beneficiary=beneficiary,
        site=site,
        opened_by=actor,
        operator=operator,
        amount_owed=amount_owed,
        next_action_on=next_action_on,
    )
    if note.strip():
        MediationNote.objects.create(case=case, author=actor, text=note.strip())
    audit_log(actor=actor, action=AuditAction.MEDIATION_CASE_OPENED, obj=case, site=site)
    return case


@transaction.atomic(durable=True)
def mediation_update(
    *,
    case: MediationCase,
    status: str,
    agreement_kind: str = "",
    amount_written_off: Decimal | None = None,
    monthly_instalment: Decimal | None = None,
    instalment_months: int | None = None,
    next_action_on: date | None = None,
    note: str = "",
    actor,
    site,
) -> MediationCase:
    """Move a case along (open → operator contacted → agreement reached → closed; failed from
    any active status) and record the agreement's terms. A finished case (closed or failed)
    only takes notes: `mediation_note_add`."""
    require(actor, Action.SUPPORT, site)
    case = lock_row(Rank.RECORD, MediationCase.objects, pk=case.pk)
    if not case.is_active:
        raise BeneficiaryError(_("This mediation case is finished: only a note can be added."))
    if status != case.status and not case.can_become(status):
        raise BeneficiaryError(
            _("A mediation case %(status)s cannot become %(new)s.")
            % {
                "status": case.get_status_display().lower(),
                "new": MediationStatus(status).label.lower(),
            }
        )
    reached = status in (MediationStatus.AGREEMENT, MediationStatus.CLOSED)
    if reached and not agreement_kind:
        raise BeneficiaryError(_("Say which agreement was reached."))
    if not reached and (
        agreement_kind or amount_written_off or monthly_instalment or instalment_months
    ):
        raise BeneficiaryError(
            _(
                "An agreement, a write-off or a payment plan is recorded only once an agreement "
                "is reached: clear these fields for this status."
            )
        )
    written_off = amount_written_off or Decimal("0.00")
    if agreement_kind == AgreementKind.FULL_WRITE_OFF:
        written_off = case.amount_owed
    if written_off < 0 or written_off > case.amount_owed:
        raise BeneficiaryError(_("The amount written off must be between 0 and the amount owed."))
    if agreement_kind == AgreementKind.PAYMENT_PLAN and not (
        monthly_instalment and instalment_months
    ):
        raise BeneficiaryError(_("A payment plan needs a monthly instalment and a duration."))
    case.status = status
    case.agreement_kind = agreement_kind
    case.amount_written_off = written_off
    case.monthly_instalment = monthly_instalment
    case.instalment_months = instalment_months
    case.next_action_on = next_action_on if case.is_active else None
    if not case.is_active and case.closed_on is None:
        case.closed_on = timezone.localdate()
    case.save()
    if note.strip():
        MediationNote.objects.create(case=case, author=actor, text=note.strip())
    audit_log(
        actor=actor, action=AuditAction.MEDIATION_CASE_UPDATED, obj=case, site=site, status=status
    )
    return case


@transaction.atomic(durable=True)
def mediation_note_add(*, case: MediationCase, text: str, actor, site) -> MediationNote:
    """A dated note on a case, whatever its status (the only change a finished case takes)."""
    require(actor, Action.SUPPORT, site)
    if not text.strip():
        raise BeneficiaryError(_("Write the note."))
    case = lock_row(Rank.RECORD, MediationCase.objects, pk=case.pk)
    note = MediationNote.objects.create(case=case, author=actor, text=text.strip())
    audit_log(actor=actor, action=AuditAction.MEDIATION_NOTE_ADDED, obj=case, site=site)
    return note
