"""Offers subscribed with a counsellor's help: recorded from the file, shown on it, prefilling
the next follow-up's spending (which the counsellor confirms), and the person-data functions
the privacy registry calls."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from beneficiaries import offers
from beneficiaries.enums import AuditAction, OfferKind
from beneficiaries.models import FollowUp, OfferSubscription
from connexions.models import AuditEvent
from tests.beneficiaries.factories import BeneficiaryFactory, FollowUpFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_record_from_the_file_and_prefill_the_follow_up(client, counsellor_a, site_a):
    person = BeneficiaryFactory(
        enrolled_site=site_a, enrolled_on=timezone.localdate() - timedelta(days=90)
    )
    client = client_for(client, counsellor_a)
    page = client.get(f"/beneficiaires/{person.pk}/").content.decode()
    assert "Aucune offre souscrite avec accompagnement" in page
    response = client.post(
        f"/beneficiaires/{person.pk}/offre/",
        {
            "subscribed_on": timezone.localdate().isoformat(),
            "kind": OfferKind.SOCIAL_MOBILE,
            "operator": "orange",
            "monthly_price": "9,99",
        },
    )
    assert response.status_code == 302
    offer = OfferSubscription.objects.get(beneficiary=person)
    assert (offer.monthly_price, offer.site, offer.counsellor) == (
        Decimal("9.99"),
        site_a,
        counsellor_a,
    )
    assert AuditEvent.objects.filter(action=AuditAction.OFFER_SUBSCRIBED).count() == 1
    assert "Tarif social mobile" in client.get(f"/beneficiaires/{person.pk}/").content.decode()
    # The next follow-up's spending is prefilled; the counsellor confirms it by saving.
    form_page = client.get(f"/beneficiaires/{person.pk}/suivi/").content.decode()
    assert 'value="9,99"' in form_page
    assert "Prérempli d'après les offres souscrites" in form_page
    client.post(
        f"/beneficiaires/{person.pk}/suivi/",
        {"done_on": timezone.localdate().isoformat(), "monthly_spending": "9,99"},
    )
    assert FollowUp.objects.get(beneficiary=person, done_on__isnull=False).monthly_spending == (
        Decimal("9.99")
    )
    # Counted by that follow-up: the one after is not prefilled any more.
    assert offers.spending_prefill(person) is None


def test_refused_in_the_future_and_for_others(client, counsellor_a, site_a):
    person = BeneficiaryFactory(enrolled_site=site_a)
    data = {
        "subscribed_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "kind": OfferKind.HOME_INTERNET,
        "operator": "free",
        "monthly_price": "15",
    }
    response = client_for(client, counsellor_a).post(f"/beneficiaires/{person.pk}/offre/", data)
    assert response.status_code == 200
    assert "La date ne peut pas être dans le futur" in response.content.decode()
    assert Client().post(f"/beneficiaires/{person.pk}/offre/", data).status_code == 302
    assert not OfferSubscription.objects.exists()


def test_person_data_for_the_privacy_registry(site_a):
    person = BeneficiaryFactory(enrolled_site=site_a, enrolled_on=date(2026, 1, 1))
    other = BeneficiaryFactory(enrolled_site=site_a, enrolled_on=date(2026, 1, 1))
    FollowUpFactory(beneficiary=person)
    for day, price in [(date(2026, 2, 1), "10.00"), (date(2026, 5, 3), "12.00")]:
        OfferSubscription.objects.create(
            beneficiary=person,
            site=site_a,
            counsellor=person.enrolled_by,
            subscribed_on=day,
            operator="sfr",
            kind=OfferKind.SOCIAL_MOBILE,
            monthly_price=Decimal(price),
        )
    assert offers.last_contact([person.pk, other.pk]) == {person.pk: date(2026, 5, 3)}
    exported = offers.export(person)
    assert [row["monthly_price"] for row in exported] == ["10.00", "12.00"]
    assert exported[0]["kind"] == "Tarif social mobile"
    # Nothing identifying to erase: the figures stay unchanged.
    assert offers.anonymise(person) == 0
    assert OfferSubscription.objects.filter(beneficiary=person).count() == 2
