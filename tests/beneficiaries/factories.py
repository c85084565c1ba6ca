from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from beneficiaries.enums import (
    ConsentKind,
    EmploymentStatus,
    HousingSituation,
    MediationStatus,
    Need,
    PlanType,
    ReferralChannel,
    ReferralStatus,
    SituationProfile,
    TelecomOperator,
)
from beneficiaries.models import (
    Beneficiary,
    Consent,
    FollowUp,
    MediationCase,
    Referral,
    SupportSession,
)
from connexions.periods import add_months
from tests.connexions.factories import (
    PartnerAgencyFactory,
    ReceptionSiteFactory,
    UserFactory,
)


class ReferralFactory(DjangoModelFactory):
    class Meta:
        model = Referral

    agency = factory.SubFactory(PartnerAgencyFactory)
    referrer = factory.SubFactory(
        UserFactory, social_worker=True, agency=factory.SelfAttribute("..agency")
    )
    recorded_by = factory.SelfAttribute("referrer")
    channel = ReferralChannel.PORTAL
    site = factory.SubFactory(ReceptionSiteFactory)
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    birth_date = factory.Faker("date_of_birth", minimum_age=18, maximum_age=80)
    city = factory.Faker("city", locale="fr_FR")
    profile = SituationProfile.BUDGET_FRAGILITY
    needs = factory.LazyFunction(lambda: [Need.TOP_UPS, Need.PHONE])
    consent_attested_at = factory.LazyFunction(timezone.now)
    status = ReferralStatus.PENDING


class BeneficiaryFactory(DjangoModelFactory):
    """An enrolled person, with the accepted referral that enrolled them."""

    class Meta:
        model = Beneficiary
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    birth_date = factory.Faker("date_of_birth", minimum_age=18, maximum_age=80)
    city = factory.Faker("city", locale="fr_FR")
    enrolled_on = factory.LazyFunction(timezone.localdate)
    enrolled_site = factory.SubFactory(ReceptionSiteFactory)
    enrolled_by = factory.SubFactory(UserFactory)
    enrolment_referral = factory.SubFactory(
        ReferralFactory,
        site=factory.SelfAttribute("..enrolled_site"),
        first_name=factory.SelfAttribute("..first_name"),
        last_name=factory.SelfAttribute("..last_name"),
        birth_date=factory.SelfAttribute("..birth_date"),
    )
    valid_until = factory.LazyAttribute(lambda o: add_months(o.enrolled_on, 12))
    has_mobile = True
    plan_type = PlanType.PREPAID
    operator = TelecomOperator.ORANGE
    monthly_spending = Decimal("35.00")
    has_computer = False
    has_internet = False
    employment_status = EmploymentStatus.JOB_SEEKING
    housing = HousingSituation.TENANT
    household_size = 2

    @factory.post_generation
    def accept_referral(obj, create, extracted, **kwargs):
        if create:
            Referral.objects.filter(pk=obj.enrolment_referral_id).update(
                status=ReferralStatus.ACCEPTED, beneficiary=obj, decided_at=timezone.now()
            )

    @factory.post_generation
    def share_outcomes(obj, create, extracted, **kwargs):
        if create:
            for kind in ConsentKind.values:
                granted = kind == ConsentKind.DATA_PROCESSING or bool(extracted)
                Consent.objects.create(
                    beneficiary=obj,
                    kind=kind,
                    granted=granted,
                    text_version="test",
                    recorded_by=obj.enrolled_by,
                )


class SupportSessionFactory(DjangoModelFactory):
    class Meta:
        model = SupportSession

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    site = factory.SelfAttribute("beneficiary.enrolled_site")
    counsellor = factory.SelfAttribute("beneficiary.enrolled_by")
    date = factory.LazyFunction(timezone.localdate)
    topics = factory.LazyFunction(lambda: ["reading_bill"])
    duration_minutes = 30
    notes = "Notes privées"


class FollowUpFactory(DjangoModelFactory):
    class Meta:
        model = FollowUp

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    due_on = factory.LazyFunction(timezone.localdate)

    class Params:
        done = factory.Trait(
            done_on=factory.LazyFunction(timezone.localdate),
            recorded_by=factory.SelfAttribute("beneficiary.enrolled_by"),
            monthly_spending=Decimal("10.00"),
        )


class MediationCaseFactory(DjangoModelFactory):
    class Meta:
        model = MediationCase

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    site = factory.SelfAttribute("beneficiary.enrolled_site")
    opened_by = factory.SelfAttribute("beneficiary.enrolled_by")
    operator = TelecomOperator.SFR
    amount_owed = Decimal("240.00")
    status = MediationStatus.OPEN
    next_action_on = factory.LazyFunction(timezone.localdate)


def person(**overrides):
    """Identity and referral fields as a form would give them."""
    return {
        "first_name": "Aïcha",
        "last_name": "Traoré",
        "birth_date": date(1985, 4, 12),
        "phone": "+33612345678",
        "email": "",
        "city": "Saint-Denis",
        "profile": SituationProfile.SEVERE_EXCLUSION,
        "needs": [Need.PHONE, Need.TOP_UPS],
        "comment": "",
        **overrides,
    }


def baseline(**overrides):
    return {
        "has_mobile": True,
        "plan_type": PlanType.PREPAID,
        "operator": TelecomOperator.SFR,
        "monthly_spending": Decimal("40.00"),
        "has_computer": False,
        "has_internet": True,
        "employment_status": EmploymentStatus.JOB_SEEKING,
        "housing": HousingSituation.HOSTED,
        "household_size": 3,
        **overrides,
    }


ALL_CONSENTS = {kind: True for kind in ConsentKind.values}


# Valid form posts, shared by the view tests and the property-based POST test.
def referral_post(site, **overrides):
    return {
        "first_name": "Aïcha",
        "last_name": "Traoré",
        "birth_date": "1985-04-12",
        "phone": "06 12 34 56 78",
        "email": "",
        "city": "Saint-Denis",
        "profile": "severe_exclusion",
        "needs": ["phone", "top_ups"],
        "site": site.pk,
        "comment": "",
        "consent_attested": "on",
        **overrides,
    }


def enrol_post(**overrides):
    return {
        "first_name": "Aïcha",
        "last_name": "Traoré",
        "birth_date": "1985-04-12",
        "phone": "06 12 34 56 78",
        "email": "",
        "city": "Saint-Denis",
        "has_mobile": "yes",
        "plan_type": "prepaid",
        "operator": "sfr",
        "monthly_spending": "42,50",
        "has_computer": "",
        "has_internet": "on",
        "employment_status": "job_seeking",
        "housing": "hosted",
        "household_size": "3",
        "consent_data_processing": "on",
        "consent_share_outcomes": "on",
        **overrides,
    }
