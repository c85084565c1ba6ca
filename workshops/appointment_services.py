"""Every write of the agendas: booking, moving, status changes, calendar tokens, and the messages
to people (queued in the same transaction, sent by the tasks worker once it is committed).

No counsellor is booked twice at once: the service checks first for a clear message, and the
database's exclusion constraint over active appointments settles two bookings racing for the same
time (the second waits for the first to commit, then fails and is refused in French).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.errors import DeadlockDetected

from beneficiaries.enums import ConsentKind, ReferralStatus
from beneficiaries.models import Beneficiary, Consent, Referral
from connexions.audit import audit_log
from connexions.errors import DomainError
from connexions.locking import Rank, lock_row, pick_free
from connexions.perms import Action, can, require
from workshops.appointment_messages import sms_text
from workshops.appointment_models import new_calendar_token
from workshops.appointment_notices import tell_referrer_of_appointment
from workshops.appointment_selectors import availability_refusal
from workshops.enums import (
    ACTIVE_APPOINTMENT,
    APPOINTMENT_TRANSITIONS,
    KIND_MINUTES,
    AppointmentKind,
    AppointmentMessageChannel,
    AppointmentMessageKind,
    AppointmentMessageStatus,
    AppointmentStatus,
    AuditAction,
)
from workshops.models import Appointment, AppointmentMessage, CalendarFeed
from workshops.tasks import send_appointment_message

# How early before their appointment a person may be marked arrived.
ARRIVAL_EARLIEST = timedelta(hours=12)
CANCELLED = (AppointmentStatus.CANCELLED_BY_PERSON, AppointmentStatus.CANCELLED_BY_SITE)


class AppointmentError(DomainError):
    """An appointment action refused, with a message fit for the user."""


def _taken() -> AppointmentError:
    return AppointmentError(_("This time has just been taken: choose another slot."))


def _check_person(*, beneficiary, referral, site, actor):
    if (beneficiary is None) == (referral is None):
        raise AppointmentError(_("Choose the person the appointment is for."))
    if referral is not None:
        if referral.status == ReferralStatus.ACCEPTED:
            return referral.beneficiary, None
        if referral.status != ReferralStatus.PENDING:
            raise AppointmentError(_("This referral is closed: no appointment can be booked."))
        if not can(actor, Action.SUPPORT, referral.site):
            raise AppointmentError(_("This referral is not addressed to your sites."))
    return beneficiary, referral


def _check_free(counsellor, starts_at, ends_at, exclude=None):
    overlapping = Appointment.objects.active().filter(
        counsellor=counsellor, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude.pk)
    if overlapping.exists():
        raise _taken()


def _create(**fields) -> Appointment:
    _check_free(fields["counsellor"], fields["starts_at"], fields["ends_at"])
    try:
        with transaction.atomic():
            return Appointment.objects.create(**fields)
    except IntegrityError as error:
        if "appointment_counsellor_no_overlap" in str(error):
            raise _taken() from None
        raise
    except OperationalError as error:
        # Two bookings of one slot inserted at the same instant can each wait for the other's
        # row while checking the exclusion constraint: PostgreSQL then ends one of them as a
        # deadlock, and that one is the booking refused (docs/architecture.md, appointments).
        if isinstance(error.__cause__, DeadlockDetected) and "exclusion constraint" in str(error):
            raise _taken() from None
        raise


def _check_slot(*, site, counsellor, starts_at, ends_at, now):
    """The counsellor works at the site and receives people then: their availability there,
    the site's opening hours, their absences (the rule of the free slots)."""
    if not can(counsellor, Action.SUPPORT, site) or not counsellor.is_active:
        raise AppointmentError(_("This counsellor does not receive people at this site."))
    if starts_at <= now:
        raise AppointmentError(_("Choose a time in the future."))
    refusal = availability_refusal(
        site=site, counsellor=counsellor, starts_at=starts_at, ends_at=ends_at
    )
    if refusal:
        raise AppointmentError(refusal)


@transaction.atomic(durable=True)
def appointment_book(
    *,
    site,
    counsellor,
    kind: str,
    starts_at: datetime,
    beneficiary: Beneficiary | None = None,
    referral: Referral | None = None,
    actor,
    now: datetime | None = None,
) -> Appointment:
    """Book an appointment of `kind` with `counsellor` at `site`, for an enrolled person or the
    person of a pending referral; the person is told (SMS, e-mail, or the counsellor calls)."""
    require(actor, Action.SUPPORT, site)
    now = now or timezone.now()
    kind = AppointmentKind(kind)
    beneficiary, referral = _check_person(
        beneficiary=beneficiary, referral=referral, site=site, actor=actor
    )
    ends_at = starts_at + timedelta(minutes=KIND_MINUTES[kind])
    _check_slot(site=site, counsellor=counsellor, starts_at=starts_at, ends_at=ends_at, now=now)
    appointment = _create(
        site=site,
        counsellor=counsellor,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        beneficiary=beneficiary,
        referral=referral,
        booked_by=actor,
        created_at=now,
    )
    audit_log(
        actor=actor,
        action=AuditAction.APPOINTMENT_BOOKED,
        obj=appointment,
        site=site,
        appointment_kind=kind,
    )
    message_queue(appointment, AppointmentMessageKind.BOOKED)
    if appointment.beneficiary_id:
        transaction.on_commit(lambda: tell_referrer_of_appointment.enqueue(appointment.pk))
    return appointment


def _lock(appointment: Appointment) -> Appointment:
    return lock_row(
        Rank.RECORD,
        Appointment.objects.select_related("site", "beneficiary", "referral"),
        pk=appointment.pk,
    )


@transaction.atomic(durable=True)
def appointment_reschedule(
    *, appointment: Appointment, counsellor, starts_at: datetime, actor, now=None
) -> Appointment:
    """Move an active appointment: it becomes "rescheduled" (its time is freed) and a new one
    takes its place, which the person is told about."""
    old = _lock(appointment)
    require(actor, Action.SUPPORT, old.site)
    now = now or timezone.now()
    if not old.is_active or old.status == AppointmentStatus.ARRIVED:
        raise AppointmentError(_("Only an appointment still to come can be moved."))
    ends_at = starts_at + (old.ends_at - old.starts_at)
    _check_slot(site=old.site, counsellor=counsellor, starts_at=starts_at, ends_at=ends_at, now=now)
    old.status = AppointmentStatus.RESCHEDULED
    old.status_changed_at = now
    old.save(update_fields=["status", "status_changed_at"])
    new = _create(
        site=old.site,
        counsellor=counsellor,
        kind=old.kind,
        starts_at=starts_at,
        ends_at=ends_at,
        beneficiary=old.beneficiary,
        referral=old.referral,
        booked_by=actor,
        created_at=now,
        rescheduled_from=old,
    )
    audit_log(
        actor=actor, action=AuditAction.APPOINTMENT_RESCHEDULED, obj=new, site=new.site, old=old.pk
    )
    message_queue(new, AppointmentMessageKind.RESCHEDULED)
    return new


@transaction.atomic(durable=True)
def appointment_set_status(
    *, appointment: Appointment, status: str, actor, now=None
) -> Appointment:
    """Confirm, mark arrived, done or absent, or cancel (by the person or the site: the person is
    told)."""
    appointment = _lock(appointment)
    require(actor, Action.SUPPORT, appointment.site)
    now = now or timezone.now()
    status = AppointmentStatus(status)
    if status not in APPOINTMENT_TRANSITIONS[AppointmentStatus(appointment.status)]:
        raise AppointmentError(
            _("This appointment is %(status)s: it cannot become %(new)s.")
            % {
                "status": appointment.get_status_display().lower(),
                "new": status.label.lower(),
            }
        )
    if status == AppointmentStatus.ARRIVED and appointment.starts_at > now + ARRIVAL_EARLIEST:
        raise AppointmentError(
            _("A person is marked arrived at the earliest 12 hours before the appointment.")
        )
    if status == AppointmentStatus.NO_SHOW and appointment.starts_at > now:
        raise AppointmentError(_("A person is marked absent once the appointment has started."))
    appointment.status = status
    appointment.status_changed_at = now
    appointment.save(update_fields=["status", "status_changed_at"])
    audit_log(
        actor=actor,
        action=AuditAction.APPOINTMENT_STATUS_CHANGED,
        obj=appointment,
        site=appointment.site,
        status=status,
    )
    if status in CANCELLED and appointment.starts_at > now:
        message_queue(appointment, AppointmentMessageKind.CANCELLED)
    return appointment


# --- messages ----------------------------------------------------------------------------------


def _agreed_to_sms(appointment: Appointment) -> bool:
    if appointment.beneficiary_id:
        return Consent.objects.filter(
            beneficiary=appointment.beneficiary_id, kind=ConsentKind.SMS_REMINDERS, granted=True
        ).exists()
    return appointment.referral.sms_consent_attested


def message_channel(appointment: Appointment, *, sms_consent: bool) -> str:
    """SMS if the person agreed to SMS and has a mobile, else e-mail, else the counsellor calls."""
    person = appointment.beneficiary or appointment.referral
    if sms_consent and person.phone:
        return AppointmentMessageChannel.SMS
    if person.email:
        return AppointmentMessageChannel.EMAIL
    return AppointmentMessageChannel.CALL


def message_queue(
    appointment: Appointment, kind: str, *, sms_consent: bool | None = None
) -> AppointmentMessage:
    """Record the message (in the caller's transaction) and send it once committed; without SMS
    or e-mail it is left for the counsellor to give by phone."""
    if sms_consent is None:
        sms_consent = _agreed_to_sms(appointment)
    channel = message_channel(appointment, sms_consent=sms_consent)
    message, _created = AppointmentMessage.objects.update_or_create(
        appointment=appointment,
        kind=kind,
        defaults={
            "channel": channel,
            "status": (
                AppointmentMessageStatus.TO_CALL
                if channel == AppointmentMessageChannel.CALL
                else AppointmentMessageStatus.QUEUED
            ),
            "text": sms_text(kind, appointment),
            "created_at": timezone.now(),
            "sent_at": None,
            "error": "",
        },
    )
    if channel != AppointmentMessageChannel.CALL:
        transaction.on_commit(lambda: send_appointment_message.enqueue(message.pk))
    return message


def _sms_consent():
    return Exists(
        Consent.objects.filter(
            beneficiary=OuterRef("beneficiary"), kind=ConsentKind.SMS_REMINDERS, granted=True
        )
    )


def _due(kind: str, queryset, now):
    return pick_free(
        Rank.RECORD,
        queryset.filter(status__in=ACTIVE_APPOINTMENT, starts_at__gt=now)
        .exclude(Exists(AppointmentMessage.objects.filter(appointment=OuterRef("pk"), kind=kind)))
        .select_related("site", "beneficiary", "referral")
        .annotate(sms_consent=_sms_consent())
        .order_by("pk"),
    )


@transaction.atomic(durable=True)
def appointment_reminders_enqueue(*, now: datetime | None = None) -> int:
    """Queue the reminders due: APPOINTMENT_REMINDER_HOURS before (for appointments booked
    earlier than that), and, if APPOINTMENT_MORNING_REMINDER, on the morning of the day (for
    those booked before that day). Idempotent: one message of a kind per appointment (database
    constraint); rows another run holds are skipped and left to it."""
    now = now or timezone.now()
    hours = timedelta(hours=settings.APPOINTMENT_REMINDER_HOURS)
    queued = 0
    for appointment in _due(
        AppointmentMessageKind.REMINDER,
        Appointment.objects.filter(
            starts_at__lte=now + hours, created_at__lte=F("starts_at") - hours
        ),
        now,
    ):
        consent = appointment.sms_consent or bool(
            appointment.referral_id and appointment.referral.sms_consent_attested
        )
        message_queue(appointment, AppointmentMessageKind.REMINDER, sms_consent=consent)
        queued += 1
    if settings.APPOINTMENT_MORNING_REMINDER:
        today = timezone.localdate(now)
        midnight = timezone.make_aware(datetime.combine(today, datetime.min.time()))
        for appointment in _due(
            AppointmentMessageKind.REMINDER_MORNING,
            Appointment.objects.filter(
                starts_at__lt=midnight + timedelta(days=1), created_at__lt=midnight
            ),
            now,
        ):
            consent = appointment.sms_consent or bool(
                appointment.referral_id and appointment.referral.sms_consent_attested
            )
            message_queue(appointment, AppointmentMessageKind.REMINDER_MORNING, sms_consent=consent)
            queued += 1
    return queued


# --- calendar feed -----------------------------------------------------------------------------


def calendar_feed_for(user) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(counsellor=user)
    return feed


@transaction.atomic(durable=True)
def calendar_token_reset(*, actor) -> CalendarFeed:
    """A new private address for the actor's calendar feed; the old one stops working."""
    feed = calendar_feed_for(actor)
    feed.token = new_calendar_token()
    feed.save(update_fields=["token"])
    audit_log(actor=actor, action=AuditAction.CALENDAR_TOKEN_RESET, obj=feed)
    return feed
