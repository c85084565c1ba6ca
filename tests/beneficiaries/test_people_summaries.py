"""The impact dashboard's monthly summary of referrals and support sessions (docs/architecture.md,
"Dashboard summaries"): the whole months it covers are read from it, the rest is counted live,
a closed month changed since the rebuild is counted live too (its rows' triggers mark it), and
every figure is the one the live count gives, over three years of generated data."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import TestCase
from django.utils import timezone

from beneficiaries import summaries
from beneficiaries.enums import SituationProfile
from beneficiaries.models import (
    Beneficiary,
    PeopleMonth,
    PeopleMonthsCovered,
    PeopleMonthStale,
    Referral,
    SupportSession,
)
from beneficiaries.selectors import referral_figures, support_figures
from connexions.impact.report import BEFORE_LAUNCH
from connexions.models import ReceptionSite
from connexions.periods import Period, add_months, first_of_month
from tests.beneficiaries.factories import ReferralFactory
from tests.connexions.factories import PartnerAgencyFactory
from tests.summaries import counted_live, read_from


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Three years of people (the seeder rebuilds the summary at its end). Rolled back at the
    module's end."""
    with django_db_blocker.unblock():
        atomics = TestCase._enter_atomics()
        try:
            call_command("seed_scale", people=300, sale_lines=300, stdout=io.StringIO())
            yield
        finally:
            TestCase._rollback_atomics(atomics)


def _live(fn, **scope):
    return counted_live(PeopleMonthsCovered, fn, **scope)


def _read_summary(fn, **scope):
    """`fn` with the summary: it has rows for the period, and its query ran."""
    kind = PeopleMonth.REFERRALS if fn is referral_figures else PeopleMonth.SUPPORT
    assert summaries.split(scope["period"], kind)[0].exists()
    return read_from('beneficiaries_peoplemonth"', fn, **scope)


def _scopes():
    today = timezone.localdate()
    agency = (
        Beneficiary.objects.values("enrolment_referral__agency")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("enrolment_referral__agency", flat=True)[0]
    )
    site = Referral.objects.values_list("site", flat=True).first()
    twelve = Period(add_months(today, -12) + timedelta(days=1), today)
    three_years = Period(today.replace(year=today.year - 3) + timedelta(days=1), today)
    closed = Period(add_months(first_of_month(today), -6), first_of_month(today) - timedelta(1))
    return [
        {"period": twelve},
        {"period": three_years},
        {"period": Period(BEFORE_LAUNCH, today)},
        {"period": closed},
        {"period": twelve, "sites": ReceptionSite.objects.filter(pk=site)},
        {"period": three_years, "agency": agency},
    ]


def _equal_to_live(scope):
    summarised = _read_summary(referral_figures, **scope)
    assert summarised == _live(referral_figures, **scope)
    support = _read_summary(support_figures, **scope)
    assert support == _live(support_figures, **scope)
    return summarised, support


pytestmark = pytest.mark.django_db


def test_the_summary_covers_the_closed_months(seeded):
    assert PeopleMonthsCovered.objects.get(pk=1).until == first_of_month(timezone.localdate())
    for kind in (PeopleMonth.REFERRALS, PeopleMonth.SUPPORT):
        months = set(PeopleMonth.objects.filter(kind=kind).values_list("month", flat=True))
        assert len(months) >= 24 and max(months) < first_of_month(timezone.localdate())
    assert not PeopleMonthStale.objects.exists()


@pytest.mark.parametrize("index", range(6))
def test_figures_equal_the_live_count(seeded, index):
    referrals, support = _equal_to_live(_scopes()[index])
    assert referrals.total > 0 and support.sessions > 0


def _closed_month_rows():
    month = add_months(first_of_month(timezone.localdate()), -5)
    start, end = Period(month, add_months(month, 1) - timedelta(days=1)).bounds()
    referral = Referral.objects.filter(submitted_at__gte=start, submitted_at__lt=end).first()
    session = SupportSession.objects.filter(date__gte=month, date__lt=add_months(month, 1)).first()
    return month, referral, session


def test_a_closed_month_changed_is_counted_live_until_the_rebuild(seeded):
    month, referral, session = _closed_month_rows()
    scope = {"period": Period(add_months(month, -1), add_months(month, 2))}
    before_referrals, before_support = _equal_to_live(scope)
    other = next(p for p in SituationProfile.values if p != referral.profile)
    Referral.objects.filter(pk=referral.pk).update(profile=other)
    SupportSession.objects.filter(pk=session.pk).update(topics=["other", "reading_bill"])
    assert set(PeopleMonthStale.objects.values_list("kind", "month")) == {
        (PeopleMonth.REFERRALS, month),
        (PeopleMonth.SUPPORT, month),
    }
    referrals, support = _equal_to_live(scope)  # the marked month counted live
    assert referrals.by_profile != before_referrals.by_profile
    assert support.by_topic != before_support.by_topic
    # A session moved to another month marks both; one deleted, its month.
    SupportSession.objects.filter(pk=session.pk).update(date=add_months(session.date, 1))
    _equal_to_live(scope)
    summaries.refresh()
    assert not PeopleMonthStale.objects.exists()
    assert _equal_to_live(scope)[0] == referrals


def test_an_agency_changed_moves_its_person_s_sessions(seeded):
    """A session counts under the agency of the referral that enrolled its person: that
    referral's agency changed marks the months of the person's sessions."""
    month, _referral, session = _closed_month_rows()
    enrolment = session.beneficiary.enrolment_referral
    old_agency, new_agency = enrolment.agency, PartnerAgencyFactory()
    Referral.objects.filter(pk=enrolment.pk).update(agency=new_agency)
    assert PeopleMonthStale.objects.filter(kind=PeopleMonth.SUPPORT, month=month).exists()
    # Whole months around the session's, so the others are read from the summary.
    period = Period(add_months(month, -2), add_months(month, 1) - timedelta(days=1))
    support = _read_summary(support_figures, period=period, agency=new_agency)
    assert support == _live(support_figures, period=period, agency=new_agency)
    assert support.sessions >= 1
    assert _read_summary(support_figures, period=period, agency=old_agency) == _live(
        support_figures, period=period, agency=old_agency
    )


def test_the_current_month_is_never_marked(seeded):
    referral = Referral.objects.filter(submitted_at__gte=Period.year_to_date().bounds()[0]).first()
    ReferralFactory(site=referral.site, agency=referral.agency)  # now: the current month
    assert not PeopleMonthStale.objects.exists()
