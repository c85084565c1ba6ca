import pghistory
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from connexions.models import ReceptionSite, User
from connexions.perms import Action, sites_for
from connexions.text import FREE_TEXT_MAX_LENGTH, bounded_text
from workshops.enums import (
    ATTENDANCE,
    SEATED,
    MessageChannel,
    MessageKind,
    RegistrationStatus,
    SessionStatus,
    TopicLevel,
)


class WorkshopTopicQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


@pghistory.track()
class WorkshopTopic(models.Model):
    """What a workshop teaches ("thème")."""

    title = models.CharField(_("title"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=FREE_TEXT_MAX_LENGTH)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=120)
    level = models.CharField(
        _("level"), max_length=20, choices=TopicLevel.choices, default=TopicLevel.BEGINNER
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = WorkshopTopicQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("workshop topic")
        verbose_name_plural = _("workshop topics")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="topic_duration_positive"
            ),
            bounded_text("description"),
        ]

    def __str__(self):
        return self.title


@pghistory.track()
class PartnerCompany(models.Model):
    """A company whose employees volunteer as facilitators (skills sponsorship)."""

    name = models.CharField(_("name"), max_length=150, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner company")
        verbose_name_plural = _("partner companies")

    def __str__(self):
        return self.name


class FacilitatorQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


@pghistory.track()
class Facilitator(models.Model):
    """Who runs a session: a staff member (`user`), or a volunteer of a partner company
    recorded with their name and contact."""

    user = models.OneToOneField(
        User,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facilitator",
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company = models.ForeignKey(
        PartnerCompany,
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteers",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = FacilitatorQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("facilitator")
        verbose_name_plural = _("facilitators")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, company__isnull=True)
                | (Q(user__isnull=True, company__isnull=False) & ~Q(last_name="")),
                name="facilitator_staff_or_named_volunteer",
                violation_error_message=_(
                    "A facilitator is either a staff member or a named volunteer of a company."
                ),
            )
        ]

    def __str__(self):
        if self.user_id:
            return self.user.get_full_name()
        return f"{self.first_name} {self.last_name} ({self.company})".strip()

    @property
    def is_volunteer(self) -> bool:
        return self.user_id is None


class WorkshopSessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Sessions of the sites where the user runs workshops (every site for programme
        admins; none for social workers)."""
        return self.filter(site__in=sites_for(user, Action.WORKSHOPS))

    def with_counts(self):
        """Seats taken and people waiting, counted in the same query."""
        return self.annotate(
            seats_taken=Count("registrations", filter=Q(registrations__status__in=SEATED)),
            waiting_count=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.WAITING)
            ),
        )


@pghistory.track(exclude=["cancel_reason", "last_queue_number"])
class WorkshopSession(models.Model):
    """One dated occurrence of a topic at a site ("séance")."""

    topic = models.ForeignKey(
        WorkshopTopic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="sessions"
    )
    site = models.ForeignKey(
        ReceptionSite,
        verbose_name=_("reception site"),
        on_delete=models.PROTECT,
        related_name="workshop_sessions",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    room = models.CharField(_("room"), max_length=100, blank=True)
    capacity = models.PositiveSmallIntegerField(_("seats"))
    facilitators = models.ManyToManyField(
        Facilitator, verbose_name=_("facilitators"), related_name="sessions", blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SessionStatus.choices,
        default=SessionStatus.SCHEDULED,
        db_index=True,
    )
    # Sessions created together as a weekly series share this number (the first one's id).
    series = models.PositiveBigIntegerField(_("series"), null=True, blank=True, db_index=True)
    # Arrival order of registrations: each new one takes the next number (under the row lock).
    last_queue_number = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)

    objects = WorkshopSessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("workshop session")
        verbose_name_plural = _("workshop sessions")
        indexes = [models.Index(fields=["site", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="session_capacity_positive"),
            models.CheckConstraint(
                condition=Q(status=SessionStatus.CANCELLED, cancelled_at__isnull=False)
                | (~Q(status=SessionStatus.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="session_cancelled_iff_date",
            ),
        ]

    def __str__(self):
        start = timezone.localtime(self.starts_at)
        return f"{self.topic} — {start:%d/%m/%Y %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def duration(self):
        return self.ends_at - self.starts_at


class RegistrationQuerySet(models.QuerySet):
    def seated(self):
        return self.filter(status__in=SEATED)

    def waiting(self):
        return self.filter(status=RegistrationStatus.WAITING).order_by("queue_number")


@pghistory.track()
class Registration(models.Model):
    """A person in a session ("inscription"): registered, waiting, cancelled, or as attendance
    recorded them. One row per person and session."""

    session = models.ForeignKey(
        WorkshopSession,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("beneficiary"),
        on_delete=models.PROTECT,
        related_name="workshop_registrations",
    )
    status = models.CharField(_("status"), max_length=12, choices=RegistrationStatus.choices)
    queue_number = models.PositiveIntegerField(_("arrival order"))
    registered_by = models.ForeignKey(
        User, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    promoted_at = models.DateTimeField(_("seat given at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    attendance_by = models.ForeignKey(
        User,
        verbose_name=_("attendance taken by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["queue_number"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "beneficiary"], name="registration_one_per_person"
            ),
            models.UniqueConstraint(
                fields=["session", "queue_number"], name="registration_unique_queue_number"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ATTENDANCE, attendance_by__isnull=False)
                | (~Q(status__in=ATTENDANCE) & Q(attendance_by__isnull=True)),
                name="registration_attendance_has_author",
            ),
        ]

    def __str__(self):
        return f"{self.session_id} / {self.beneficiary_id}: {self.status}"

    @property
    def is_seated(self) -> bool:
        return self.status in SEATED

    @property
    def is_active(self) -> bool:
        return self.status in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITING)


class Notification(models.Model):
    """A message sent (or to send) to a registered person: reminder, seat freed, session
    cancelled. A registration gets at most one reminder (database constraint), which keeps the
    reminder command idempotent."""

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(kind=MessageKind.REMINDER),
                name="notification_one_reminder_per_registration",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.channel} #{self.registration_id}"


# Appointments live in their own module; imported here so that Django finds the models.
from workshops.appointment_models import (  # noqa: E402, F401
    Absence,
    Appointment,
    AppointmentMessage,
    Availability,
    CalendarFeed,
    OpeningHours,
)
