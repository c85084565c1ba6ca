"""Partners and grants: who may see them, the partner report (page, CSV, PDF) worked out by
hand, the small-group rule on all three, and a bounded number of queries."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from catalogue.enums import Acquisition
from connexions.enums import PartnerKind
from connexions.impact.partners import partner_report
from connexions.models import Grant, Partner
from connexions.periods import Period
from sales import refunds
from sales.services import CartItem
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.catalogue.factories import ProductFactory, receive_phone, receive_vouchers
from tests.conftest import client_for
from tests.connexions.factories import staff_user
from tests.connexions.test_impact import csv_rows, page_text, pdf_text
from tests.sales.factories import checkout, open_till, stocked_site

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = {"start": "2026-01-01", "end": "2026-12-31"}
TZ = timezone.get_current_timezone()


def grant(partner, amount, start, end, purpose, sites=()):
    made = Grant.objects.create(
        partner=partner, amount=D(amount), starts_on=start, ends_on=end, purpose=purpose
    )
    made.sites.set(sites)
    return made


@pytest.fixture
def funded(site_a, site_b, manager_a, agency_a):
    """Six people at site A and one at site B, enrolled in 2026; at site A six top-ups sold on
    10 March (one refunded on 20 March), at site B a phone sold on 10 May."""
    town = Partner.objects.create(name="Ville de Saint-Denis", kind=PartnerKind.LOCAL_AUTHORITY)
    other = Partner.objects.create(name="Fondation Lien", kind=PartnerKind.FOUNDATION)
    grant(town, "10000.00", date(2026, 1, 1), date(2026, 6, 30), "Lancement", [site_a])
    grant(town, "2000.00", date(2026, 4, 1), date(2026, 12, 31), "Antenne", [site_b])
    grant(town, "5000.00", date(2026, 1, 1), date(2026, 12, 31), "Option 1 € par mois")
    grant(town, "900.00", date(2024, 1, 1), date(2024, 12, 31), "Ancienne subvention")
    grant(other, "700.00", date(2026, 1, 1), date(2026, 12, 31), "Autre partenaire")
    manager_b = staff_user(site_b, "site_manager", can_open_till=True)
    open_till(site_a, manager_a)
    open_till(site_b, manager_b)
    topup, _phone, _ = stocked_site(site_a, manager_a, vouchers=6, phones=0)
    _topup, phone, devices = stocked_site(site_b, manager_b, vouchers=0, phones=1)
    people = [
        BeneficiaryFactory(
            enrolled_site=site_a, enrolled_on=date(2026, 2, 1), enrolment_referral__agency=agency_a
        )
        for _ in range(6)
    ]
    sales = [
        checkout(
            site_a, p, [CartItem(topup)], manager_a, now=datetime(2026, 3, 10, 10, tzinfo=TZ)
        ).sale
        for p in people
    ]
    refunds.refund_create(
        sale=sales[0],
        quantities={sales[0].lines.get().pk: 1},
        reason="entry_error",
        voucher_unused=True,
        actor=manager_a,
        now=datetime(2026, 3, 20, 10, tzinfo=TZ),
    )
    at_b = BeneficiaryFactory(enrolled_site=site_b, enrolled_on=date(2026, 5, 1))
    checkout(
        site_b,
        at_b,
        [CartItem(phone, device_code=devices[0].imei)],
        manager_b,
        now=datetime(2026, 5, 10, 10, tzinfo=TZ),
    )
    return town


def test_partner_report_figures(funded):
    report = partner_report(funded, Period(date(2026, 1, 1), date(2026, 12, 31)))
    grants = {
        row[0].value: [cell.value for cell in row[1:]] for row in report.contributions[0].rows
    }
    # Launch grant, site A, January to June: the 6 people there, 5 top-ups net, 5 x 12.50.
    assert grants["Lancement"][0] == D("10000.00")
    assert grants["Lancement"][3:] == [6, 5, 0, D("62.50")]
    # Site B, April to December: 1 person, the phone (189 - 49).
    assert grants["Antenne"][3:] == [1, 0, 1, D("140.00")]
    # Programme-wide, the whole year: everyone and everything.
    assert grants["Option 1 € par mois"][2] == "Ensemble du programme"
    assert grants["Option 1 € par mois"][3:] == [7, 5, 1, D("202.50")]
    # Neither the 2024 grant nor another partner's.
    assert set(grants) == {"Lancement", "Antenne", "Option 1 € par mois"}
    programme = {row[0].value: row[1].value for row in report.programme.rows}
    assert programme["Personnes inscrites"] == 7
    assert programme["Recharges vendues"] == 5
    assert programme["Aide totale apportée"] == D("202.50")


def test_partner_pages_page_csv_pdf_small_groups(client, programme_admin, funded, site_b):
    client = client_for(client, programme_admin)
    listing = page_text(client.get("/impact/partenaires/").content.decode())
    assert "Ville de Saint-Denis" in listing and "Collectivité territoriale" in listing
    assert "Ensemble du programme" in listing

    page = page_text(client.get(f"/impact/partenaires/{funded.pk}/", YEAR).content.decode())
    assert "Lancement 10 000,00 €" in page
    # Site B's grant is about one person: hidden on the page too (the report leaves the
    # programme), with every figure about that person.
    assert (
        f"Antenne 2 000,00 € 01/04/2026 au 31/12/2026 {site_b.name} masqué masqué masqué masqué"
        in page
    )

    rows = csv_rows(client.get(f"/impact/partenaires/{funded.pk}/rapport.csv", YEAR))
    antenne = next(row for row in rows if row and row[0] == "Antenne")
    assert antenne[4:] == ["masqué", "masqué", "masqué", "masqué"]
    lancement = next(row for row in rows if row and row[0] == "Lancement")
    assert lancement[1] == "10000,00" and lancement[4:] == ["6", "5", "0", "62,50"]

    pdf = pdf_text(client.get(f"/impact/partenaires/{funded.pk}/rapport.pdf", YEAR))
    assert "Rapport partenaire : Ville de Saint-Denis" in pdf
    assert "Lancement 10 000,00 €" in pdf
    assert "Chiffres clés du programme" in pdf


@pytest.mark.parametrize(
    "path",
    ["/impact/partenaires/", "/impact/partenaires/{pk}/", "/impact/partenaires/{pk}/rapport.csv"],
)
def test_only_programme_admins(client, manager_a, counsellor_a, path):
    partner = Partner.objects.create(name="Orange", kind=PartnerKind.OPERATOR)
    for user in (manager_a, counsellor_a):
        assert client_for(client, user).get(path.format(pk=partner.pk)).status_code == 403


def test_unknown_partner_is_404(client, programme_admin):
    assert client_for(client, programme_admin).get("/impact/partenaires/999999/").status_code == 404


@pytest.mark.parametrize("size", [2, 12])
def test_partner_report_queries_do_not_grow(
    client, programme_admin, site_a, manager_a, size, django_assert_num_queries
):
    partner = Partner.objects.create(name="Orange", kind=PartnerKind.OPERATOR)
    grant(partner, "1000.00", date(2026, 1, 1), date(2026, 12, 31), "Recharges", [site_a])
    grant(partner, "500.00", date(2026, 1, 1), date(2026, 12, 31), "Programme")
    open_till(site_a, manager_a)
    gift = {"acquisition": Acquisition.DONATION, "donor": partner}
    topup, phone = ProductFactory(), ProductFactory(phone=True)
    receive_vouchers(site_a, topup, size, actor=manager_a, **gift)
    for _ in range(size):
        device = receive_phone(site_a, phone, actor=manager_a, value=D("80.00"), **gift)
        person = BeneficiaryFactory(enrolled_site=site_a, enrolled_on=date(2026, 1, 5))
        items = [CartItem(topup), CartItem(phone, device_code=device.imei)]
        checkout(site_a, person, items, manager_a, now=datetime(2026, 2, 1, tzinfo=TZ))
    client = client_for(client, programme_admin)
    path = f"/impact/partenaires/{partner.pk}/"
    client.get(path, YEAR)
    # The same number whatever the data: session, user, second-factor device, navigation;
    # the partner, its grants and their sites; per grant people served (1) and net sales (5,
    # with the monthly summary); the donated stock: its ledger rows (1) and their sale lines
    # (1); the programme's figures (8).
    with django_assert_num_queries(29):
        assert client.get(path, YEAR).status_code == 200
