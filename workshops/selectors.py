"""Reads of the workshops app: the week view, the session page, the beneficiary file section,
the referral outcomes, and the aggregate figures the impact dashboard reuses."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.sections import Outcome
from connexions.numbers import TENTH, percentage, rounded
from connexions.periods import Period
from workshops.enums import SEATED, RegistrationStatus, SessionStatus
from workshops.models import Facilitator, Registration, WorkshopSession


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_sessions(site, monday: date) -> list[tuple[date, list[WorkshopSession]]]:
    """The seven days of the week starting `monday` at `site`, each with its sessions (seats
    taken and people waiting counted): one query."""
    start, end = Period(monday, monday + timedelta(days=6)).bounds()
    sessions = (
        WorkshopSession.objects.filter(site=site, starts_at__gte=start, starts_at__lt=end)
        .with_counts()
        .select_related("topic")
        .order_by("starts_at", "id")
    )
    days = {monday + timedelta(days=n): [] for n in range(7)}
    for session in sessions:
        days[timezone.localtime(session.starts_at).date()].append(session)
    return list(days.items())


def session_for_page(queryset, pk: int) -> WorkshopSession:
    """A session with its topic, site, facilitators and registrations (people loaded)."""
    return (
        queryset.select_related("topic", "site")
        .prefetch_related(
            Prefetch(
                "facilitators", queryset=Facilitator.objects.select_related("user", "company")
            ),
            Prefetch(
                "registrations",
                queryset=Registration.objects.select_related("beneficiary").order_by(
                    "queue_number"
                ),
            ),
        )
        .get(pk=pk)
    )


def registrations_by_group(session: WorkshopSession) -> dict[str, list[Registration]]:
    """The session's (prefetched) registrations: seated (by name), waiting (arrival order),
    cancelled."""
    groups = {"seated": [], "waiting": [], "cancelled": []}
    for registration in session.registrations.all():
        if registration.status in SEATED:
            groups["seated"].append(registration)
        elif registration.status == RegistrationStatus.WAITING:
            groups["waiting"].append(registration)
        else:
            groups["cancelled"].append(registration)
    groups["seated"].sort(key=lambda r: (r.beneficiary.last_name, r.beneficiary.first_name))
    return groups


# --- beneficiary file and referral outcomes ----------------------------------------------------


def beneficiary_registrations(beneficiary) -> list[Registration]:
    """A person's workshops, latest first: one query."""
    return list(
        Registration.objects.filter(beneficiary=beneficiary)
        .select_related("session__topic", "session__site")
        .order_by("-session__starts_at", "-id")
    )


def attended_outcomes(referrals) -> dict[int, list[Outcome]]:
    """Workshops the referred people attended, for their referrers: one query. Names the topic
    and the date, nothing else."""
    attended = defaultdict(list)
    rows = (
        Registration.objects.filter(
            beneficiary_id__in={r.beneficiary_id for r in referrals},
            status=RegistrationStatus.PRESENT,
        )
        .order_by("session__starts_at", "id")
        .values("beneficiary_id", "session__starts_at", topic=F("session__topic__title"))
    )
    for row in rows:
        attended[row["beneficiary_id"]].append(
            Outcome(
                "workshops.attended",
                _("Workshop attended: %(topic)s") % {"topic": row["topic"]},
                timezone.localtime(row["session__starts_at"]).date(),
            )
        )
    return {r.pk: attended.get(r.beneficiary_id, []) for r in referrals}


# --- aggregate figures (site managers' page, impact dashboard) ---------------------------------


def _hours(duration: timedelta | None) -> Decimal:
    seconds = Decimal(int(duration.total_seconds())) if duration else Decimal(0)
    return rounded(seconds / 3600, TENTH)


@dataclass(frozen=True)
class TopicFigures:
    topic_id: int
    title: str
    sessions_held: int
    seats_offered: int
    registrations: int
    present: int
    absent: int
    excused: int

    @property
    def attendance_rate(self):
        return percentage(self.present, self.present + self.absent + self.excused)


@dataclass(frozen=True)
class WorkshopFigures:
    """Workshops in a period. Seats and sessions count scheduled and held sessions (not the
    cancelled ones); attendance and no-show rates are over the people whose attendance was
    taken (present + absent + excused); an excused absence is not a no-show."""

    sessions_held: int
    sessions_scheduled: int
    sessions_cancelled: int
    seats_offered: int
    registrations: int
    present: int
    absent: int
    excused: int
    waiting: int
    by_topic: list[TopicFigures] = field(default_factory=list)
    volunteer_hours: list[dict] = field(default_factory=list)  # [{"company", "hours"}]

    @property
    def marked(self) -> int:
        return self.present + self.absent + self.excused

    @property
    def attendance_rate(self):
        return percentage(self.present, self.marked)

    @property
    def no_show_rate(self):
        return percentage(self.absent, self.marked)

    @property
    def volunteer_hours_total(self) -> Decimal:
        return sum((row["hours"] for row in self.volunteer_hours), Decimal("0.0"))


def workshop_figures(*, period: Period, sites=None, agency=None) -> WorkshopFigures:
    """Sessions starting in `period` at `sites`: three queries. With `agency`, the counts of
    people (registrations, attendance, waiting) only count people referred by that agency
    (docs/architecture.md: the agency of the referral that enrolled them); sessions, seats and
    volunteer hours stay those of the sites."""
    start, end = period.bounds()
    sessions = WorkshopSession.objects.filter(starts_at__gte=start, starts_at__lt=end)
    if sites is not None:
        sessions = sessions.filter(site__in=sites)
    live = ~Q(status=SessionStatus.CANCELLED)
    held = Q(status=SessionStatus.HELD)

    session_rows = list(
        sessions.values("topic_id", title=F("topic__title"))
        .annotate(
            held=Count("pk", filter=held),
            scheduled=Count("pk", filter=Q(status=SessionStatus.SCHEDULED)),
            cancelled=Count("pk", filter=Q(status=SessionStatus.CANCELLED)),
            seats=Sum("capacity", filter=live, default=0),
        )
        .order_by("title")
    )

    people = Registration.objects.filter(session__in=sessions.filter(live))
    if agency is not None:
        people = people.filter(beneficiary__enrolment_referral__agency=agency)
    registration_rows = {
        row["session__topic_id"]: row
        for row in people.values("session__topic_id")
        .annotate(
            registrations=Count("pk", filter=Q(status__in=SEATED)),
            present=Count("pk", filter=Q(status=RegistrationStatus.PRESENT)),
            absent=Count("pk", filter=Q(status=RegistrationStatus.ABSENT)),
            excused=Count("pk", filter=Q(status=RegistrationStatus.EXCUSED)),
            waiting=Count("pk", filter=Q(status=RegistrationStatus.WAITING)),
        )
        .order_by()
    }

    empty = {"registrations": 0, "present": 0, "absent": 0, "excused": 0, "waiting": 0}
    by_topic = []
    for row in session_rows:
        counts = registration_rows.get(row["topic_id"], empty)
        by_topic.append(
            TopicFigures(
                topic_id=row["topic_id"],
                title=row["title"],
                sessions_held=row["held"],
                seats_offered=row["seats"],
                registrations=counts["registrations"],
                present=counts["present"],
                absent=counts["absent"],
                excused=counts["excused"],
            )
        )

    duration = ExpressionWrapper(
        F("workshopsession__ends_at") - F("workshopsession__starts_at"),
        output_field=DurationField(),
    )
    hours_rows = (
        WorkshopSession.facilitators.through.objects.filter(
            workshopsession__in=sessions.filter(held), facilitator__company__isnull=False
        )
        .values(company=F("facilitator__company__name"))
        .annotate(duration=Sum(duration))
        .order_by("company")
    )
    return WorkshopFigures(
        sessions_held=sum(r["held"] for r in session_rows),
        sessions_scheduled=sum(r["scheduled"] for r in session_rows),
        sessions_cancelled=sum(r["cancelled"] for r in session_rows),
        seats_offered=sum(r["seats"] for r in session_rows),
        registrations=sum(r["registrations"] for r in registration_rows.values()),
        present=sum(r["present"] for r in registration_rows.values()),
        absent=sum(r["absent"] for r in registration_rows.values()),
        excused=sum(r["excused"] for r in registration_rows.values()),
        waiting=sum(r["waiting"] for r in registration_rows.values()),
        by_topic=by_topic,
        volunteer_hours=[
            {"company": row["company"], "hours": _hours(row["duration"])} for row in hours_rows
        ],
    )


# The agendas' figures, read by the impact dashboard through this module.
from workshops.appointment_selectors import no_show_rates  # noqa: E402, F401
