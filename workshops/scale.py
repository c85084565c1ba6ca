"""Programme-scale demo (`seed_demo --scale programme`; `seed_scale` writes no workshops): one
session a week at every site since the launch, alternating two slots, the programme's topics
in turn, run by the site's first staff member. A person joins a few sessions at their own site
in the months after enrolling (none for some, up to four); full sessions put the next ones on a
waiting list; past sessions are held with attendance taken (a few cancelled), later ones are
scheduled. Written through the bulk writer (`connexions/bulk.py`)."""

from collections import defaultdict
from datetime import timedelta

from django.utils import timezone

from beneficiaries.scale import enrolment_day
from connexions.bulk import BulkWriter, ScalePlan, instance
from connexions.models import User
from workshops import services
from workshops.demo import SLOTS, TOPICS
from workshops.enums import RegistrationStatus, SessionStatus
from workshops.models import Registration, WorkshopSession, WorkshopTopic

REQUIRES_EMPTY = [WorkshopSession]
CAPACITY = 8
WAITING_LIST = 3
CANCEL_RATE = 0.04
# How many sessions a person joins, drawn from these (about 1.6 on average).
SESSIONS_PER_PERSON = [0, 0, 1, 1, 1, 2, 2, 3, 4]


def seed(plan: ScalePlan, writer: BulkWriter) -> None:
    if not plan.demo:
        return
    rng = plan.rng("workshops")
    topics = [
        WorkshopTopic.objects.update_or_create(
            title=title,
            defaults={"description": text, "duration_minutes": minutes, "level": level},
        )[0]
        for title, text, minutes, level in TOPICS
    ]
    sites, staff = plan.shared["sites"], plan.shared["staff"]
    now = timezone.now()
    session_ids = writer.ids(WorkshopSession)
    sessions: dict[int, list] = {}
    for position, site in enumerate(sites):
        facilitator = services.staff_facilitator(User.objects.get(pk=staff[site][0]))
        monday = plan.start - timedelta(days=plan.start.weekday())
        rows = []
        week = 0
        while monday + timedelta(weeks=week) <= plan.today + timedelta(weeks=3):
            weekday, start, room = SLOTS[(week + position) % len(SLOTS)]
            topic = topics[(week + position) % len(topics)]
            day = monday + timedelta(weeks=week, days=weekday)
            starts_at = services.local_datetime(day, start)
            cancelled = starts_at < now and rng.random() < CANCEL_RATE
            session = instance(
                WorkshopSession,
                pk=next(session_ids),
                topic_id=topic.pk,
                site_id=site,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=topic.duration_minutes),
                room=room,
                capacity=CAPACITY,
                status=SessionStatus.CANCELLED
                if cancelled
                else SessionStatus.HELD
                if starts_at < now
                else SessionStatus.SCHEDULED,
                created_by_id=staff[site][0],
                created_at=starts_at - timedelta(days=30),
                cancelled_at=starts_at - timedelta(days=2) if cancelled else None,
            )
            session.facilitator_id = facilitator.pk
            rows.append(session)
            week += 1
        sessions[site] = rows
    registrations = _registrations(rng, plan, sessions, staff)
    through = WorkshopSession.facilitators.through
    for rows in sessions.values():
        writer.add_all(rows)
        writer.add_all(
            instance(through, workshopsession_id=s.pk, facilitator_id=s.facilitator_id)
            for s in rows
        )
    writer.add_all(registrations)
    writer.flush()


def _registrations(rng, plan, sessions, staff) -> list:
    """Each person's few sessions at their site, in their first six months, in time order of
    the sessions (seats first come, first served; then the waiting list)."""
    first, count = plan.shared["people"]
    sites = plan.shared["sites"]
    wanted: dict[int, list[int]] = defaultdict(list)  # session id -> people, in arrival order
    by_id = {}
    for index in range(count):
        site = sites[index % len(sites)]
        enrolled_on = enrolment_day(plan, index)
        choices = [
            s
            for s in sessions[site]
            if enrolled_on < s.starts_at.date() <= enrolled_on + timedelta(days=180)
        ]
        for session in rng.sample(choices, min(len(choices), rng.choice(SESSIONS_PER_PERSON))):
            wanted[session.pk].append(first + index)
            by_id[session.pk] = session
    now = timezone.now()
    rows = []
    for session_id, people in sorted(wanted.items()):
        session = by_id[session_id]
        counsellor = staff[session.site_id][0]
        seated = 0
        # Past sessions keep the seated only; later ones may have a waiting list.
        people = people[: CAPACITY + (WAITING_LIST if session.starts_at >= now else 0)]
        for number, person in enumerate(people, start=1):
            status, marked = _status(rng, session, seated, now)
            seated += status != RegistrationStatus.WAITING
            rows.append(
                instance(
                    Registration,
                    session_id=session_id,
                    beneficiary_id=person,
                    status=status,
                    queue_number=number,
                    registered_by_id=counsellor,
                    created_at=session.starts_at - timedelta(days=rng.randint(2, 20)),
                    cancelled_at=session.cancelled_at
                    if status == RegistrationStatus.CANCELLED
                    else None,
                    attendance_by_id=counsellor if marked else None,
                )
            )
        session.last_queue_number = len(people)
    return rows


def _status(rng, session, seated: int, now) -> tuple[str, bool]:
    """A registration's status, and whether attendance was taken."""
    if session.status == SessionStatus.CANCELLED:
        return RegistrationStatus.CANCELLED, False
    if seated >= CAPACITY:
        return RegistrationStatus.WAITING, False
    if session.starts_at >= now:
        return RegistrationStatus.REGISTERED, False
    mark = rng.choices(
        [RegistrationStatus.PRESENT, RegistrationStatus.ABSENT, RegistrationStatus.EXCUSED],
        weights=[7, 2, 1],
    )[0]
    return mark, True
