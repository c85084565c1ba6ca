import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from connexions.enums import AccountRequestStatus, AgencyKind, SiteRole, UserKind
from connexions.models import AccountRequest, PartnerAgency, ReceptionSite, SiteMembership, User

TEST_PASSWORD = "mot-de-passe-de-test-2026"


class ReceptionSiteFactory(DjangoModelFactory):
    class Meta:
        model = ReceptionSite
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Point d'accueil {n}")
    address = factory.Faker("street_address", locale="fr_FR")
    postal_code = factory.Faker("postcode", locale="fr_FR")
    city = factory.Faker("city", locale="fr_FR")
    opening_hours = "Lundi au vendredi, 9 h – 17 h"


class PartnerAgencyFactory(DjangoModelFactory):
    class Meta:
        model = PartnerAgency
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Structure partenaire {n}")
    kind = AgencyKind.CCAS
    city = factory.Faker("city", locale="fr_FR")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"utilisateur{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    kind = UserKind.SITE_STAFF
    password = factory.django.Password(TEST_PASSWORD)

    class Params:
        social_worker = factory.Trait(
            kind=UserKind.SOCIAL_WORKER, agency=factory.SubFactory(PartnerAgencyFactory)
        )
        programme_admin = factory.Trait(
            kind=UserKind.PROGRAMME_ADMIN, is_staff=True, is_superuser=True
        )


class SiteMembershipFactory(DjangoModelFactory):
    class Meta:
        model = SiteMembership

    user = factory.SubFactory(UserFactory)
    site = factory.SubFactory(ReceptionSiteFactory)
    role = SiteRole.COUNSELLOR
    can_open_till = False


def staff_user(site, role=SiteRole.COUNSELLOR, *, can_open_till=False, **fields):
    """A site staff account working at `site` with `role`."""
    user = UserFactory(**fields)
    SiteMembershipFactory(user=user, site=site, role=role, can_open_till=can_open_till)
    return user


class AccountRequestFactory(DjangoModelFactory):
    """A request whose address was confirmed, waiting for the agency's referents."""

    class Meta:
        model = AccountRequest

    email = factory.Sequence(lambda n: f"demande{n}@example.org")
    first_name = "Camille"
    last_name = "Roux"
    agency = factory.SubFactory(PartnerAgencyFactory)
    status = AccountRequestStatus.PENDING
    for_referents = True
    verified_at = factory.LazyFunction(timezone.now)
