"""Demo workshops: the programme's usual topics, volunteers from partner companies, past and
upcoming sessions at several sites with registrations (a waiting list here and there) and
attendance, all through the services. Idempotent: a session already there (same site, topic
and start) is left as it is."""

import random
from datetime import time, timedelta

from django.utils import timezone

from beneficiaries.models import Beneficiary
from connexions.demo import SITES
from connexions.models import ReceptionSite, SiteMembership, User
from workshops import appointment_demo, services
from workshops.enums import TopicLevel
from workshops.models import Facilitator, WorkshopSession, WorkshopTopic

TOPICS = [
    (
        "Choisir une offre adaptée",
        "Comparer les forfaits et les cartes prépayées, repérer les frais cachés, choisir selon "
        "ses usages et son budget.",
        120,
        TopicLevel.BEGINNER,
    ),
    (
        "Résilier un contrat",
        "Les démarches pour résilier un abonnement mobile ou internet, les délais, la loi Chatel "
        "et les frais de résiliation.",
        90,
        TopicLevel.BEGINNER,
    ),
    (
        "Lire une facture",
        "Comprendre chaque ligne d'une facture télécom, repérer les options payantes et les "
        "hors-forfaits.",
        90,
        TopicLevel.BEGINNER,
    ),
    (
        "Premiers pas avec un smartphone",
        "Allumer, appeler, envoyer un SMS, installer une application, régler la sécurité.",
        120,
        TopicLevel.BEGINNER,
    ),
    (
        "E-mail et démarches en ligne pour la recherche d'emploi",
        "Créer une adresse e-mail, envoyer un CV, utiliser l'espace France Travail.",
        150,
        TopicLevel.INTERMEDIATE,
    ),
    (
        "Se protéger en ligne",
        "Reconnaître les arnaques par SMS et par e-mail, choisir ses mots de passe, protéger ses "
        "données.",
        90,
        TopicLevel.INTERMEDIATE,
    ),
]

# (first name, last name, company, e-mail)
VOLUNTEERS = [
    ("Hélène", "Marchand", "Télécom Solidaire", "helene.marchand@telecom-solidaire.example"),
    ("Olivier", "Nguyen", "Télécom Solidaire", "olivier.nguyen@telecom-solidaire.example"),
    ("Camille", "Perrin", "Banque Mutuelle du Nord", "camille.perrin@bmn.example"),
    ("Yacine", "Belkacem", "Numérique Conseil", "yacine.belkacem@numerique-conseil.example"),
]

# Sites with workshops in the demo (indexes in connexions.demo.SITES), and their slots:
# (weekday, start, room).
SLOTS = [(1, time(14, 0), "Salle informatique"), (3, time(10, 0), "Salle de réunion")]
DEMO_SITES = [0, 1, 2, 3]
WEEKS = range(-4, 3)  # four weeks back, this week, two weeks ahead
CAPACITY = 6


def seed():
    rng = random.Random(6)
    topics = [
        WorkshopTopic.objects.update_or_create(
            title=title,
            defaults={
                "description": description,
                "duration_minutes": minutes,
                "level": level,
                "is_active": True,
            },
        )[0]
        for title, description, minutes, level in TOPICS
    ]
    admin = User.objects.get(email="admin@demo.connexions.fr")
    volunteers = [_volunteer(*row, actor=admin) for row in VOLUNTEERS]
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    for position, index in enumerate(DEMO_SITES):
        site = ReceptionSite.objects.get(name=SITES[index][0])
        staff = [
            m.user
            for m in SiteMembership.objects.filter(site=site).select_related("user").order_by("pk")
        ]
        people = list(Beneficiary.objects.filter(enrolled_site=site).order_by("pk"))
        people += list(Beneficiary.objects.exclude(enrolled_site=site).order_by("pk")[:4])
        for week in WEEKS:
            for slot, (weekday, start, room) in enumerate(SLOTS):
                topic = topics[(week * 2 + slot + position) % len(topics)]
                day = monday + timedelta(weeks=week, days=weekday)
                facilitator = (
                    volunteers[(week + position) % len(volunteers)]
                    if slot == 0
                    else services.staff_facilitator(staff[0])
                )
                _session(rng, site, topic, day, start, room, facilitator, staff[0], people)
    appointment_demo.seed()


def _volunteer(first_name, last_name, company, email, *, actor):
    existing = Facilitator.objects.filter(
        first_name=first_name, last_name=last_name, company__name=company
    ).first()
    if existing:
        return existing
    return services.facilitator_save(
        facilitator=Facilitator(first_name=first_name, last_name=last_name, email=email),
        company_name=company,
        actor=actor,
    )


def _session(rng, site, topic, day, start, room, facilitator, actor, people):
    starts_at = services.local_datetime(day, start)
    if WorkshopSession.objects.filter(site=site, topic=topic, starts_at=starts_at).exists():
        return
    end = (starts_at + timedelta(minutes=topic.duration_minutes)).astimezone(starts_at.tzinfo)
    (session,) = services.session_series_create(
        topic=topic,
        site=site,
        first_day=day,
        start=start,
        end=end.time(),
        capacity=CAPACITY,
        room=room,
        facilitators=[facilitator],
        actor=actor,
    )
    # Most sessions fill up; some get a waiting list.
    count = min(len(people), rng.choice([3, 4, 5, 6, 6, 7, 8]))
    registrations = [
        services.registration_create(
            session=session,
            beneficiary=person,
            actor=actor,
            now=starts_at - timedelta(days=7),  # people registered the week before
        )
        for person in rng.sample(people, count)
    ]
    if day < timezone.localdate():
        seated = [r for r in registrations if r.status == "registered"]
        marks = {
            r.pk: rng.choices(["present", "absent", "excused"], weights=[7, 2, 1])[0]
            for r in seated
        }
        if marks:
            services.attendance_record(session=session, marks=marks, actor=actor)
    elif count > CAPACITY and rng.random() < 0.5:
        # A seat freed: the first person waiting takes it.
        services.registration_cancel(registration=registrations[0], actor=actor)
