"""Demo data of the core: the programme's 7 reception sites, partner agencies and demo logins."""

import functools

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from connexions import twofactor
from connexions.codes import luhn_check_digit
from connexions.enums import AccountRequestStatus, AgencyKind, SiteRole, UserKind
from connexions.models import AccountRequest, PartnerAgency, ReceptionSite, SiteMembership, User

DEMO_PASSWORD = "demo-connexions-2026"

SITES = [
    ("Paris 19e — Emmaüs Défi", "6 rue Archereau", "75019", "Paris", "+33140380000"),
    (
        "Paris 14e — Centre social Maurice Noguès",
        "5 avenue de la Porte de Vanves",
        "75014",
        "Paris",
        "+33145430000",
    ),
    ("Antony — PIMMS", "2 place des Baconnets", "92160", "Antony", "+33146660000"),
    ("Saint-Denis — 47 rue Jean Jaurès", "47 rue Jean Jaurès", "93200", "Saint-Denis", ""),
    ("Marseille — Centre social Julien", "33 cours Julien", "13006", "Marseille", ""),
    ("Grenoble — La Remise", "14 rue Jean Prévost", "38000", "Grenoble", ""),
    (
        "Lyon — Foyer Notre-Dame des Sans-Abri",
        "3 rue du Père Chevrier",
        "69007",
        "Lyon",
        "",
    ),
]
OPENING_HOURS = "Lundi au vendredi : 9 h 30 – 12 h 30 et 14 h – 17 h 30"

AGENCIES = [
    ("CCAS de Saint-Denis", AgencyKind.CCAS, "Saint-Denis"),
    ("PIMMS d'Antony", AgencyKind.ASSOCIATION, "Antony"),
    ("France Travail Paris 19e", AgencyKind.JOB_CENTRE, "Paris"),
    ("CAF de Paris", AgencyKind.FAMILY_ALLOWANCE, "Paris"),
    ("CCAS de Marseille", AgencyKind.CCAS, "Marseille"),
    ("Secours populaire de Grenoble", AgencyKind.ASSOCIATION, "Grenoble"),
    ("Centre d'hébergement Les Amandiers", AgencyKind.SHELTER, "Lyon"),
    ("Hôpital Lariboisière — service social", AgencyKind.HOSPITAL, "Paris"),
]

# Agencies' address and declared e-mail domain (fictional); their SIRET is made up too, from the
# agency's rank (14 digits passing the Luhn check).
AGENCY_DETAILS = {
    "CCAS de Saint-Denis": ("2 place Victor Hugo, 93200 Saint-Denis", "ville-saint-denis.fr"),
    "PIMMS d'Antony": ("2 place des Baconnets, 92160 Antony", "pimms-antony.fr"),
    "France Travail Paris 19e": ("52 rue d'Hautpoul, 75019 Paris", "francetravail.fr"),
    "CAF de Paris": ("50 rue du Docteur Finlay, 75015 Paris", "caf.fr"),
    "CCAS de Marseille": ("7 rue Beauvau, 13001 Marseille", "marseille.fr"),
    "Secours populaire de Grenoble": ("5 rue Jay, 38000 Grenoble", "spf38.org"),
    "Centre d'hébergement Les Amandiers": ("12 rue des Amandiers, 69007 Lyon", "amandiers.org"),
    "Hôpital Lariboisière — service social": ("2 rue Ambroise Paré, 75010 Paris", "aphp.fr"),
}
# The social worker who is referent of each agency: the demo logins for the first two.
REFERENTS = {
    "CCAS de Saint-Denis": "ts.ccas@demo.connexions.fr",
    "PIMMS d'Antony": "ts.pimms@demo.connexions.fr",
}
PENDING_REQUEST = ("camille.roux@ville-saint-denis.fr", "Camille", "Roux", "CCAS de Saint-Denis")

# (email, first name, last name, kind, agency name, [(site index, role, can_open_till)])
USERS = [
    ("admin@demo.connexions.fr", "Claire", "Martin", UserKind.PROGRAMME_ADMIN, None, []),
    (
        "conseiller@demo.connexions.fr",
        "Karim",
        "Benali",
        UserKind.SITE_STAFF,
        None,
        [(0, SiteRole.COUNSELLOR, False)],
    ),
    (
        "responsable@demo.connexions.fr",
        "Sophie",
        "Lefèvre",
        UserKind.SITE_STAFF,
        None,
        [(0, SiteRole.SITE_MANAGER, True), (1, SiteRole.SITE_MANAGER, True)],
    ),
    (
        "ts.ccas@demo.connexions.fr",
        "Nadia",
        "Haddad",
        UserKind.SOCIAL_WORKER,
        "CCAS de Saint-Denis",
        [],
    ),
    (
        "ts.pimms@demo.connexions.fr",
        "Julien",
        "Moreau",
        UserKind.SOCIAL_WORKER,
        "PIMMS d'Antony",
        [],
    ),
]
# One manager per other site, so every site can run its till in the demo.
SITE_MANAGERS = [
    (2, "responsable.antony@demo.connexions.fr", "Fatou", "Diallo"),
    (3, "responsable.saint-denis@demo.connexions.fr", "Mehdi", "Cherif"),
    (4, "responsable.marseille@demo.connexions.fr", "Lucie", "Giraud"),
    (5, "responsable.grenoble@demo.connexions.fr", "Thomas", "Roux"),
    (6, "responsable.lyon@demo.connexions.fr", "Amina", "Traoré"),
]


def seed():
    sites = []
    for name, address, postal_code, city, phone in SITES:
        site, _ = ReceptionSite.objects.update_or_create(
            name=name,
            defaults={
                "address": address,
                "postal_code": postal_code,
                "city": city,
                "phone": phone,
                "opening_hours": OPENING_HOURS,
                "is_active": True,
            },
        )
        sites.append(site)
    agencies = {}
    for rank, (name, kind, city) in enumerate(AGENCIES, start=1):
        address, domain = AGENCY_DETAILS[name]
        body = f"2{rank:04d}93200000"
        agencies[name], _ = PartnerAgency.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "city": city,
                "is_active": True,
                "siret": body + luhn_check_digit(body),
                "address": address,
                "email_domains": [domain],
            },
        )
    users = list(USERS) + [
        (email, first, last, UserKind.SITE_STAFF, None, [(index, SiteRole.SITE_MANAGER, True)])
        for index, email, first, last in SITE_MANAGERS
    ]
    for email, first_name, last_name, kind, agency_name, site_roles in users:
        user = _demo_user(email, first_name, last_name, kind, agencies.get(agency_name))
        for index, role, can_open_till in site_roles:
            SiteMembership.objects.update_or_create(
                user=user,
                site=sites[index],
                defaults={"role": role, "can_open_till": can_open_till},
            )
    _seed_referents(agencies)


def _seed_referents(agencies):
    """One referent per agency, and one request waiting for the CCAS de Saint-Denis's."""
    for rank, (name, agency) in enumerate(agencies.items(), start=1):
        email = REFERENTS.get(name, f"referent{rank}@demo.connexions.fr")
        if email not in REFERENTS.values():
            _demo_user(email, "Référent", f"Structure {rank}", UserKind.SOCIAL_WORKER, agency)
        User.objects.filter(email=email).update(is_referent=True)
    email, first_name, last_name, agency_name = PENDING_REQUEST
    if not AccountRequest.objects.filter(email=email).exists():
        AccountRequest.objects.create(
            email=email,
            first_name=first_name,
            last_name=last_name,
            agency=agencies[agency_name],
            status=AccountRequestStatus.PENDING,
            for_referents=True,
            verified_at=timezone.now(),
        )


@functools.cache
def _password_hash() -> str:
    """The demo password hashed once: a hash takes about a second by design, and the demo's
    twenty-odd logins share one public password anyway."""
    return make_password(DEMO_PASSWORD)


def _demo_user(email, first_name, last_name, kind, agency):
    admin = kind == UserKind.PROGRAMME_ADMIN
    user, created = User.objects.update_or_create(
        email=email,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "kind": kind,
            "agency": agency,
            "is_staff": admin,
            "is_superuser": admin,
            "is_active": True,
        },
    )
    if created:  # a demo user who changed their password keeps it
        user.password = _password_hash()
        user.save(update_fields=["password"])
    if admin and not twofactor.has_device(user):  # nor does one who enrolled their own phone
        TOTPDevice.objects.create(
            user=user, name=twofactor.APP_DEVICE_NAME, key=twofactor.DEMO_KEY, confirmed=True
        )
    return user
