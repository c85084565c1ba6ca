"""The impact dashboard and the partner report answer in a number of queries that does not grow
with the data: measured at two data sizes."""

from datetime import date, timedelta

import pytest

from beneficiaries.enums import OfferKind
from connexions.enums import SiteRole
from connexions.impact.report import SECTIONS, impact_report, impact_table
from connexions.periods import Period
from sales import refunds, summaries
from sales.services import CartItem
from tests.beneficiaries.factories import (
    FollowUpFactory,
    MediationCaseFactory,
    SupportSessionFactory,
)
from tests.conftest import client_for
from tests.connexions.factories import PartnerAgencyFactory, ReceptionSiteFactory, staff_user
from tests.connexions.impact_data import SALE_TIME, declined_referrals, enrol_people
from tests.sales.factories import checkout, open_till, stocked_site
from tests.workshops.factories import (
    FacilitatorFactory,
    RegistrationFactory,
    WorkshopSessionFactory,
)

pytestmark = pytest.mark.django_db

YEAR_2026 = {"start": "2026-01-01", "end": "2026-12-31"}


# --- queries -----------------------------------------------------------------------------------


def _grow(size, site_a, site_b, agency_a, agency_b, recorder):
    """`size` people at each of two sites and agencies, with follow-ups, mediation cases, support
    sessions, offers subscribed with help, sales and a refund."""
    for site, agency, start in [(site_a, agency_a, 0), (site_b, agency_b, 1000)]:
        seller = staff_user(site, SiteRole.SITE_MANAGER, can_open_till=True)
        open_till(site, seller)
        topup, _, _ = stocked_site(site, seller, vouchers=5, phones=0)
        people = enrol_people(
            site=site,
            agency=agency,
            recorder=recorder,
            specs=[{"enrolled_on": date(2026, 1 + n % 12, 1)} for n in range(size)],
            start=start,
        )
        for person in people[: max(1, size // 10)]:
            FollowUpFactory(beneficiary=person, done=True, done_on=date(2026, 11, 1))
            MediationCaseFactory(beneficiary=person, site=site, opened_on=date(2026, 6, 1))
            SupportSessionFactory(beneficiary=person, date=date(2026, 10, 1))
            person.offer_subscriptions.create(
                site=site,
                counsellor=recorder,
                subscribed_on=date(2026, 10, 1),
                operator="orange",
                kind=OfferKind.SOCIAL_MOBILE,
                monthly_price="10.00",
            )
        sales = [  # people enrolled January to May: eligible in July
            checkout(site, person, [CartItem(topup)], seller, now=SALE_TIME).sale
            for person in people[: 1 + size // 10]
        ]
        refunds.refund_create(
            sale=sales[0],
            quantities={sales[0].lines.get().pk: 1},
            reason="entry_error",
            voucher_unused=True,
            actor=seller,
        )
        for n in range(1 + size // 10):
            session = WorkshopSessionFactory(
                site=site, starts_at=SALE_TIME + timedelta(days=n), status="held"
            )
            session.facilitators.add(FacilitatorFactory())
            for person in people[n::5]:
                RegistrationFactory(session=session, beneficiary=person, status="present")
        declined_referrals(
            site=site, agency=agency, recorder=recorder, count=size, submitted_on=date(2026, 2, 1)
        )
        PartnerAgencyFactory()
        ReceptionSiteFactory()
    summaries.refresh()  # the months before this one are read from the monthly summary


# Session, user, current site, the agency chosen; 35 aggregate queries (the people enrolled, by
# month, and active, by site, 2 with the sites' names; follow-ups 1; referrals 4 with their
# monthly summary and the agencies' names; mediation 2; support 6 with its monthly summary;
# offers 1; sales 10 with the monthly summary; workshops 3; since the launch 6); the page's
# filter choices. Admins: one more, their second-factor device; site managers too: the ids of
# their sites, read once for every figure.
@pytest.mark.parametrize("size", [3, 40])
@pytest.mark.parametrize(
    ("who", "path", "queries"),
    [
        ("programme_admin", "/impact/", 43),
        ("manager_a", "/impact/", 43),
        ("programme_admin", "/impact/bilan.pdf", 41),
        # A CSV computes only its table (see below): after the same five queries (session,
        # user, device, the filters' agency and sites), the key figures read every app but
        # mediation, appointments and the "since launch" row (27); the "since launch" row its
        # 6; a section's table its section's (sales 10, people 2, mediation 2).
        ("programme_admin", "/impact/export/chiffres-cles.csv", 32),
        ("programme_admin", "/impact/export/depuis-le-lancement.csv", 11),
        ("programme_admin", "/impact/export/ventes-par-site-et-mois.csv", 15),
        ("programme_admin", "/impact/export/beneficiaires-par-site.csv", 7),
        ("programme_admin", "/impact/export/mediation.csv", 7),
    ],
)
def test_query_count_does_not_grow_with_the_data(
    request,
    client,
    django_assert_num_queries,
    size,
    who,
    path,
    queries,
    site_a,
    site_b,
    agency_a,
    agency_b,
):
    user = request.getfixturevalue(who)
    _grow(size, site_a, site_b, agency_a, agency_b, user)
    client = client_for(client, user)
    params = {**YEAR_2026, "agency": agency_a.pk}
    client.get(path, params)
    with django_assert_num_queries(queries):
        assert client.get(path, params).status_code == 200


def test_one_table_is_the_same_computed_alone(site_a, site_b, agency_a, agency_b, manager_a):
    """A CSV computes only its table's section (`impact_table`): the same table as the whole
    report's, for every table; and each section's declared keys are its tables'."""
    _grow(3, site_a, site_b, agency_a, agency_b, manager_a)
    year = Period(date(2026, 1, 1), date(2026, 12, 31))
    for scope in ({"period": year, "agency": agency_a}, {"period": year, "sites": [site_b.pk]}):
        report = impact_report(**scope)
        assert [keys for _build, keys in SECTIONS] == [
            tuple(table.key for table in section.tables) for section in report.sections
        ]
        tables = report.tables()
        assert len({table.key for table in tables}) == len(tables)
        for table in tables:
            assert impact_table(table.key, **scope) == table
        assert impact_table("nulle", **scope) is None
