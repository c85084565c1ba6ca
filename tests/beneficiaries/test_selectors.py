from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from beneficiaries import selectors
from beneficiaries.enums import EmploymentStatus, PlanType, ReferralStatus
from beneficiaries.models import Beneficiary, Referral
from beneficiaries.sections import (
    Outcome,
    register_referral_outcome_provider,
    unregister_referral_outcome_provider,
)
from connexions.periods import Period
from tests.beneficiaries.factories import (
    BeneficiaryFactory,
    FollowUpFactory,
    MediationCaseFactory,
    ReferralFactory,
    SupportSessionFactory,
)
from tests.conftest import client_for
from tests.connexions.factories import PartnerAgencyFactory

pytestmark = pytest.mark.django_db

PERIOD = Period(date(2026, 1, 1), date(2026, 6, 30))


# --- finding a person at the till ---------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["CS-{n:06d}", "CS{n:06d}", " cs{n:06d} ", "{n:06d}", "{n}", "AZERTY"],
)
def test_beneficiary_by_member_number(typed):
    beneficiary = BeneficiaryFactory()
    if typed == "AZERTY":
        # What a scanner set to a US layout types on a French keyboard for "CS000123".
        raw = "CS" + f"{beneficiary.pk:06d}".translate(str.maketrans("1234567890", "&é\"'(-è_çà"))
    else:
        raw = typed.format(n=beneficiary.pk)
    assert selectors.beneficiary_by_member_number(raw) == beneficiary


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("CS-000123", 123), ("cs 000123", 123), ("123", 123), ('CSààà&é"', 123), ("CS-12-3", None)],
)
def test_one_parser_reads_member_numbers(raw, expected):
    assert Beneficiary.id_from_number(raw) == expected


def test_search_finds_a_person_by_member_number_in_any_form(counsellor_a):
    beneficiary = BeneficiaryFactory()
    for typed in (beneficiary.number, beneficiary.scan_code, str(beneficiary.pk)):
        assert list(selectors.beneficiary_search(counsellor_a, typed)) == [beneficiary]


@pytest.mark.parametrize("raw", ["", "CS-", "XY000001", "CS-0000001234567890", "Dupont"])
def test_unknown_member_number(raw):
    BeneficiaryFactory()
    assert selectors.beneficiary_by_member_number(raw) is None


def test_member_number_lookup_scoped_to_user(social_worker_a, counsellor_a):
    beneficiary = BeneficiaryFactory()
    assert selectors.beneficiary_by_member_number(beneficiary.number, user=social_worker_a) is None
    assert (
        selectors.beneficiary_by_member_number(beneficiary.number, user=counsellor_a) == beneficiary
    )
    assert list(Beneficiary.objects.visible_to(social_worker_a)) == []
    assert list(Beneficiary.objects.visible_to(counsellor_a)) == [beneficiary]


def test_eligibility_on_a_date_includes_the_last_day():
    today = timezone.localdate()
    valid = BeneficiaryFactory(valid_until=today)
    expired = BeneficiaryFactory(
        enrolled_on=today - timedelta(days=400), valid_until=today - timedelta(days=1)
    )
    assert valid.is_eligible and valid.is_eligible_on(today)
    assert not valid.is_eligible_on(today + timedelta(days=1))
    assert not expired.is_eligible
    assert list(Beneficiary.objects.eligible_on(today)) == [valid]


# --- impact figures ----------------------------------------------------------------------------


def enrolled(site, agency, on=date(2026, 3, 1), **fields):
    return BeneficiaryFactory(
        enrolled_site=site, enrolled_on=on, enrolment_referral__agency=agency, **fields
    )


def test_enrolment_figures_use_the_published_denominators(site_a, site_b, agency_a, agency_b):
    # 5 people enrolled at site A through agency A in the period:
    enrolled(
        site_a,
        agency_a,
        has_mobile=False,
        plan_type=PlanType.NONE,
        operator="",
        monthly_spending=None,
        has_computer=True,
    )
    prepaid_1 = enrolled(site_a, agency_a, monthly_spending=Decimal("40.00"), has_internet=True)
    enrolled(site_a, agency_a, monthly_spending=Decimal("30.00"))
    enrolled(
        site_a,
        agency_a,
        monthly_spending=Decimal("20.00"),
        employment_status=EmploymentStatus.EMPLOYED,
    )
    enrolled(
        site_a,
        agency_a,
        plan_type=PlanType.CONTRACT,
        monthly_spending=Decimal("50.00"),
        employment_status=EmploymentStatus.RETIRED,
        has_computer=True,
    )
    # Follow-ups do not change the situation at enrolment (their figures are
    # follow_up_figures', tested in tests/connexions/test_impact_definitions.py).
    FollowUpFactory(beneficiary=prepaid_1, done=True, monthly_spending=Decimal("10"))
    # Outside the scope: another site, another agency, another period.
    enrolled(site_b, agency_a)
    enrolled(site_a, agency_b)
    enrolled(site_a, agency_a, on=date(2025, 12, 31), valid_until=date(2026, 12, 31))

    figures = selectors.enrolment_figures(period=PERIOD, sites=[site_a], agency=agency_a)

    assert figures.enrolled == 5
    assert (figures.no_mobile, figures.no_mobile_rate) == (1, Decimal("20.0"))  # 1 / 5
    assert (figures.with_mobile, figures.prepaid) == (4, 3)
    assert figures.prepaid_rate == Decimal("75.0")  # 3 / 4 who had a mobile
    assert figures.job_seeking_rate == Decimal("60.0")  # 3 / 5
    assert figures.computer_rate == Decimal("40.0")  # 2 / 5
    assert figures.internet_rate == Decimal("20.0")  # 1 / 5
    assert figures.with_spending == 4
    assert figures.average_spending == Decimal("35.00")  # (40 + 30 + 20 + 50) / 4
    # The dashboard reads them with the people active in the period, in one scan: the same
    # figures, the person enrolled before the period (active in it) left out, in every scope.
    for scope in ({"sites": [site_a], "agency": agency_a}, {}, {"sites": [site_b]}):
        people = selectors.people_figures(period=PERIOD, **scope)
        assert people.enrolment == selectors.enrolment_figures(period=PERIOD, **scope)
    assert selectors.people_figures(period=PERIOD, sites=[site_a], agency=agency_a).enrolment == (
        figures
    )


def test_beneficiaries_by_site_and_month(
    site_a, site_b, agency_a, agency_b, django_assert_num_queries
):
    enrolled(site_a, agency_a, on=date(2026, 1, 10))
    enrolled(site_a, agency_a, on=date(2026, 3, 5))
    enrolled(site_a, agency_b, on=date(2026, 3, 6))
    enrolled(site_b, agency_a, on=date(2026, 6, 30))
    # Enrolled before the period, still eligible in it: active, not enrolled in the period.
    enrolled(site_b, agency_a, on=date(2025, 6, 1), valid_until=date(2026, 5, 31))
    # Eligibility over before the period: neither.
    enrolled(site_b, agency_a, on=date(2024, 6, 1), valid_until=date(2025, 5, 31))

    with django_assert_num_queries(2):  # the counts, then the sites' names
        rows = selectors.beneficiaries_by_site(period=PERIOD)
    assert [(r["site_name"], r["enrolled"], r["active"]) for r in rows] == sorted(
        [(site_a.name, 3, 3), (site_b.name, 1, 2)]
    )
    with django_assert_num_queries(1):  # the partner report's people served: the same rule
        assert selectors.active_people(period=PERIOD) == 5
    assert selectors.active_people(period=PERIOD, sites=[site_b]) == 2
    assert selectors.beneficiaries_by_site(period=PERIOD, sites=[site_b], agency=agency_b) == []
    rows = selectors.beneficiaries_by_site(period=PERIOD, agency=agency_b)
    assert [(r["site_id"], r["enrolled"]) for r in rows] == [(site_a.pk, 1)]

    with django_assert_num_queries(1):
        months = selectors.enrolment_figures(period=PERIOD, sites=[site_a]).by_month
    assert months == [
        {"month": date(2026, 1, 1), "enrolled": 1},
        {"month": date(2026, 3, 1), "enrolled": 2},
    ]


def test_enrolment_figures_query_count(site_a, agency_a, django_assert_num_queries):
    enrolled(site_a, agency_a)
    with django_assert_num_queries(1):
        selectors.enrolment_figures(period=PERIOD, sites=[site_a.pk], agency=agency_a)


def test_empty_figures_have_no_rates():
    figures = selectors.enrolment_figures(period=PERIOD)
    assert figures.enrolled == 0
    assert figures.no_mobile_rate is None
    assert figures.average_spending is None


def test_referral_figures(site_a, site_b, agency_a, agency_b, django_assert_num_queries):
    in_period = timezone.make_aware(timezone.datetime(2026, 2, 1, 10))
    for status, reason, agency in [
        (ReferralStatus.PENDING, "", agency_a),
        (ReferralStatus.DECLINED, "unreachable", agency_a),
        (ReferralStatus.DECLINED, "not_eligible", agency_b),
        (ReferralStatus.WITHDRAWN, "", agency_b),
    ]:
        ReferralFactory(
            site=site_a,
            agency=agency,
            status=status,
            decline_reason=reason,
            submitted_at=in_period,
        )
    ReferralFactory(site=site_b, submitted_at=in_period)
    ReferralFactory(site=site_a, submitted_at=in_period - timedelta(days=60))
    with django_assert_num_queries(4):  # the summary's coverage, its rows, the live count, names
        figures = selectors.referral_figures(period=PERIOD, sites=[site_a])
    assert figures.total == 4
    assert figures.by_status == {"declined": 2, "pending": 1, "withdrawn": 1}
    assert figures.by_decline_reason == {"not_eligible": 1, "unreachable": 1}
    assert figures.by_profile == {"budget_fragility": 4}
    assert [(row["agency_name"], row["total"]) for row in figures.by_agency] == [
        (agency_b.name, 2) if agency_b.name < agency_a.name else (agency_a.name, 2),
        (agency_a.name, 2) if agency_b.name < agency_a.name else (agency_b.name, 2),
    ]
    assert selectors.referral_figures(period=PERIOD, sites=[site_a], agency=agency_a).total == 2


def test_referrals_by_agency_largest_first_then_in_french_order(site_a):
    in_period = timezone.make_aware(timezone.datetime(2026, 3, 2, 9))
    sent = {"Paris Aide": 1, "Évry Solidarité": 1, "association locale": 1, "Zèbre": 2}
    for name, n in sent.items():
        agency = PartnerAgencyFactory(name=name)
        for _ in range(n):
            ReferralFactory(site=site_a, agency=agency, submitted_at=in_period)
    BeneficiaryFactory(  # its referral accepted
        enrolled_site=site_a,
        enrolment_referral__agency=agency,
        enrolment_referral__submitted_at=in_period,
    )
    figures = selectors.referral_figures(period=PERIOD, sites=[site_a])
    assert [(r["agency_name"], r["total"], r["accepted"]) for r in figures.by_agency] == [
        ("Zèbre", 3, 1),
        ("association locale", 1, 0),
        ("Évry Solidarité", 1, 0),
        ("Paris Aide", 1, 0),
    ]
    assert figures.by_status == {"accepted": 1, "pending": 5}


def test_support_counts_people_once_per_site_and_once_in_all(
    site_a, site_b, django_assert_num_queries
):
    # French order, accents second, whatever the database's collation ("É" sorts after "P" byte
    # by byte).
    site_a.name, site_b.name = "Paris 14e", "Évry"
    site_a.save(update_fields=["name"])
    site_b.save(update_fields=["name"])
    one, two = BeneficiaryFactory(enrolled_site=site_a), BeneficiaryFactory(enrolled_site=site_a)
    on = date(2026, 3, 2)
    for person, site, topics, minutes in [
        (one, site_a, ["reading_bill"], 30),
        (one, site_a, ["reading_bill", "other"], 45),
        (one, site_b, ["device_setup", "device_setup"], 60),  # another site; a topic once
        (two, site_a, ["other"], 20),
    ]:
        SupportSessionFactory(
            beneficiary=person, site=site, date=on, topics=topics, duration_minutes=minutes
        )
    SupportSessionFactory(beneficiary=two, site=site_b, date=date(2026, 7, 1))  # after
    # The summary's coverage, sessions and topics grouped by site and topics (from the summary
    # and live), people per site, the sites' names, people.
    with django_assert_num_queries(6):
        support = selectors.support_figures(period=PERIOD)
    assert (support.sessions, support.people, support.hours) == (4, 2, Decimal("2.6"))
    assert [row["site_name"] for row in support.by_site] == ["Évry", "Paris 14e"]
    at_b, at_a = support.by_site
    assert (at_a["sessions"], at_a["people"], at_a["reading_bill"], at_a["other"]) == (3, 2, 2, 2)
    assert (at_a["device_setup"], at_b["sessions"], at_b["people"], at_b["device_setup"]) == (
        0,
        1,
        1,
        1,
    )
    assert support.by_topic == {
        "choosing_offer": 0,
        "cancelling_contract": 0,
        "reading_bill": 2,
        "device_setup": 1,
        "online_procedures": 0,
        "other": 2,
    }
    assert selectors.support_figures(period=PERIOD, sites=[site_b]).people == 1


def test_mediation_figures(site_a, agency_a, django_assert_num_queries):
    person = enrolled(site_a, agency_a)
    MediationCaseFactory(
        beneficiary=person,
        site=site_a,
        opened_on=date(2026, 2, 1),
        amount_owed=Decimal("300"),
        status="agreement",
        agreement_kind="partial_write_off",
        amount_written_off=Decimal("100"),
    )
    MediationCaseFactory(
        beneficiary=person, site=site_a, opened_on=date(2026, 3, 1), amount_owed=Decimal("50")
    )
    MediationCaseFactory(beneficiary=person, site=site_a, opened_on=date(2025, 3, 1))
    with django_assert_num_queries(2):
        figures = selectors.mediation_figures(period=PERIOD, sites=[site_a], agency=agency_a)
    assert figures.opened == 2
    assert figures.agreements == 1
    assert figures.amount_owed == Decimal("350.00")
    assert figures.amount_written_off == Decimal("100.00")
    assert figures.by_status == {"agreement": 1, "open": 1}


# --- referral-outcome providers ----------------------------------------------------------------


@pytest.fixture
def workshop_provider():
    """A provider registered the way workshops will: one call per page of referrals."""
    calls = []

    def provider(referrals):
        calls.append([r.pk for r in referrals])
        return {
            r.pk: [Outcome("workshops.attended", "Atelier suivi", timezone.localdate())]
            for r in referrals
        }

    register_referral_outcome_provider("workshops", provider)
    yield calls
    unregister_referral_outcome_provider("workshops")


def test_outcome_provider_is_called_once_per_page_with_shared_referrals_only(
    client, social_worker_a, agency_a, workshop_provider
):
    sharing = [
        BeneficiaryFactory(
            share_outcomes=True,
            enrolment_referral__agency=agency_a,
            enrolment_referral__referrer=social_worker_a,
        )
        for _ in range(3)
    ]
    BeneficiaryFactory(
        share_outcomes=False,
        enrolment_referral__agency=agency_a,
        enrolment_referral__referrer=social_worker_a,
    )
    ReferralFactory(agency=agency_a, referrer=social_worker_a)
    client_for(client, social_worker_a)
    response = client.get("/orientations/liste/")
    assert len(workshop_provider) == 1
    assert sorted(workshop_provider[0]) == sorted(b.enrolment_referral_id for b in sharing)
    assert "Atelier suivi" in response.content.decode()
    assert Referral.objects.count() == 5
