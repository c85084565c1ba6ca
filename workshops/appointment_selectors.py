"""Reads of the agendas: free slots, the day of a site, the week of a counsellor, a person's
appointments, and the no-show figures."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from connexions.enums import SiteRole, UserKind
from connexions.models import ReceptionSite, User
from workshops.enums import KIND_MINUTES, AppointmentKind, AppointmentStatus
from workshops.models import Absence, Appointment, AppointmentMessage, Availability, OpeningHours

SLOT_STEP_MINUTES = 15
SLOT_SEARCH_DAYS = 42

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Slot:
    counsellor: User
    starts_at: datetime
    ends_at: datetime

    @property
    def key(self) -> str:
        """How a slot travels in a form: counsellor id and start (UTC, ISO)."""
        return f"{self.counsellor.pk}@{self.starts_at.astimezone(UTC).isoformat()}"


def local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at), timezone.get_current_timezone())


def _intersect(windows: list[Interval], limits: list[Interval]) -> list[Interval]:
    found = []
    for start, end in windows:
        for low, high in limits:
            lo, hi = max(start, low), min(end, high)
            if lo < hi:
                found.append((lo, hi))
    return found


def _merged(windows: list[Interval]) -> list[Interval]:
    """The windows joined where they overlap or touch (9:30-12:30 and 12:30-14:00 make one)."""
    merged: list[Interval] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _covers(windows: list[Interval], start: datetime, end: datetime) -> bool:
    return any(low <= start and end <= high for low, high in _merged(windows))


def slot_starts(
    windows: list[Interval], busy: list[Interval], minutes: int, after: datetime
) -> list[datetime]:
    """Starts of non-overlapping slots of `minutes` inside `windows`, on a 15-minute grid from
    each window's start, none before `after` and none overlapping `busy`."""
    length = timedelta(minutes=minutes)
    step = timedelta(minutes=SLOT_STEP_MINUTES)
    starts = []
    for window_start, window_end in sorted(windows):
        start = window_start
        while start + length <= window_end:
            end = start + length
            clash = next((b for b in busy if b[0] < end and start < b[1]), None)
            if start < after:
                start += step
            elif clash is not None:
                start += step
            else:
                starts.append(start)
                start = end
    return starts


def site_counsellors(site: ReceptionSite):
    """Staff who receive people at `site`."""
    return User.objects.filter(
        is_active=True,
        kind=UserKind.SITE_STAFF,
        memberships__site=site,
        memberships__role__in=[SiteRole.COUNSELLOR, SiteRole.SITE_MANAGER],
    ).order_by("first_name", "last_name", "pk")


def _busy_times(counsellor_ids, start, end) -> dict[int, list[Interval]]:
    """Active appointments (at any site) and absences of these counsellors, by counsellor."""
    busy = defaultdict(list)
    for queryset in (Appointment.objects.active(), Absence.objects.all()):
        for counsellor_id, starts_at, ends_at in queryset.filter(
            counsellor__in=counsellor_ids, starts_at__lt=end, ends_at__gt=start
        ).values_list("counsellor_id", "starts_at", "ends_at"):
            busy[counsellor_id].append((starts_at, ends_at))
    return busy


def free_slots(
    *,
    site: ReceptionSite,
    kind: str,
    after: datetime | None = None,
    count: int = 8,
    counsellor: User | None = None,
) -> list[Slot]:
    """The next free slots of the site's counsellors for an appointment of `kind`: inside their
    weekly availability at the site and the site's opening hours (when it has any), outside
    their absences and their active appointments at any site."""
    after = after or timezone.now()
    minutes = KIND_MINUTES[AppointmentKind(kind)]
    people = site_counsellors(site)
    if counsellor is not None:
        people = people.filter(pk=counsellor.pk)
    by_id = {user.pk: user for user in people}
    patterns = defaultdict(list)
    for row in Availability.objects.filter(site=site, counsellor__in=list(by_id)):
        patterns[row.counsellor_id].append(row)
    if not patterns:
        return []
    opening = defaultdict(list)
    for row in OpeningHours.objects.filter(site=site):
        opening[row.weekday].append(row)
    has_opening_hours = bool(opening)
    first_day = timezone.localtime(after).date()
    last_day = first_day + timedelta(days=SLOT_SEARCH_DAYS)
    horizon = local(last_day, time.max)
    busy = _busy_times(list(patterns), after, horizon)
    slots: list[Slot] = []
    day = first_day
    while day <= last_day and len(slots) < count:
        weekday = day.weekday()
        limits = [(local(day, o.opens), local(day, o.closes)) for o in opening[weekday]]
        found = []
        for counsellor_id, rows in patterns.items():
            windows = [
                (local(day, r.starts), local(day, r.ends)) for r in rows if r.weekday == weekday
            ]
            if has_opening_hours:
                windows = _intersect(windows, limits)
            for start in slot_starts(windows, busy[counsellor_id], minutes, after):
                found.append(Slot(by_id[counsellor_id], start, start + timedelta(minutes=minutes)))
        found.sort(key=lambda s: (s.starts_at, s.counsellor.get_full_name(), s.counsellor.pk))
        slots.extend(found)
        day += timedelta(days=1)
    return slots[:count]


def availability_refusal(
    *, site: ReceptionSite, counsellor: User, starts_at: datetime, ends_at: datetime
) -> str:
    """Why `counsellor` cannot receive someone at `site` from `starts_at` to `ends_at`, or ""
    when they can: the same rule as `free_slots` (inside their weekly availability at the site
    and the site's opening hours, when it has any; outside their absences)."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    day = start.date()
    opening = [
        (local(day, row.opens), local(day, row.closes))
        for row in OpeningHours.objects.filter(site=site, weekday=day.weekday())
    ]
    if (opening or OpeningHours.objects.filter(site=site).exists()) and not _covers(
        opening, start, end
    ):
        return _("%(site)s is closed at that time: choose a time within its opening hours.") % {
            "site": site.name
        }
    available = [
        (local(day, row.starts), local(day, row.ends))
        for row in Availability.objects.filter(
            site=site, counsellor=counsellor, weekday=day.weekday()
        )
    ]
    if not _covers(available, start, end):
        return _(
            "%(name)s does not receive people at %(site)s at that time: choose one of the free "
            "slots."
        ) % {"name": counsellor.get_full_name(), "site": site.name}
    absence = (
        Absence.objects.filter(counsellor=counsellor, starts_at__lt=end, ends_at__gt=start)
        .order_by("starts_at")
        .first()
    )
    if absence is not None:
        return _("%(name)s is away at that time (%(reason)s): choose another slot.") % {
            "name": counsellor.get_full_name(),
            "reason": absence.get_reason_display().lower(),
        }
    return ""


def day_appointments(site: ReceptionSite, day: date):
    start = local(day, time.min)
    return (
        Appointment.objects.filter(
            site=site, starts_at__gte=start, starts_at__lt=start + timedelta(days=1)
        )
        .select_related("counsellor", "beneficiary", "referral")
        .order_by("starts_at", "counsellor__last_name", "pk")
    )


def staff_of(sites):
    """Staff who receive people at any of `sites`."""
    return (
        User.objects.filter(
            is_active=True,
            kind=UserKind.SITE_STAFF,
            memberships__site__in=sites,
            memberships__role__in=[SiteRole.COUNSELLOR, SiteRole.SITE_MANAGER],
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def week_appointments(counsellor: User, monday: date, sites) -> list[tuple[date, list]]:
    """A counsellor's appointments at `sites`, Monday to Sunday."""
    start = local(monday, time.min)
    rows = (
        Appointment.objects.filter(
            site__in=sites,
            counsellor=counsellor,
            starts_at__gte=start,
            starts_at__lt=local(monday + timedelta(days=7), time.min),
        )
        .select_related("site", "beneficiary", "referral")
        .order_by("starts_at", "pk")
    )
    days = {monday + timedelta(days=i): [] for i in range(7)}
    for appointment in rows:
        days[timezone.localtime(appointment.starts_at).date()].append(appointment)
    return list(days.items())


def feed_appointments(counsellor: User, now: datetime):
    """What a counsellor's calendar feed holds: the last 30 days and the next 180, without the
    cancelled or moved ones."""
    return (
        Appointment.objects.filter(
            counsellor=counsellor,
            starts_at__gte=now - timedelta(days=30),
            starts_at__lt=now + timedelta(days=180),
        )
        .exclude(
            status__in=[
                AppointmentStatus.CANCELLED_BY_PERSON,
                AppointmentStatus.CANCELLED_BY_SITE,
                AppointmentStatus.RESCHEDULED,
            ]
        )
        .select_related("site")
        .order_by("starts_at")
    )


def person_appointments(*, beneficiary=None, referral=None):
    """Appointments of an enrolled person (including those booked for their referral), or of a
    referral's person."""
    if beneficiary is not None:
        condition = Q(beneficiary=beneficiary) | Q(referral__beneficiary=beneficiary)
    else:
        condition = Q(referral=referral)
    return (
        Appointment.objects.filter(condition)
        .select_related("site", "counsellor")
        .order_by("-starts_at", "-pk")
    )


def person_messages(appointments):
    return AppointmentMessage.objects.filter(appointment__in=appointments).select_related(
        "appointment"
    )


def file_context(beneficiary) -> dict:
    appointments = list(person_appointments(beneficiary=beneficiary)[:20])
    return {
        "appointments": appointments,
        "appointment_messages": list(person_messages(appointments)[:20]),
        "now": timezone.now(),
    }


# --- figures -----------------------------------------------------------------------------------

# Appointments whose outcome is known: the person came or did not.
SETTLED = (AppointmentStatus.ARRIVED, AppointmentStatus.DONE, AppointmentStatus.NO_SHOW)


def no_show_rates(*, period, sites=None, agency=None) -> list[dict]:
    """For each site and kind: appointments of `period` whose outcome is known (the person came
    or did not), no-shows among them and their rate in % (None when nothing was settled). With
    `agency`, only the people it referred (their enrolment referral, or the referral booked)."""
    start, end = period.bounds()
    rows = Appointment.objects.filter(starts_at__gte=start, starts_at__lt=end, status__in=SETTLED)
    if sites is not None:
        rows = rows.filter(site__in=sites)
    if agency is not None:
        rows = rows.filter(
            Q(beneficiary__enrolment_referral__agency=agency) | Q(referral__agency=agency)
        )
    rows = (
        rows.values("site__name", "kind")
        .annotate(
            settled=Count("pk"), no_shows=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW))
        )
        .order_by("site__name", "kind")
    )
    return [
        {
            "site": row["site__name"],
            "kind": AppointmentKind(row["kind"]).label,
            "settled": row["settled"],
            "no_shows": row["no_shows"],
            "rate": round(100 * row["no_shows"] / row["settled"], 1) if row["settled"] else None,
        }
        for row in rows
    ]


def appointment_outcomes(referrals) -> dict[int, list]:
    """For the referral page of a social worker (people who share outcomes): the date and site
    of their appointments to come or held, never their kind or the counsellor."""
    from beneficiaries.sections import Outcome

    by_person = defaultdict(list)
    for referral in referrals:
        by_person[referral.beneficiary_id].append(referral.pk)
    rows = (
        Appointment.objects.filter(beneficiary__in=list(by_person))
        .exclude(
            status__in=[
                AppointmentStatus.CANCELLED_BY_PERSON,
                AppointmentStatus.CANCELLED_BY_SITE,
                AppointmentStatus.RESCHEDULED,
            ]
        )
        .select_related("site")
        .order_by("starts_at")
    )
    found = defaultdict(list)
    for appointment in rows:
        start = timezone.localtime(appointment.starts_at)
        label = _("Appointment on %(date)s at %(time)s, %(site)s") % {
            "date": formats.date_format(start, "j F Y"),
            "time": formats.time_format(start, "G\\hi"),
            "site": appointment.site.name,
        }
        for referral_id in by_person[appointment.beneficiary_id]:
            found[referral_id].append(Outcome("appointments.booked", label, start.date()))
    return found
