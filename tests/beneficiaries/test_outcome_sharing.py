"""What a referrer sees of a person's outcomes: only what happened since their own referral was
accepted, and a referral is only linked to one of the person's possible duplicates."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from beneficiaries import services
from beneficiaries.enums import AgreementKind, MediationStatus, ReferralStatus
from beneficiaries.models import Referral
from beneficiaries.sections import (
    Outcome,
    register_referral_outcome_provider,
    unregister_referral_outcome_provider,
)
from tests.beneficiaries.factories import BeneficiaryFactory, MediationCaseFactory, ReferralFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

AICHA = {"first_name": "Aïcha", "last_name": "Traoré", "birth_date": date(1985, 4, 12)}


def enrolled_through_agency_a(agency_a, social_worker_a, site_a):
    """Aïcha, enrolled a year ago through agency A, sharing outcomes, with a mediation that
    failed months before agency B ever referred her."""
    long_ago = timezone.localdate() - timedelta(days=365)
    beneficiary = BeneficiaryFactory(
        **AICHA,
        share_outcomes=True,
        enrolled_site=site_a,
        enrolled_on=long_ago,
        enrolment_referral__agency=agency_a,
        enrolment_referral__referrer=social_worker_a,
    )
    Referral.objects.filter(pk=beneficiary.enrolment_referral_id).update(
        decided_at=timezone.now() - timedelta(days=365)
    )
    MediationCaseFactory(
        beneficiary=beneficiary,
        status=MediationStatus.FAILED,
        opened_on=long_ago + timedelta(days=10),
        closed_on=long_ago + timedelta(days=60),
    )
    return beneficiary


def linked_by_agency_b(beneficiary, agency_b, social_worker_b, counsellor_a, site_a):
    referral = ReferralFactory(agency=agency_b, referrer=social_worker_b, site=site_a, **AICHA)
    services.referral_accept_for_existing(
        referral=referral, beneficiary=beneficiary, actor=counsellor_a, site=site_a
    )
    return referral


def codes(client, referral):
    return [o.code for o in client.get(f"/orientations/{referral.pk}/").context["outcomes"]]


def test_another_agencys_earlier_mediation_is_not_shown_to_a_later_referrer(
    client, site_a, agency_a, agency_b, social_worker_a, social_worker_b, counsellor_a
):
    beneficiary = enrolled_through_agency_a(agency_a, social_worker_a, site_a)
    referral_b = linked_by_agency_b(beneficiary, agency_b, social_worker_b, counsellor_a, site_a)
    client_for(client, social_worker_b)
    assert codes(client, referral_b) == ["enrolled"]
    page = client.get("/orientations/liste/").context["page_obj"]
    assert {r.pk: [o.code for o in r.shared_outcomes] for r in page} == {
        referral_b.pk: ["enrolled"]
    }
    # Agency A referred her before that mediation: it still sees it.
    client_for(client, social_worker_a)
    assert codes(client, beneficiary.enrolment_referral) == ["enrolled", "mediation.failed"]


def test_a_mediation_opened_after_the_referral_is_shown_to_that_referrer(
    client, site_a, agency_a, agency_b, social_worker_a, social_worker_b, counsellor_a
):
    beneficiary = enrolled_through_agency_a(agency_a, social_worker_a, site_a)
    referral_b = linked_by_agency_b(beneficiary, agency_b, social_worker_b, counsellor_a, site_a)
    MediationCaseFactory(
        beneficiary=beneficiary,
        status=MediationStatus.AGREEMENT,
        agreement_kind=AgreementKind.PAYMENT_PLAN,
    )
    client_for(client, social_worker_b)
    assert codes(client, referral_b) == ["enrolled", "mediation.agreement"]


@pytest.fixture
def earlier_outcome_provider():
    """Another app's provider that returns every outcome of the person, dated or not."""

    def provider(referrals):
        return {
            r.pk: [
                Outcome("workshops.attended", "Atelier ancien", date(2000, 1, 1)),
                Outcome("workshops.undated", "Atelier sans date"),
                Outcome("workshops.recent", "Atelier récent", timezone.localdate()),
            ]
            for r in referrals
        }

    register_referral_outcome_provider("zz_test", provider)
    yield
    unregister_referral_outcome_provider("zz_test")


def test_outcomes_dated_before_the_referral_never_reach_the_referrer(
    client, social_worker_a, agency_a, earlier_outcome_provider
):
    beneficiary = BeneficiaryFactory(
        share_outcomes=True,
        enrolment_referral__agency=agency_a,
        enrolment_referral__referrer=social_worker_a,
    )
    client_for(client, social_worker_a)
    assert codes(client, beneficiary.enrolment_referral) == ["enrolled", "workshops.recent"]


def test_a_referral_is_linked_only_to_one_of_its_possible_duplicates(
    client, site_a, counsellor_a, social_worker_b, agency_b
):
    stranger = BeneficiaryFactory(
        first_name="Jean", last_name="Martin", birth_date=date(1950, 1, 1), share_outcomes=True
    )
    referral = ReferralFactory(agency=agency_b, referrer=social_worker_b, site=site_a, **AICHA)
    with pytest.raises(services.ReferralError, match="doublons possibles"):
        services.referral_accept_for_existing(
            referral=referral, beneficiary=stranger, actor=counsellor_a, site=site_a
        )
    client_for(client, counsellor_a)
    response = client.post(
        f"/beneficiaires/inscription/{referral.pk}/lier/{stranger.pk}/", follow=True
    )
    assert "doublons possibles" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING
    assert referral.beneficiary is None
