from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.connexions.factories import ReceptionSiteFactory, UserFactory
from workshops.enums import RegistrationStatus
from workshops.models import (
    Facilitator,
    PartnerCompany,
    Registration,
    WorkshopSession,
    WorkshopTopic,
)


class WorkshopTopicFactory(DjangoModelFactory):
    class Meta:
        model = WorkshopTopic
        django_get_or_create = ["title"]

    title = factory.Sequence(lambda n: f"Atelier {n}")
    description = "Description de l'atelier."
    duration_minutes = 120


class PartnerCompanyFactory(DjangoModelFactory):
    class Meta:
        model = PartnerCompany
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Entreprise {n}")


class FacilitatorFactory(DjangoModelFactory):
    """A volunteer by default; `staff=True` for a staff member."""

    class Meta:
        model = Facilitator

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    company = factory.SubFactory(PartnerCompanyFactory)
    email = factory.Sequence(lambda n: f"benevole{n}@example.org")

    class Params:
        staff = factory.Trait(
            user=factory.SubFactory(UserFactory), company=None, first_name="", last_name=""
        )


def _next_week():
    start = timezone.localtime() + timedelta(days=7)
    return start.replace(hour=14, minute=0, second=0, microsecond=0)


class WorkshopSessionFactory(DjangoModelFactory):
    class Meta:
        model = WorkshopSession

    topic = factory.SubFactory(WorkshopTopicFactory)
    site = factory.SubFactory(ReceptionSiteFactory)
    starts_at = factory.LazyFunction(_next_week)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    room = "Salle 1"
    capacity = 10
    created_by = factory.SubFactory(UserFactory)


class RegistrationFactory(DjangoModelFactory):
    """A registration written directly (tests of reads); services make the real ones."""

    class Meta:
        model = Registration

    session = factory.SubFactory(WorkshopSessionFactory)
    beneficiary = factory.SubFactory(BeneficiaryFactory)
    status = RegistrationStatus.REGISTERED
    queue_number = factory.Sequence(lambda n: n + 1)
    registered_by = factory.SelfAttribute("session.created_by")
    attendance_by = factory.LazyAttribute(
        lambda o: (
            o.registered_by
            if o.status in (RegistrationStatus.PRESENT, RegistrationStatus.ABSENT, "excused")
            else None
        )
    )


def availability(counsellor, site, weekdays=range(5), starts="09:00", ends="17:00"):
    """Weekly availability of `counsellor` at `site` (Monday to Friday, 9:00 to 17:00)."""
    from workshops.models import Availability

    return [
        Availability.objects.create(
            counsellor=counsellor, site=site, weekday=day, starts=starts, ends=ends
        )
        for day in weekdays
    ]


def appointment_booking_post(site, user):
    """A pending referral at `site` and the first free slot of its counsellor."""
    from tests.beneficiaries.factories import ReferralFactory
    from workshops.appointment_selectors import free_slots

    availability(user, site, weekdays=range(7))
    referral = ReferralFactory(site=site)
    slot = free_slots(site=site, kind="enrolment")[0]
    return f"/rendez-vous/nouveau/?orientation={referral.pk}", {"slot": slot.key}


def appointment_status_post(site, user):
    from workshops.appointment_services import appointment_book

    availability(user, site, weekdays=range(7))
    start = (timezone.localtime() + timedelta(days=1)).replace(hour=10, minute=0, second=0)
    appointment = appointment_book(
        site=site,
        counsellor=user,
        kind="support",
        starts_at=start,
        beneficiary=BeneficiaryFactory(enrolled_site=site),
        actor=user,
    )
    return f"/rendez-vous/{appointment.pk}/statut/", {"status": "confirmed"}
