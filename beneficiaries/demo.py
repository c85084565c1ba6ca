"""Demo data: referrals, beneficiaries, support sessions, follow-ups and mediation cases over
the 7 reception sites, created through the services (idempotent: a person already referred by
the same agency is left as is). Dates are then moved into the past so that follow-ups fall due
and the impact figures have something to count."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from beneficiaries import services, summaries
from beneficiaries.enums import (
    AgreementKind,
    ConsentKind,
    DeclineReason,
    EmploymentStatus,
    HousingSituation,
    MediationStatus,
    Need,
    PlanType,
    ReferralChannel,
    SituationProfile,
    SupportTopic,
    TelecomOperator,
)
from beneficiaries.models import Beneficiary, FollowUp, Referral
from connexions.demo import SITES
from connexions.models import PartnerAgency, ReceptionSite, SiteMembership, User
from connexions.periods import add_months

FIRST_NAMES = [
    "Aïcha",
    "Mamadou",
    "Céline",
    "Jean-Pierre",
    "Fatima",
    "Youssef",
    "Nathalie",
    "Kevin",
    "Mariam",
    "Sébastien",
    "Hélène",
    "Ibrahima",
    "Sandrine",
    "Rachid",
    "Marie-Claude",
    "Dylan",
    "Awa",
    "Laurent",
    "Samira",
    "Grégory",
    "Zohra",
    "Patrick",
    "Léa",
    "Moussa",
    "Chantal",
    "Bilal",
    "Isabelle",
    "Olivier",
    "Naïma",
    "Thierry",
    "Kadiatou",
    "Franck",
    "Josiane",
    "Abdelkader",
    "Émilie",
    "Ousmane",
    "Brigitte",
    "Mehdi",
    "Nadège",
    "Hamza",
    "Sylvie",
    "Éric",
    "Inès",
    "Stéphane",
    "Coumba",
    "Daniel",
    "Yasmina",
    "Régis",
    "Khadija",
]
LAST_NAMES = [
    "Traoré",
    "Dubois",
    "Benali",
    "Lefebvre",
    "Diallo",
    "Moreau",
    "Haddad",
    "Laurent",
    "Camara",
    "Girard",
    "Bensaïd",
    "Fournier",
    "Koné",
    "Mercier",
    "Bouzid",
    "Lambert",
    "Cissé",
    "Rousseau",
    "Mansouri",
    "Fontaine",
    "Sow",
    "Chevalier",
    "Belkacem",
    "Garnier",
    "Keïta",
    "Perrin",
    "Amrani",
    "Morel",
    "Ndiaye",
    "Faure",
    "Zerrouki",
    "André",
    "Touré",
    "Blanc",
    "Hamidi",
    "Guerin",
    "Sylla",
    "Boyer",
    "Meziane",
    "Roche",
    "Coulibaly",
    "Henry",
    "Saïdi",
    "Renard",
    "Bamba",
    "Picard",
    "Cherif",
    "Gauthier",
    "Doucouré",
]
COMMENTS = [
    "Personne hébergée au CHRS, sans téléphone depuis deux mois. Démarches France Travail "
    "bloquées.",
    "Facture SFR impayée de plusieurs mois, ligne suspendue. Souhaite une médiation.",
    "Mère isolée avec trois enfants, forfait trop cher pour son budget.",
    "Besoin d'un ordinateur pour la formation qualifiante qui commence le mois prochain.",
    "Personne âgée, peu à l'aise avec le numérique ; prévoir un accompagnement.",
    "",
]
PER_SITE = 6  # enrolled people per site


def seed():
    sites = [ReceptionSite.objects.get(name=row[0]) for row in SITES]
    agencies = list(PartnerAgency.objects.order_by("name"))
    social_workers = {u.agency_id: u for u in User.objects.filter(kind="social_worker")}
    today = timezone.localdate()
    names = iter(zip(FIRST_NAMES * 3, LAST_NAMES[::-1] * 3, strict=False))
    random.Random(2026).shuffle(agencies)
    for index, site in enumerate(sites):
        staff = _staff_of(site)
        for n in range(PER_SITE + 5):
            # One generator per person, so a rerun that skips existing people draws the same
            # values for the others.
            rng = random.Random(f"{index}-{n}")
            first_name, last_name = next(names)
            agency = agencies[(index + n) % len(agencies)]
            person = _person(rng, first_name, last_name, site)
            referral, created = _referral(rng, person, site, agency, social_workers, staff)
            if not created:
                continue
            months_ago = rng.randint(0, 11)
            if n < PER_SITE:
                _enrol(rng, referral, person, site, staff, today, months_ago)
            elif n == PER_SITE:
                services.referral_decline(
                    referral=referral,
                    reason=rng.choice([DeclineReason.UNREACHABLE, DeclineReason.NOT_ELIGIBLE]),
                    actor=staff,
                )
            elif n == PER_SITE + 1 and referral.referrer_id:
                services.referral_withdraw(referral=referral, actor=referral.referrer)
            else:
                # Still pending: a few days old, waiting in the site's inbox.
                Referral.objects.filter(pk=referral.pk).update(
                    submitted_at=timezone.now() - timedelta(days=rng.randint(1, 20))
                )
    summaries.refresh()  # the demo's referrals and sessions lie in past months


def _staff_of(site):
    membership = (
        SiteMembership.objects.filter(site=site).select_related("user").order_by("pk").first()
    )
    return membership.user


def _person(rng, first_name, last_name, site):
    birth = date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
    has_phone = rng.random() > 0.2
    return {
        "first_name": first_name,
        "last_name": last_name,
        "birth_date": birth,
        "phone": f"+336{rng.randint(10000000, 99999999)}" if has_phone else "",
        "email": "",
        "city": site.city,
        "profile": rng.choice(SituationProfile.values),
        "needs": rng.sample(Need.values, rng.randint(1, 3)),
        "comment": rng.choice(COMMENTS),
    }


def _referral(rng, person, site, agency, social_workers, staff):
    existing = Referral.objects.filter(
        agency=agency,
        first_name=person["first_name"],
        last_name=person["last_name"],
        birth_date=person["birth_date"],
    ).first()
    if existing is not None:
        return existing, False
    social_worker = social_workers.get(agency.pk)
    if social_worker is not None:
        referral = services.referral_submit(
            actor=social_worker, site=site, person=person, consent_attested=True
        )
    else:
        referral = services.referral_submit(
            actor=staff,
            site=site,
            person=person,
            consent_attested=True,
            agency=agency,
            referrer_name=rng.choice(["Mme Petit", "M. Rahmani", "Mme N'Diaye", "M. Lopez"]),
            channel=rng.choice([ReferralChannel.PHONE, ReferralChannel.PAPER]),
        )
    return referral, True


def _baseline(rng):
    has_mobile = rng.random() > 0.2
    plan = PlanType.NONE
    if has_mobile:
        plan = PlanType.PREPAID if rng.random() < 0.87 else PlanType.CONTRACT
    return {
        "has_mobile": has_mobile,
        "plan_type": plan,
        "operator": rng.choice(TelecomOperator.values) if has_mobile else "",
        "monthly_spending": Decimal(rng.randint(15, 60)) if rng.random() > 0.1 else None,
        "has_computer": rng.random() < 0.55,
        "has_internet": rng.random() < 0.48,
        "employment_status": EmploymentStatus.JOB_SEEKING
        if rng.random() < 0.67
        else rng.choice(EmploymentStatus.values),
        "housing": rng.choice(HousingSituation.values),
        "household_size": rng.randint(1, 6),
    }


def _enrol(rng, referral, person, site, staff, today, months_ago):
    beneficiary = services.beneficiary_enrol(
        referral=referral,
        person=person,
        baseline=_baseline(rng),
        consents={
            ConsentKind.DATA_PROCESSING: True,
            ConsentKind.SMS_REMINDERS: rng.random() < 0.7,
            ConsentKind.SHARE_OUTCOMES: rng.random() < 0.6,
        },
        confirmed_new=True,
        actor=staff,
        site=site,
    )
    enrolled_on = add_months(today, -months_ago) - timedelta(days=rng.randint(0, 20))
    Beneficiary.objects.filter(pk=beneficiary.pk).update(
        enrolled_on=enrolled_on, valid_until=add_months(enrolled_on, 12)
    )
    decided_at = timezone.make_aware(datetime.combine(enrolled_on, time(10, 30)))
    Referral.objects.filter(pk=referral.pk).update(
        submitted_at=decided_at - timedelta(days=rng.randint(2, 15), hours=rng.randint(0, 6)),
        decided_at=decided_at,
    )
    for follow_up, months in zip(beneficiary.follow_ups.order_by("due_on"), (3, 6), strict=False):
        FollowUp.objects.filter(pk=follow_up.pk).update(due_on=add_months(enrolled_on, months))
    beneficiary.refresh_from_db()
    for _ in range(rng.randint(1, 3)):
        services.support_session_record(
            beneficiary=beneficiary,
            day=enrolled_on + timedelta(days=rng.randint(0, max(0, (today - enrolled_on).days))),
            topics=rng.sample(SupportTopic.values, rng.randint(1, 2)),
            duration_minutes=rng.choice([20, 30, 45, 60]),
            notes="",
            actor=staff,
            site=site,
        )
    for follow_up in beneficiary.follow_ups.filter(due_on__lte=today).order_by("due_on"):
        if rng.random() < 0.25:
            continue  # left due, so the site's list of follow-ups due is not empty
        baseline = beneficiary.monthly_spending or Decimal(30)
        services.follow_up_record(
            beneficiary=beneficiary,
            follow_up=follow_up,
            done_on=follow_up.due_on,
            situation={
                "monthly_spending": max(Decimal(5), baseline - rng.randint(10, 35)),
                "notes": "Passage à une recharge solidaire ; situation stable.",
            },
            actor=staff,
            site=site,
        )
    if rng.random() < 0.3:
        _mediation(rng, beneficiary, staff, site, today)


def _mediation(rng, beneficiary, staff, site, today):
    case = services.mediation_open(
        beneficiary=beneficiary,
        operator=rng.choice([TelecomOperator.SFR, TelecomOperator.ORANGE, TelecomOperator.FREE]),
        amount_owed=Decimal(rng.randint(80, 600)),
        next_action_on=today + timedelta(days=rng.randint(-5, 15)),
        note="Relevé des factures impayées ; courrier de demande d'échelonnement préparé.",
        actor=staff,
        site=site,
    )
    if rng.random() < 0.6:
        case = services.mediation_update(
            case=case,
            status=MediationStatus.CONTACTED,
            next_action_on=today + timedelta(days=rng.randint(-3, 10)),
            note="Service consommateurs joint ; dossier transmis au service recouvrement.",
            actor=staff,
            site=site,
        )
        if rng.random() < 0.5:
            services.mediation_update(
                case=case,
                status=MediationStatus.AGREEMENT,
                agreement_kind=AgreementKind.PAYMENT_PLAN,
                monthly_instalment=Decimal("20.00"),
                instalment_months=int(case.amount_owed // 20) or 1,
                next_action_on=today + timedelta(days=30),
                note="Échéancier accepté par l'opérateur.",
                actor=staff,
                site=site,
            )
