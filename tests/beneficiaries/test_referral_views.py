from datetime import timedelta

import pytest
from django.utils import timezone

from beneficiaries.enums import ReferralStatus
from beneficiaries.models import Referral
from tests.beneficiaries.factories import (
    BeneficiaryFactory,
    MediationCaseFactory,
    ReferralFactory,
    referral_post,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_social_worker_submits_a_referral(client, social_worker_a, site_a):
    client_for(client, social_worker_a)
    response = client.post("/orientations/nouvelle/", referral_post(site_a))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/orientations/{referral.pk}/"
    assert referral.agency == social_worker_a.agency
    assert referral.phone.as_e164 == "+33612345678"
    assert referral.needs == ["phone", "top_ups"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "numéro de téléphone"),
        ({"phone": "+44 20 7946 0958"}, "phone", "numéro de téléphone français"),
        ({"birth_date": "2100-01-01"}, "birth_date", "futur"),
        ({"consent_attested": ""}, "consent_attested", "accord de la personne"),
        ({"needs": []}, "needs", "obligatoire"),
    ],
    ids=["bad-phone", "foreign-phone", "future-birth-date", "no-attestation", "no-needs"],
)
def test_invalid_referral_shows_a_french_error_and_creates_nothing(
    client, social_worker_a, site_a, overrides, field, message
):
    client_for(client, social_worker_a)
    response = client.post("/orientations/nouvelle/", referral_post(site_a, **overrides))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert not Referral.objects.exists()


def test_staff_record_a_paper_referral_at_their_current_site(
    client, counsellor_a, site_a, agency_b
):
    client_for(client, counsellor_a)
    data = referral_post(site_a, agency=agency_b.pk, referrer_name="M. Lopez", channel="paper")
    del data["site"]
    response = client.post("/orientations/nouvelle/", data)
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.site == site_a
    assert referral.agency == agency_b
    assert referral.referrer_name == "M. Lopez"
    assert referral.recorded_by == counsellor_a


def test_social_worker_sees_only_their_agency(client, social_worker_a, agency_a, agency_b, site_a):
    mine = ReferralFactory(agency=agency_a, referrer=social_worker_a, last_name="Mienne")
    other = ReferralFactory(agency=agency_b, last_name="Autrui")
    client_for(client, social_worker_a)
    content = client.get("/orientations/liste/").content.decode()
    assert "Mienne" in content
    assert "Autrui" not in content
    assert client.get(f"/orientations/{mine.pk}/").status_code == 200
    for url in (f"/orientations/{other.pk}/", f"/orientations/{other.pk}/retirer/"):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    other.refresh_from_db()
    assert other.status == ReferralStatus.PENDING


def test_social_worker_withdraws_with_confirmation(client, social_worker_a, agency_a):
    referral = ReferralFactory(agency=agency_a, referrer=social_worker_a)
    client_for(client, social_worker_a)
    page = client.get(f"/orientations/{referral.pk}/retirer/")
    assert page.status_code == 200
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING  # GET only asks
    client.post(f"/orientations/{referral.pk}/retirer/")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN


@pytest.mark.parametrize(
    "url",
    [
        "/beneficiaires/",
        "/beneficiaires/{b}/",
        "/beneficiaires/{b}/carte.pdf",
        "/beneficiaires/suivis-a-faire/",
        "/orientations/a-traiter/",
        "/beneficiaires/inscription/{r}/",
        "/orientations/{r}/refuser/",
        "/beneficiaires/mediations/{m}/",
    ],
)
def test_social_workers_never_reach_staff_pages(client, social_worker_a, agency_a, url):
    beneficiary = BeneficiaryFactory(enrolment_referral__agency=agency_a)
    referral = ReferralFactory(agency=agency_a)
    case = MediationCaseFactory(beneficiary=beneficiary)
    client_for(client, social_worker_a)
    response = client.get(url.format(b=beneficiary.pk, r=referral.pk, m=case.pk))
    assert response.status_code in (403, 404)


def test_inbox_shows_pending_referrals_of_the_current_site_oldest_first(
    client, counsellor_a, site_a, site_b
):
    newer = ReferralFactory(site=site_a, last_name="Récent")
    older = ReferralFactory(site=site_a, last_name="Ancien")
    Referral.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    ReferralFactory(site=site_b, last_name="Ailleurs")
    ReferralFactory(site=site_a, last_name="Retiré", status=ReferralStatus.WITHDRAWN)
    client_for(client, counsellor_a)
    response = client.get("/orientations/a-traiter/")
    assert [r.pk for r in response.context["page_obj"]] == [older.pk, newer.pk]


def test_counsellor_cannot_reach_another_sites_referral(client, counsellor_a, site_b):
    referral = ReferralFactory(site=site_b)
    client_for(client, counsellor_a)
    assert client.get(f"/orientations/{referral.pk}/").status_code == 404
    assert (
        client.post(f"/orientations/{referral.pk}/refuser/", {"reason": "unreachable"}).status_code
        == 404
    )
    assert client.get(f"/beneficiaires/inscription/{referral.pk}/").status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING


def test_programme_admin_sees_every_referral(client, programme_admin, site_a, site_b):
    ReferralFactory(site=site_a)
    ReferralFactory(site=site_b)
    client_for(client, programme_admin)
    assert client.get("/orientations/liste/").context["page_obj"].paginator.count == 2


def test_decline_from_the_inbox(
    client, counsellor_a, site_a, mailoutbox, django_capture_on_commit_callbacks
):
    referral = ReferralFactory(site=site_a)
    client_for(client, counsellor_a)
    response = client.post(
        f"/orientations/{referral.pk}/refuser/", {"reason": "other", "comment": ""}
    )
    assert "Expliquez" in " ".join(response.context["form"].errors["comment"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/orientations/{referral.pk}/refuser/",
            {"reason": "other", "comment": "Déménagement à Lille"},
        )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert len(mailoutbox) == 1


def test_outcomes_shown_only_when_the_person_agreed(client, social_worker_a, agency_a):
    sharing = BeneficiaryFactory(
        share_outcomes=True,
        enrolment_referral__agency=agency_a,
        enrolment_referral__referrer=social_worker_a,
    )
    MediationCaseFactory(beneficiary=sharing, status="agreement", agreement_kind="payment_plan")
    private = BeneficiaryFactory(
        share_outcomes=False,
        enrolment_referral__agency=agency_a,
        enrolment_referral__referrer=social_worker_a,
    )
    client_for(client, social_worker_a)
    shown = client.get(f"/orientations/{sharing.enrolment_referral_id}/").context["outcomes"]
    assert [o.code for o in shown] == ["enrolled", "mediation.agreement"]
    hidden = client.get(f"/orientations/{private.enrolment_referral_id}/").context["outcomes"]
    assert hidden == []
    page = client.get("/orientations/liste/").context["page_obj"]
    by_id = {r.pk: [o.code for o in r.shared_outcomes] for r in page}
    assert by_id == {
        sharing.enrolment_referral_id: ["enrolled", "mediation.agreement"],
        private.enrolment_referral_id: [],
    }


def _agency_referrals(agency, social_worker, count):
    for _ in range(count):
        BeneficiaryFactory(
            share_outcomes=True,
            enrolment_referral__agency=agency,
            enrolment_referral__referrer=social_worker,
        )
        ReferralFactory(agency=agency, referrer=social_worker)


@pytest.mark.parametrize("count", [2, 12])
def test_referral_list_query_count_is_flat(
    client, social_worker_a, agency_a, count, django_assert_num_queries
):
    _agency_referrals(agency_a, social_worker_a, count)
    client_for(client, social_worker_a)
    # session, user, count, page, consents, mediation, workshop and appointment
    # outcomes, site switcher...
    with django_assert_num_queries(10):
        response = client.get("/orientations/liste/")
    assert len(response.context["page_obj"]) == 2 * count


@pytest.mark.parametrize("count", [2, 12])
def test_inbox_query_count_is_flat(client, counsellor_a, site_a, count, django_assert_num_queries):
    for _ in range(count):
        ReferralFactory(site=site_a)
    client_for(client, counsellor_a)
    with django_assert_num_queries(6):
        response = client.get("/orientations/a-traiter/")
    assert len(response.context["page_obj"]) == count
