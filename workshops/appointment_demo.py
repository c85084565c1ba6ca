"""Demo agendas: opening hours and the counsellors' availability at each site, past
appointments (done, or the person did not come) and appointments booked for the coming days in
the first free slots, through the booking service. Idempotent: a site that already has
appointments is left as it is."""

import random
from datetime import time, timedelta

from django.utils import timezone

from beneficiaries.models import Beneficiary
from connexions.models import ReceptionSite, SiteMembership
from workshops.appointment_selectors import free_slots, local
from workshops.appointment_services import appointment_book
from workshops.enums import KIND_MINUTES, AppointmentKind, AppointmentStatus
from workshops.models import Appointment, Availability, OpeningHours

# Monday to Friday, 9:30-12:30 and 14:00-17:30 (the sites' published hours).
PERIODS = [(time(9, 30), time(12, 30)), (time(14, 0), time(17, 30))]
KINDS = [
    AppointmentKind.SUPPORT,
    AppointmentKind.SUPPORT,
    AppointmentKind.FOLLOW_UP,
    AppointmentKind.MEDIATION,
    AppointmentKind.DEVICE_HANDOVER,
]


def seed():
    rng = random.Random(16)
    for site in ReceptionSite.objects.order_by("pk"):
        staff = [
            m.user
            for m in SiteMembership.objects.filter(site=site).select_related("user").order_by("pk")
        ]
        for weekday in range(5):
            for opens, closes in PERIODS:
                OpeningHours.objects.get_or_create(
                    site=site, weekday=weekday, opens=opens, closes=closes
                )
                for user in staff:
                    Availability.objects.get_or_create(
                        counsellor=user, site=site, weekday=weekday, starts=opens, ends=closes
                    )
        people = list(Beneficiary.objects.filter(enrolled_site=site).order_by("pk")[:12])
        if not staff or not people or Appointment.objects.filter(site=site).exists():
            continue
        _past(rng, site, staff, people)
        _future(rng, site, staff[0], people)


def _past(rng, site, staff, people):
    """Two weeks of appointments already held: most people came, some did not."""
    today = timezone.localdate()
    for days_ago in range(1, 15):
        day = today - timedelta(days=days_ago)
        if day.weekday() >= 5:
            continue
        for hour in rng.sample([10, 11, 14, 15, 16], 2):
            kind = rng.choice(KINDS)
            starts_at = local(day, time(hour))
            Appointment.objects.create(
                site=site,
                counsellor=rng.choice(staff),
                beneficiary=rng.choice(people),
                kind=kind,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=KIND_MINUTES[kind]),
                status=rng.choices(
                    [AppointmentStatus.DONE, AppointmentStatus.NO_SHOW], weights=[4, 1]
                )[0],
                booked_by=staff[0],
                created_at=starts_at - timedelta(days=7),
                status_changed_at=starts_at + timedelta(minutes=30),
            )


def _future(rng, site, actor, people):
    """The next free slots, booked for people of the site."""
    for person in rng.sample(people, min(6, len(people))):
        kind = rng.choice(KINDS)
        after = timezone.now() + timedelta(days=rng.randint(0, 10))
        slots = free_slots(site=site, kind=kind, after=after, count=1)
        if slots:
            appointment_book(
                site=site,
                counsellor=slots[0].counsellor,
                kind=kind,
                starts_at=slots[0].starts_at,
                beneficiary=person,
                actor=actor,
            )
