"""`seed_demo --scale programme`, at a small size: what the bulk writer leaves checks out (the
till journals verify, stock equals its ledger), the dashboard's own report gives the press kit's
figures within 2 points, and the activity is spread as a programme's would be."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F
from django.test import TestCase
from django.utils import timezone

from beneficiaries.models import Beneficiary, FollowUp, MediationCase, SupportSession
from catalogue.enums import DeviceStatus, VoucherStatus
from catalogue.models import Device, Voucher
from connexions.impact.report import impact_report
from connexions.models import Grant, Partner
from connexions.periods import Period
from connexions.scale import PARTNERS
from connexions.seeding_programme import YEARS, programme_period
from sales.models import Refund, Sale, SaleLine
from workshops.enums import RegistrationStatus
from workshops.models import Registration, WorkshopSession

pytestmark = pytest.mark.django_db

PEOPLE = 300


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for this module, in a transaction rolled back at its end (as tests/demo)."""
    with django_db_blocker.unblock():
        atomics = TestCase._enter_atomics()
        try:
            out = io.StringIO()
            call_command("seed_demo", scale="programme", people=PEOPLE, stdout=out)
            yield out.getvalue()
        finally:
            TestCase._rollback_atomics(atomics)


def _figures(period):
    return {f.key: f.cell.value for f in impact_report(period=period).key_figures}


def test_journal_and_ledger_check_out(seeded):
    call_command("verify_journal", stdout=io.StringIO())
    call_command("catalogue_check_ledger", stdout=io.StringIO())
    assert Sale.objects.exists() and Refund.objects.exists()


@pytest.mark.parametrize(
    "key, published",
    [
        ("no_mobile", 20),  # over all enrolled
        ("prepaid", 87),  # over mobile owners
        ("job_seeking", 67),
        ("computer", 55),
        ("internet", 48),
        ("spending", 35),  # EUR a month at entry
        ("reduction", 27),  # EUR a month less at the latest follow-up
    ],
)
def test_the_dashboard_gives_the_published_figures(seeded, key, published):
    figures = _figures(programme_period())
    assert abs(figures[key] - Decimal(published)) <= 2, (key, figures[key])


def test_the_figures_hold_on_a_shorter_period_too(seeded):
    today = timezone.localdate()
    figures = _figures(Period(today - timedelta(days=2 * 365), today))
    assert abs(figures["no_mobile"] - 20) <= 2
    assert abs(figures["job_seeking"] - 67) <= 2


def test_the_command_prints_the_comparison(seeded):
    assert "Programme-scale demo ready" in seeded
    assert "OFF" not in seeded
    assert seeded.count(" ok") == 7


def test_people_and_follow_ups_over_the_years(seeded):
    assert Beneficiary.objects.count() == PEOPLE
    years = {d.year for d in Beneficiary.objects.values_list("enrolled_on", flat=True)}
    assert len(years) >= YEARS
    assert Beneficiary.objects.values("enrolled_site").distinct().count() == 7
    done = FollowUp.objects.filter(done_on__isnull=False)
    assert done.exists() and FollowUp.objects.filter(done_on__isnull=True).exists()
    # The situation at follow-up is recorded: some found a job or a training.
    assert done.filter(employment_status__in=["employed", "training"]).exists()
    assert SupportSession.objects.count() > PEOPLE
    assert MediationCase.objects.filter(amount_written_off__gt=0).exists()


def test_sales_spread_over_the_years_and_the_people(seeded):
    assert Sale.objects.dates("at", "year").count() >= YEARS
    busiest = (
        Sale.objects.values("beneficiary", "at__year", "at__month")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert busiest["n"] <= 6
    # Each person buys at the site where they enrolled.
    assert not Sale.objects.exclude(site=F("beneficiary__enrolled_site")).exists()


def test_top_ups_phones_and_offers(seeded):
    figures = _figures(programme_period())
    assert figures["topups"] > PEOPLE
    # Most of those who came without a mobile bought their first phone at the till.
    assert figures["first_phones_without"] > 80
    assert figures["first_phones"] > 15
    assert figures["offers"] > 0
    assert Voucher.objects.filter(status=VoucherStatus.IN_STOCK).exists()
    assert Device.objects.filter(status=DeviceStatus.SOLD).count() == (
        SaleLine.objects.filter(device__isnull=False).count()
    )


def test_a_person_joins_a_few_workshops(seeded):
    per_person = Registration.objects.values("beneficiary").annotate(n=Count("pk"))
    assert per_person.exists()
    assert max(row["n"] for row in per_person) <= 4
    assert WorkshopSession.objects.dates("starts_at", "year").count() >= YEARS
    statuses = set(Registration.objects.values_list("status", flat=True))
    assert {RegistrationStatus.PRESENT, RegistrationStatus.ABSENT} <= statuses
    # Nobody registers at another site than their own.
    assert not Registration.objects.exclude(session__site=F("beneficiary__enrolled_site")).exists()


def test_partners_and_grants(seeded):
    # the programme's five funders, beside the donors the small demo's stock names
    names = set(Partner.objects.values_list("name", flat=True))
    assert {name for name, *_rest in PARTNERS} <= names
    assert Grant.objects.filter(sites__isnull=True).exists()
    assert Grant.objects.filter(sites__isnull=False).exists()


def test_refuses_a_database_that_has_people(seeded):
    with pytest.raises(CommandError, match="empty database"):
        call_command("seed_demo", scale="programme", people=10, stdout=io.StringIO())
