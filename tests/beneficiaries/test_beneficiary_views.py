from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from beneficiaries.enums import AuditAction, ReferralStatus
from beneficiaries.models import Beneficiary, FollowUp, MediationCase, Referral, SupportSession
from beneficiaries.sections import FileSection, register_file_section, unregister_file_section
from connexions.enums import AuditKind, SiteRole
from connexions.models import AuditEvent
from tests.beneficiaries.factories import (
    BeneficiaryFactory,
    FollowUpFactory,
    MediationCaseFactory,
    ReferralFactory,
    SupportSessionFactory,
    enrol_post,
)
from tests.conftest import client_for
from tests.connexions.factories import ReceptionSiteFactory, staff_user

pytestmark = pytest.mark.django_db

# The staff's home: session, user, memberships (the current site comes from them); the to-do
# widget's referral counts (new and waiting, one query), follow-ups and mediation actions due; the
# stock widget. The session is not saved (renewed at most once a minute).
HOME_QUERIES = 8


def test_enrolment_from_a_referral(client, counsellor_a, site_a):
    referral = ReferralFactory(site=site_a, first_name="Aïcha", last_name="Traoré")
    client_for(client, counsellor_a)
    page = client.get(f"/beneficiaires/inscription/{referral.pk}/")
    assert page.context["form"]["first_name"].value() == "Aïcha"  # prefilled
    assert page.context["duplicates"] == []
    response = client.post(f"/beneficiaires/inscription/{referral.pk}/", enrol_post())
    beneficiary = Beneficiary.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/beneficiaires/{beneficiary.pk}/"
    assert beneficiary.monthly_spending == Decimal("42.50")
    assert beneficiary.enrolled_site == site_a
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"monthly_spending": "-5"}, "monthly_spending", "supérieure ou égale à 0"),
        ({"birth_date": "2100-01-01"}, "birth_date", "futur"),
        ({"phone": "0000"}, "phone", "numéro de téléphone"),
        ({"consent_data_processing": ""}, "consent_data_processing", "Sans cet accord"),
        ({"has_mobile": "no", "plan_type": "contract"}, "plan_type", "Aucun"),
    ],
    ids=["negative-spending", "future-birth", "bad-phone", "no-consent", "no-mobile-plan"],
)
def test_invalid_enrolment_creates_nothing(client, counsellor_a, site_a, overrides, field, message):
    referral = ReferralFactory(site=site_a)
    client_for(client, counsellor_a)
    response = client.post(f"/beneficiaires/inscription/{referral.pk}/", enrol_post(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Beneficiary.objects.exists()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING


def test_duplicate_must_be_linked_or_confirmed(client, counsellor_a, site_a, site_b):
    existing = BeneficiaryFactory(
        enrolled_site=site_b, first_name="Aicha", last_name="TRAORE", birth_date="1985-04-12"
    )
    referral = ReferralFactory(
        site=site_a, first_name="Aïcha", last_name="Traoré", birth_date="1985-04-12"
    )
    client_for(client, counsellor_a)
    page = client.get(f"/beneficiaires/inscription/{referral.pk}/")
    assert page.context["duplicates"] == [existing]
    refused = client.post(f"/beneficiaires/inscription/{referral.pk}/", enrol_post())
    assert "confirmed_new" in refused.context["form"].errors
    assert Beneficiary.objects.count() == 1
    linked = client.post(f"/beneficiaires/inscription/{referral.pk}/lier/{existing.pk}/")
    assert linked["Location"] == f"/beneficiaires/{existing.pk}/"
    referral.refresh_from_db()
    assert referral.beneficiary == existing


def test_file_page_shows_everything_and_is_audited(client, counsellor_b, site_a):
    """Counsellors see beneficiaries of every site."""
    beneficiary = BeneficiaryFactory(enrolled_site=site_a)
    SupportSessionFactory(beneficiary=beneficiary, notes="A configuré son téléphone")
    FollowUpFactory(beneficiary=beneficiary, done=True, monthly_spending=Decimal("20.00"))
    MediationCaseFactory(beneficiary=beneficiary)
    client_for(client, counsellor_b)
    response = client.get(f"/beneficiaires/{beneficiary.pk}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert beneficiary.number in content
    assert "A configuré son téléphone" in content
    assert "15.00 €" in content or "15,00 €" in content  # saving against the 35 € baseline
    assert "SFR" in content
    event = AuditEvent.objects.get(kind=AuditKind.READ)
    assert event.actor == counsellor_b
    assert event.object_id == str(beneficiary.pk)


def test_opening_a_mediation_case_is_audited_as_a_file_read(client, counsellor_b, site_b):
    case = MediationCaseFactory()
    client_for(client, counsellor_b)
    assert client.get(f"/beneficiaires/mediations/{case.pk}/").status_code == 200
    event = AuditEvent.objects.get(kind=AuditKind.READ)
    assert (event.actor, event.site, event.object_id) == (
        counsellor_b,
        site_b,
        str(case.beneficiary_id),
    )
    assert event.data == {"mediation_case": case.pk}


def test_expired_beneficiary_is_flagged(client, counsellor_a):
    beneficiary = BeneficiaryFactory(
        enrolled_on=timezone.localdate() - timedelta(days=500),
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    client_for(client, counsellor_a)
    assert "alert-danger" in client.get(f"/beneficiaires/{beneficiary.pk}/").content.decode()
    search = client.get("/beneficiaires/", {"q": beneficiary.last_name}).content.decode()
    assert "text-bg-danger" in search


def _file_with(beneficiary, size):
    for _ in range(size):
        SupportSessionFactory(beneficiary=beneficiary)
        FollowUpFactory(beneficiary=beneficiary, done=True)
        MediationCaseFactory(beneficiary=beneficiary)
        ReferralFactory(
            site=beneficiary.enrolled_site, beneficiary=beneficiary, status=ReferralStatus.ACCEPTED
        )


@pytest.mark.parametrize("size", [1, 8])
def test_file_page_query_count_is_flat(client, counsellor_a, size, django_assert_num_queries):
    beneficiary = BeneficiaryFactory()
    _file_with(beneficiary, size)
    client_for(client, counsellor_a)
    # 12 for the page (its latest openings included), 1 per section (offers, purchases,
    # workshops, appointments: their messages are a second query only when the person has
    # appointments)
    with django_assert_num_queries(16):
        client.get(f"/beneficiaires/{beneficiary.pk}/")


@pytest.fixture
def test_section():
    """A section registered the way sales or workshops will, counting this person's sessions
    at each site in one query."""

    def context(beneficiary, user):
        rows = (
            SupportSession.objects.filter(beneficiary=beneficiary)
            .values("site__name")
            .annotate(n=Count("pk"))
            .order_by("site__name")
        )
        return {"rows": list(rows)}

    register_file_section(
        FileSection(
            key="test-section",
            title="Section de test",
            order=50,
            template="beneficiaries/tests/section.html",
            context=context,
        )
    )
    yield
    unregister_file_section("test-section")


@pytest.fixture
def section_template(settings, tmp_path):
    folder = tmp_path / "beneficiaries" / "tests"
    folder.mkdir(parents=True)
    (folder / "section.html").write_text(
        "<ul id='test-section'>{% for row in rows %}<li>{{ row.site__name }}: {{ row.n }}</li>"
        "{% endfor %}</ul><p>{{ section.key }} / {{ beneficiary.number }}</p>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]


@pytest.mark.parametrize("size", [1, 8])
def test_file_section_extension_point(
    client, counsellor_a, size, test_section, section_template, django_assert_num_queries
):
    beneficiary = BeneficiaryFactory()
    _file_with(beneficiary, size)
    client_for(client, counsellor_a)
    # the page's count (its sections included) + this section's one
    with django_assert_num_queries(17):
        response = client.get(f"/beneficiaires/{beneficiary.pk}/")
    content = response.content.decode()
    assert "Section de test" in content
    assert f"{escape(beneficiary.enrolled_site.name)}: {size}" in content
    assert f"test-section / {beneficiary.number}" in content


def test_search_by_name_number_and_phone(client, counsellor_a):
    aicha = BeneficiaryFactory(first_name="Aïcha", last_name="Traoré", phone="+33612345678")
    BeneficiaryFactory(first_name="Jean", last_name="Martin", phone="+33698765432")
    client_for(client, counsellor_a)

    def found(query):
        return [b.pk for b in client.get("/beneficiaires/", {"q": query}).context["page_obj"]]

    assert found("aicha traore") == [aicha.pk]
    assert found(aicha.number) == [aicha.pk]
    assert found("06 12 34 56 78") == [aicha.pk]
    assert found("Dupond") == []
    assert (
        "Personne ne correspond" in client.get("/beneficiaires/", {"q": "Dupond"}).content.decode()
    )


@pytest.mark.parametrize("count", [3, 30])
def test_search_query_count_is_flat(client, counsellor_a, count, django_assert_num_queries):
    BeneficiaryFactory.create_batch(count)
    client_for(client, counsellor_a)
    # 6, and the one insert that audits the people listed
    with django_assert_num_queries(7):
        client.get("/beneficiaires/")


def test_member_card_pdf(client, counsellor_a):
    beneficiary = BeneficiaryFactory(first_name="Aïcha", last_name="Traoré")
    client_for(client, counsellor_a)
    response = client.get(f"/beneficiaires/{beneficiary.pk}/carte.pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(__import__("io").BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert round(float(box.width) * 25.4 / 72, 1) == 85.6  # credit-card size
    assert round(float(box.height) * 25.4 / 72, 1) == 54.0
    text = reader.pages[0].extract_text()
    assert beneficiary.number in text
    assert "TRAORÉ" in text


def test_support_follow_up_and_mediation_pages(client, counsellor_a, site_a):
    beneficiary = BeneficiaryFactory()
    planned = FollowUpFactory(beneficiary=beneficiary)
    client_for(client, counsellor_a)
    today = timezone.localdate().isoformat()
    response = client.post(
        f"/beneficiaires/{beneficiary.pk}/accompagnement/",
        {"date": today, "topics": ["reading_bill"], "duration_minutes": "30", "notes": ""},
    )
    assert response.status_code == 302
    assert SupportSession.objects.get().site == site_a
    response = client.post(
        f"/beneficiaires/{beneficiary.pk}/suivi/?suivi={planned.pk}",
        {"done_on": today, "monthly_spending": "-3"},
    )
    assert "supérieure ou égale à 0" in " ".join(
        response.context["form"].errors["monthly_spending"]
    )
    response = client.post(
        f"/beneficiaires/{beneficiary.pk}/suivi/?suivi={planned.pk}",
        {"done_on": today, "monthly_spending": "12"},
    )
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.monthly_spending == Decimal("12.00")
    response = client.post(
        f"/beneficiaires/{beneficiary.pk}/mediation/",
        {"operator": "orange", "amount_owed": "320", "next_action_on": today, "note": "Appel"},
    )
    case = MediationCase.objects.get()
    assert response["Location"] == f"/beneficiaires/mediations/{case.pk}/"
    response = client.post(
        f"/beneficiaires/mediations/{case.pk}/",
        {"status": "closed", "agreement_kind": "full_write_off"},
    )
    assert response.status_code == 200  # open cannot jump to closed
    assert response.context["form"].non_field_errors()
    case.refresh_from_db()
    assert case.status == "open"


def test_a_finished_mediation_page_only_adds_notes(client, counsellor_a):
    case = MediationCaseFactory(status="failed", next_action_on=None)
    url = f"/beneficiaires/mediations/{case.pk}/"
    client_for(client, counsellor_a)
    page = client.get(url)
    assert list(page.context["form"].fields) == ["note"]
    response = client.post(
        url, {"status": "closed", "agreement_kind": "full_write_off", "note": "Relance envoyée"}
    )
    assert response["Location"] == url
    case.refresh_from_db()
    assert (case.status, case.agreement_kind) == ("failed", "")
    assert [n.text for n in case.notes.all()] == ["Relance envoyée"]
    empty = client.post(url, {"note": ""})
    assert empty.status_code == 200
    assert "note" in empty.context["form"].errors


@pytest.mark.parametrize("count", [2, 10])
def test_due_lists_query_count_is_flat(
    client, counsellor_a, site_a, count, django_assert_num_queries
):
    for _ in range(count):
        beneficiary = BeneficiaryFactory(enrolled_site=site_a)
        FollowUpFactory(beneficiary=beneficiary, due_on=timezone.localdate() - timedelta(days=1))
        FollowUpFactory(beneficiary=beneficiary, due_on=timezone.localdate() + timedelta(days=30))
        MediationCaseFactory(beneficiary=beneficiary, site=site_a)
    client_for(client, counsellor_a)
    with django_assert_num_queries(6):
        response = client.get("/beneficiaires/suivis-a-faire/")
    assert len(response.context["page_obj"]) == count
    with django_assert_num_queries(5):
        response = client.get("/beneficiaires/mediations/actions/")
    assert len(response.context["page_obj"]) == count
    assert FollowUp.objects.count() == 2 * count


def test_home_widgets(client, counsellor_a, social_worker_a, site_a, agency_a):
    ReferralFactory(site=site_a)
    client_for(client, counsellor_a)
    assert "1 orientation en attente" in client.get("/").content.decode()
    client_for(client, social_worker_a)
    ReferralFactory(agency=agency_a, referrer=social_worker_a)
    assert "1 en attente" in client.get("/").content.decode()


@pytest.mark.parametrize("new", [0, 1, 6])
@pytest.mark.parametrize("who", ["counsellor_a", "manager_a"])
def test_home_announces_the_new_referrals_of_the_inbox(
    request, client, site_a, site_b, who, new, django_assert_num_queries
):
    """New: received in the last 24 hours and still waiting at the current site (what the
    daily digest counts); nothing at all when there are none."""
    for _ in range(new):
        ReferralFactory(site=site_a)
    ReferralFactory(site=site_a, submitted_at=timezone.now() - timedelta(days=2))  # not new
    ReferralFactory(site=site_a, status=ReferralStatus.WITHDRAWN)  # no longer waiting
    ReferralFactory(site=site_b)  # another site's inbox
    client_for(client, request.getfixturevalue(who))
    with django_assert_num_queries(HOME_QUERIES):
        html = client.get("/").content.decode()
    if new:
        announced = "nouvelles orientations" if new > 1 else "nouvelle orientation"
        assert f'<span class="badge text-bg-primary">{new}</span>' in html
        assert f"{announced} à traiter depuis hier" in html
    else:
        assert "data-new-referrals" not in html and "depuis hier" not in html
    assert f"{new + 1} orientation" in html  # the waiting ones, new or not


def test_referral_consent_not_needed_to_see_own_referral(client, social_worker_a, agency_a):
    referral = ReferralFactory(agency=agency_a, referrer=social_worker_a)
    client_for(client, social_worker_a)
    assert client.get(f"/orientations/{referral.pk}/").status_code == 200
    assert Referral.objects.count() == 1


def test_consents_can_be_changed_but_data_processing_stays_required(client, counsellor_a):
    beneficiary = BeneficiaryFactory(share_outcomes=False)
    client_for(client, counsellor_a)
    url = f"/beneficiaires/{beneficiary.pk}/consentements/"
    refused = client.post(url, {"consent_share_outcomes": "on"})
    assert "consent_data_processing" in refused.context["form"].errors
    client.post(url, {"consent_data_processing": "on", "consent_share_outcomes": "on"})
    assert dict(beneficiary.consents.values_list("kind", "granted")) == {
        "data_processing": True,
        "sms_reminders": False,
        "share_outcomes": True,
    }
    assert AuditEvent.objects.filter(action=AuditAction.CONSENTS_UPDATED).count() == 1


def test_counsellor_without_site_membership_there_cannot_act(client, counsellor_b, site_a):
    """Any counsellor may read a file, but records help only at their own current site."""
    beneficiary = BeneficiaryFactory(enrolled_site=site_a)
    client_for(client, counsellor_b)
    assert client.get(f"/beneficiaires/{beneficiary.pk}/").status_code == 200
    response = client.post(
        f"/beneficiaires/{beneficiary.pk}/accompagnement/",
        {"date": timezone.localdate().isoformat(), "topics": ["other"], "duration_minutes": "5"},
    )
    assert response.status_code == 302
    assert SupportSession.objects.get().site != site_a  # recorded at counsellor B's site


def test_staff_of_a_closed_site_no_longer_read_files(client):
    closed = ReceptionSiteFactory(is_active=False)
    former = staff_user(closed, SiteRole.COUNSELLOR)
    beneficiary = BeneficiaryFactory()
    case = MediationCaseFactory(beneficiary=beneficiary)
    client_for(client, former)
    for url in (
        "/beneficiaires/",
        f"/beneficiaires/{beneficiary.pk}/",
        f"/beneficiaires/{beneficiary.pk}/carte.pdf",
        f"/beneficiaires/mediations/{case.pk}/",
    ):
        assert client.get(url).status_code in (403, 404), url
    assert not AuditEvent.objects.filter(kind=AuditKind.READ).exists()


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/beneficiaires/", {"q": "Aïcha\x00"}),
        ("/beneficiaires/", {"q": "\x00"}),
        ("/orientations/liste/", {"q": "\x00"}),
        ("/orientations/liste/", {"status": "pending\x00"}),
    ],
)
def test_a_nul_byte_in_a_search_is_ignored(client, counsellor_a, site_a, url, params):
    BeneficiaryFactory(first_name="Aïcha")
    ReferralFactory(site=site_a)
    response = client_for(client, counsellor_a).get(url, params)
    assert response.status_code == 200
    assert b"\x00" not in response.content


def test_follow_ups_due_are_those_of_the_people_enrolled_at_the_site(
    client, counsellor_a, site_a, site_b
):
    here = BeneficiaryFactory(enrolled_site=site_a)
    elsewhere = BeneficiaryFactory(enrolled_site=site_b)
    yesterday = timezone.localdate() - timedelta(days=1)
    FollowUp.objects.bulk_create(
        FollowUp(beneficiary=person, due_on=yesterday) for person in (here, elsewhere)
    )
    # A trigger copies the person's enrolment site on every insert and update.
    assert dict(FollowUp.objects.values_list("beneficiary_id", "enrolled_site_id")) == {
        here.pk: site_a.pk,
        elsewhere.pk: site_b.pk,
    }
    FollowUp.objects.filter(beneficiary=here).update(enrolled_site=site_b)
    assert FollowUp.objects.get(beneficiary=here).enrolled_site_id == site_a.pk
    client_for(client, counsellor_a)
    page = client.get("/beneficiaires/suivis-a-faire/")
    assert [f.beneficiary_id for f in page.context["page_obj"]] == [here.pk]
    assert "1 suivi à faire" in client.get("/").content.decode()
