"""Every write of the workshops app. Entry points are durable transactions that write an audit
row; messages to people are enqueued as tasks once the change is committed.

Seats: a session's row is locked (`SELECT ... FOR UPDATE`) before its registrations are counted
or changed, so concurrent registrations and cancellations of one session run one after the
other: capacity is never exceeded, and the waiting list is served in arrival order, once.
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.enums import ConsentKind
from beneficiaries.models import Beneficiary, Consent
from connexions.audit import audit_log
from connexions.errors import DomainError
from connexions.locking import Rank, lock_row, pick_free
from connexions.perms import Action, require
from workshops.enums import (
    ATTENDANCE,
    SEATED,
    AuditAction,
    MessageChannel,
    MessageKind,
    RegistrationStatus,
    SessionStatus,
)
from workshops.models import (
    Facilitator,
    Notification,
    PartnerCompany,
    Registration,
    WorkshopSession,
    WorkshopTopic,
)
from workshops.perms import may_manage_topics
from workshops.tasks import REMINDER_ATTEMPTS, send_notification

MAX_SERIES_WEEKS = 52


class WorkshopError(DomainError):
    """A workshop action refused, with a message fit for the user."""


# --- topics and facilitators -------------------------------------------------------------------


@transaction.atomic(durable=True)
def topic_save(*, topic: WorkshopTopic, actor) -> WorkshopTopic:
    if not may_manage_topics(actor):
        raise WorkshopError(_("Only programme admins manage workshop topics."))
    created = topic.pk is None
    topic.save()
    audit_log(actor=actor, action=AuditAction.TOPIC_SAVED, obj=topic, created=created)
    return topic


@transaction.atomic(durable=True)
def facilitator_save(*, facilitator: Facilitator, company_name: str = "", actor) -> Facilitator:
    """Record a staff facilitator, or a volunteer of a partner company (found by name, case
    ignored, or created)."""
    require(actor, Action.WORKSHOPS)
    company_name = " ".join(company_name.split())
    if facilitator.user_id is None:
        if not company_name or not facilitator.last_name.strip():
            raise WorkshopError(_("Name the volunteer and their company."))
        company = PartnerCompany.objects.filter(name__iexact=company_name).first()
        facilitator.company = company or PartnerCompany.objects.create(name=company_name)
    else:
        facilitator.company = None
        facilitator.first_name = facilitator.last_name = ""
    created = facilitator.pk is None
    facilitator.save()
    audit_log(actor=actor, action=AuditAction.FACILITATOR_SAVED, obj=facilitator, created=created)
    return facilitator


def staff_facilitator(user) -> Facilitator:
    """The facilitator record of a staff member, created the first time."""
    facilitator, _created = Facilitator.objects.get_or_create(user=user)
    return facilitator


# --- sessions ----------------------------------------------------------------------------------


def local_datetime(day: date, at: time) -> datetime:
    """Wall-clock time at the site (each week keeps its local time across the DST change)."""
    return timezone.make_aware(datetime.combine(day, at), timezone.get_current_timezone())


@transaction.atomic(durable=True)
def session_series_create(
    *,
    topic: WorkshopTopic,
    site,
    first_day: date,
    start: time,
    end: time,
    capacity: int,
    room: str = "",
    facilitators=(),
    weeks: int = 1,
    actor,
) -> list[WorkshopSession]:
    """Create a session, or a weekly series of `weeks` sessions at the same local time."""
    require(actor, Action.WORKSHOPS, site)
    if not 1 <= weeks <= MAX_SERIES_WEEKS:
        raise WorkshopError(
            _("A series lasts from 1 to %(max)d weeks.") % {"max": MAX_SERIES_WEEKS}
        )
    if end <= start:
        raise WorkshopError(_("The session must end after it starts."))
    if capacity < 1:
        raise WorkshopError(_("A session has at least one seat."))
    if not topic.is_active:
        raise WorkshopError(_("This topic is no longer offered."))
    sessions = []
    for week in range(weeks):
        day = first_day + timedelta(weeks=week)
        session = WorkshopSession.objects.create(
            topic=topic,
            site=site,
            starts_at=local_datetime(day, start),
            ends_at=local_datetime(day, end),
            room=room,
            capacity=capacity,
            created_by=actor,
        )
        session.facilitators.set(facilitators)
        sessions.append(session)
    if weeks > 1:
        WorkshopSession.objects.filter(pk__in=[s.pk for s in sessions]).update(
            series=sessions[0].pk
        )
        for session in sessions:
            session.series = sessions[0].pk
    audit_log(
        actor=actor,
        action=AuditAction.SESSIONS_CREATED,
        obj=sessions[0],
        site=site,
        weeks=weeks,
    )
    return sessions


def _lock_session(session_id: int) -> WorkshopSession:
    return lock_row(
        Rank.WORKSHOP_SESSION,
        WorkshopSession.objects.select_related("site", "topic"),
        pk=session_id,
    )


def _seats_taken(session: WorkshopSession) -> int:
    return session.registrations.filter(status__in=SEATED).count()


def _next_queue_number(session: WorkshopSession) -> int:
    """The session's next arrival number (an atomic increment)."""
    WorkshopSession.objects.filter(pk=session.pk).update(
        last_queue_number=F("last_queue_number") + 1
    )
    return WorkshopSession.objects.values_list("last_queue_number", flat=True).get(pk=session.pk)


@transaction.atomic(durable=True)
def session_update(
    *, session: WorkshopSession, room: str, capacity: int, facilitators, actor
) -> WorkshopSession:
    """Change the room, the facilitators or the number of seats; more seats go to the people
    waiting, in arrival order."""
    session = _lock_session(session.pk)
    require(actor, Action.WORKSHOPS, session.site)
    if session.is_cancelled:
        raise WorkshopError(_("This session is cancelled."))
    taken = _seats_taken(session)
    if capacity < max(taken, 1):
        raise WorkshopError(
            _("%(taken)d people already hold a seat: the session needs at least as many seats.")
            % {"taken": taken}
        )
    session.room, session.capacity = room, capacity
    session.save(update_fields=["room", "capacity"])
    session.facilitators.set(facilitators)
    audit_log(
        actor=actor,
        action=AuditAction.SESSION_UPDATED,
        obj=session,
        site=session.site,
        capacity=capacity,
    )
    _promote_waiting(session, actor)
    return session


@transaction.atomic(durable=True)
def session_cancel(*, session: WorkshopSession, reason: str, actor) -> WorkshopSession:
    """Cancel the whole session: everyone registered or waiting is told."""
    session = _lock_session(session.pk)
    require(actor, Action.WORKSHOPS, session.site)
    if session.status != SessionStatus.SCHEDULED:
        raise WorkshopError(
            _("This session is already %(status)s.")
            % {"status": session.get_status_display().lower()}
        )
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = timezone.now()
    session.cancel_reason = reason.strip()
    session.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    told = 0
    for registration in session.registrations.filter(
        status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITING]
    ).select_related("beneficiary"):
        told += _notify(registration, MessageKind.SESSION_CANCELLED) is not None
    audit_log(
        actor=actor,
        action=AuditAction.SESSION_CANCELLED,
        obj=session,
        site=session.site,
        notified=told,
    )
    return session


# --- registrations -----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def registration_create(
    *, session: WorkshopSession, beneficiary: Beneficiary, actor, now: datetime | None = None
) -> Registration:
    """Register the person, or put them on the waiting list when every seat is taken; only for
    a scheduled session that has not started (`now`: when the registration is made)."""
    session = _lock_session(session.pk)
    require(actor, Action.WORKSHOPS, session.site)
    if session.is_cancelled:
        raise WorkshopError(_("This session is cancelled."))
    now = now or timezone.now()
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= now:
        raise WorkshopError(_("This session has already started: nobody can register any more."))
    existing = Registration.objects.filter(session=session, beneficiary=beneficiary).first()
    if existing is not None and existing.status != RegistrationStatus.CANCELLED:
        raise WorkshopError(
            _("%(name)s is already in this session (%(status)s).")
            % {"name": beneficiary.full_name, "status": existing.get_status_display().lower()}
        )
    seated = _seats_taken(session) < session.capacity
    registration = existing or Registration(session=session, beneficiary=beneficiary)
    registration.status = RegistrationStatus.REGISTERED if seated else RegistrationStatus.WAITING
    registration.queue_number = _next_queue_number(session)
    registration.registered_by = actor
    registration.created_at = now
    registration.promoted_at = registration.cancelled_at = None
    registration.save()
    audit_log(
        actor=actor,
        action=AuditAction.REGISTRATION_SEATED if seated else AuditAction.REGISTRATION_WAITLISTED,
        obj=registration,
        site=session.site,
        session=session.pk,
    )
    return registration


@transaction.atomic(durable=True)
def registration_cancel(*, registration: Registration, actor) -> Registration:
    """Cancel a registration; a freed seat goes to the first person waiting, who is told."""
    session = _lock_session(registration.session_id)
    require(actor, Action.WORKSHOPS, session.site)
    # Every change to a session's registrations holds the session's lock: read under it.
    registration = Registration.objects.select_related("beneficiary").get(pk=registration.pk)
    if not registration.is_active:
        raise WorkshopError(
            _("This registration is already %(status)s.")
            % {"status": registration.get_status_display().lower()}
        )
    freed = registration.status == RegistrationStatus.REGISTERED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    audit_log(
        actor=actor,
        action=AuditAction.REGISTRATION_CANCELLED,
        obj=registration,
        site=session.site,
        session=session.pk,
    )
    if freed:
        _promote_waiting(session, actor)
    return registration


def _promote_waiting(session: WorkshopSession, actor) -> list[Registration]:
    """Give the free seats of a locked, scheduled session to the people waiting longest."""
    if session.status != SessionStatus.SCHEDULED:
        return []
    free = session.capacity - _seats_taken(session)
    if free <= 0:
        return []
    promoted = list(
        Registration.objects.filter(session=session, status=RegistrationStatus.WAITING)
        .select_related("beneficiary")
        .order_by("queue_number")[:free]
    )
    now = timezone.now()
    for registration in promoted:
        registration.status = RegistrationStatus.REGISTERED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
        audit_log(
            actor=actor,
            action=AuditAction.REGISTRATION_PROMOTED,
            obj=registration,
            site=session.site,
            session=session.pk,
        )
        _notify(registration, MessageKind.PROMOTED)
    return promoted


# --- attendance --------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def attendance_record(*, session: WorkshopSession, marks: dict[int, str], actor) -> WorkshopSession:
    """Mark people present, absent or excused (`marks`: registration id -> status); the
    session is then held. Only from the day of the session."""
    session = _lock_session(session.pk)
    require(actor, Action.WORKSHOPS, session.site)
    if session.is_cancelled:
        raise WorkshopError(_("This session is cancelled."))
    if timezone.localtime(session.starts_at).date() > timezone.localdate():
        raise WorkshopError(_("Attendance is taken from the day of the session."))
    if any(status not in ATTENDANCE for status in marks.values()):
        raise WorkshopError(_("Choose present, absent or excused."))
    registrations = list(session.registrations.filter(status__in=SEATED, pk__in=list(marks)))
    if not registrations:
        raise WorkshopError(_("Mark at least one person."))
    for registration in registrations:
        registration.status = marks[registration.pk]
        registration.attendance_by = actor
    Registration.objects.bulk_update(registrations, ["status", "attendance_by"])
    if session.status != SessionStatus.HELD:
        session.status = SessionStatus.HELD
        session.save(update_fields=["status"])
    audit_log(
        actor=actor,
        action=AuditAction.ATTENDANCE_RECORDED,
        obj=session,
        site=session.site,
        marked=len(registrations),
    )
    return session


# --- messages ----------------------------------------------------------------------------------


def contact_channel(beneficiary: Beneficiary, *, sms_consent: bool) -> str | None:
    """SMS to people who agreed to SMS and have a mobile number, else e-mail if they have one."""
    if sms_consent and beneficiary.phone:
        return MessageChannel.SMS
    if beneficiary.email:
        return MessageChannel.EMAIL
    return None


def _sms_consent():
    return Exists(
        Consent.objects.filter(
            beneficiary=OuterRef("beneficiary"), kind=ConsentKind.SMS_REMINDERS, granted=True
        )
    )


def _notify(registration: Registration, kind: str) -> Notification | None:
    consent = Consent.objects.filter(
        beneficiary=registration.beneficiary, kind=ConsentKind.SMS_REMINDERS, granted=True
    ).exists()
    channel = contact_channel(registration.beneficiary, sms_consent=consent)
    if channel is None:
        return None
    notification = Notification.objects.create(
        registration=registration, kind=kind, channel=channel
    )
    transaction.on_commit(lambda: send_notification.enqueue(notification.pk))
    return notification


@transaction.atomic(durable=True)
def reminders_enqueue(*, now: datetime | None = None) -> int:
    """Enqueue one reminder per registration to a session starting within
    WORKSHOP_REMINDER_HOURS, and again the reminders that failed (up to REMINDER_ATTEMPTS
    tries). Idempotent: a registration reminded once never is again (database constraint, and
    a sent reminder is never retried); rows another run holds are skipped and left to it."""
    now = now or timezone.now()
    horizon = now + timedelta(hours=settings.WORKSHOP_REMINDER_HOURS)
    due = pick_free(
        Rank.REGISTRATION,
        Registration.objects.filter(
            status=RegistrationStatus.REGISTERED,
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__gt=now,
            session__starts_at__lte=horizon,
        )
        .exclude(
            Exists(
                Notification.objects.filter(registration=OuterRef("pk"), kind=MessageKind.REMINDER)
            )
        )
        .annotate(sms_consent=_sms_consent())
        .select_related("beneficiary")
        .order_by("pk"),
    )
    reminders = []
    for registration in due:
        channel = contact_channel(registration.beneficiary, sms_consent=registration.sms_consent)
        if channel is not None:
            reminders.append(
                Notification(registration=registration, kind=MessageKind.REMINDER, channel=channel)
            )
    Notification.objects.bulk_create(reminders)
    ids = [reminder.pk for reminder in reminders]
    # Reminders whose sending failed are tried again, a bounded number of times; one that was
    # sent (sent_at set) never is. Clearing the error marks it as queued again.
    retry = pick_free(
        Rank.REGISTRATION,
        Notification.objects.filter(
            kind=MessageKind.REMINDER,
            sent_at__isnull=True,
            attempts__gte=1,
            attempts__lt=REMINDER_ATTEMPTS,
            registration__status=RegistrationStatus.REGISTERED,
            registration__session__status=SessionStatus.SCHEDULED,
            registration__session__starts_at__gt=now,
            registration__session__starts_at__lte=horizon,
        )
        .exclude(error="")
        .order_by("pk")
        .only("pk"),
    )
    retry = [notification.pk for notification in retry]
    Notification.objects.filter(pk__in=retry).update(error="")
    ids += retry
    transaction.on_commit(lambda: [send_notification.enqueue(pk) for pk in ids])
    return len(ids)
