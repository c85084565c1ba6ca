"""Agendas and one-to-one appointments: opening hours of a site, counsellors' weekly availability
and absences, appointments and the messages sent about them (imported by workshops.models)."""

import secrets

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary, Referral
from connexions.models import ReceptionSite, User
from connexions.perms import Action, sites_for
from connexions.text import FREE_TEXT_MAX_LENGTH, bounded_text
from workshops.enums import (
    ACTIVE_APPOINTMENT,
    AbsenceReason,
    AppointmentKind,
    AppointmentMessageChannel,
    AppointmentMessageKind,
    AppointmentMessageStatus,
    AppointmentStatus,
)

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()  # only used inside the constraint's expression


class OpeningHours(models.Model):
    """One opening period of a site on a weekday (a site open morning and afternoon has two)."""

    site = models.ForeignKey(
        ReceptionSite,
        verbose_name=_("reception site"),
        on_delete=models.CASCADE,
        related_name="opening_periods",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    opens = models.TimeField(_("opens at"))
    closes = models.TimeField(_("closes at"))

    class Meta:
        ordering = ["site", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")), name="opening_closes_after_opening"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_weekday_valid"),
        ]

    def __str__(self):
        return f"{self.site} {self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Availability(models.Model):
    """When a counsellor receives people at a site, every week."""

    counsellor = models.ForeignKey(
        User, verbose_name=_("counsellor"), on_delete=models.CASCADE, related_name="availability"
    )
    site = models.ForeignKey(
        ReceptionSite, verbose_name=_("reception site"), on_delete=models.CASCADE, related_name="+"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))

    class Meta:
        ordering = ["counsellor", "weekday", "starts"]
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=models.F("starts")), name="availability_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="availability_weekday_valid"),
        ]

    def __str__(self):
        return (
            f"{self.counsellor} {self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"
        )


class Absence(models.Model):
    """An exception to the weekly pattern: leave, training."""

    counsellor = models.ForeignKey(
        User, verbose_name=_("counsellor"), on_delete=models.CASCADE, related_name="absences"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    reason = models.CharField(_("reason"), max_length=10, choices=AbsenceReason.choices)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="absence_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.counsellor} {self.get_reason_display()}"


class AppointmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Appointments at the sites where the user receives people (all for programme admins)."""
        return self.filter(site__in=sites_for(user, Action.SUPPORT))

    def active(self):
        return self.filter(status__in=ACTIVE_APPOINTMENT)


class Appointment(models.Model):
    """A person's appointment with a counsellor at a site. The person is enrolled
    (`beneficiary`) or not yet (`referral`: the person of a pending or accepted referral)."""

    site = models.ForeignKey(
        ReceptionSite,
        verbose_name=_("reception site"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    counsellor = models.ForeignKey(
        User, verbose_name=_("counsellor"), on_delete=models.PROTECT, related_name="appointments"
    )
    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("beneficiary"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AppointmentKind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
        db_index=True,
    )
    rescheduled_from = models.OneToOneField(
        "self",
        verbose_name=_("moved from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rescheduled_to",
    )
    booked_by = models.ForeignKey(
        User, verbose_name=_("booked by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["site", "starts_at"]),
            models.Index(fields=["counsellor", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(beneficiary__isnull=False) | Q(referral__isnull=False),
                name="appointment_has_person",
            ),
            # Nobody is booked twice at once: two active appointments of one counsellor never
            # overlap ("[)": one may start when the other ends).
            ExclusionConstraint(
                name="appointment_counsellor_no_overlap",
                expressions=[
                    ("counsellor", RangeOperators.EQUAL),
                    (
                        TsTzRange("starts_at", "ends_at", models.Value("[)")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(status__in=ACTIVE_APPOINTMENT),
                violation_error_message=_("The counsellor already has an appointment then."),
            ),
        ]

    def __str__(self):
        start = timezone.localtime(self.starts_at)
        return f"{self.get_kind_display()} — {start:%d/%m/%Y %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_APPOINTMENT

    @property
    def person_first_name(self) -> str:
        return (self.beneficiary or self.referral).first_name

    @property
    def person_name(self) -> str:
        return (self.beneficiary or self.referral).full_name


class AppointmentMessage(models.Model):
    """A message to the person about an appointment, sent, failed, or to give by phone. The
    text is kept only until it is sent. One message of each kind per appointment (database
    constraint): the reminder command may run any number of times."""

    appointment = models.ForeignKey(
        Appointment,
        verbose_name=_("appointment"),
        on_delete=models.PROTECT,
        related_name="messages",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AppointmentMessageKind.choices)
    channel = models.CharField(
        _("channel"), max_length=10, choices=AppointmentMessageChannel.choices
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AppointmentMessageStatus.choices,
        default=AppointmentMessageStatus.QUEUED,
    )
    text = models.TextField(_("text"), blank=True, max_length=FREE_TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("appointment message")
        verbose_name_plural = _("appointment messages")
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind"], name="appointment_message_one_per_kind"
            ),
            bounded_text("text"),
        ]

    def __str__(self):
        return f"{self.kind} {self.channel} #{self.appointment_id}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A counsellor's private iCalendar address; resetting the token cuts old subscriptions."""

    counsellor = models.OneToOneField(
        User, verbose_name=_("counsellor"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_calendar_token)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.counsellor)
