"""Donated stock in the partner report and the subsidy split: a hand-made data set whose figures
are worked out by hand below, traced through the stock ledger (units of the same products
bought or given by someone else are sold beside the donor's and must not count)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalogue.enums import Acquisition
from connexions.enums import PartnerKind
from connexions.impact.partners import donated_stock_tables, partner_report
from connexions.impact.sections.activity import sales_section
from connexions.models import Partner
from connexions.periods import Period
from sales import refunds
from sales import selectors as sales_selectors
from sales.donations import subsidy_split
from sales.services import CartItem
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.catalogue.factories import ProductFactory, receive_phone, receive_vouchers
from tests.conftest import client_for
from tests.connexions.factories import staff_user
from tests.connexions.test_impact import csv_rows, page_text, pdf_text
from tests.sales.factories import checkout, open_till

pytestmark = pytest.mark.django_db
D = Decimal
TZ = timezone.get_current_timezone()
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
YEAR_QUERY = {"start": "2026-01-01", "end": "2026-12-31"}


def donation(donor, **value):
    return {"acquisition": Acquisition.DONATION, "donor": donor, **value}


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=TZ)


@pytest.fixture
def donated(site_a, site_b, manager_a):
    """Orange gave site A five vouchers of a 15 € top-up (sold 2,50 €), expiring first, so
    sold first; site A also bought three (12 € each). Orange gave site B two phones (declared 80
    and 200 €; sold 49 €, reference 189 €); a foundation gave a third and a fourth was bought.

    Sales: at A, one top-up on 15 Dec 2025 (before the period), then five people on 10 March
    2026 (the first four get Orange's vouchers, the fifth a bought one); the first of those four
    is refunded on 20 March. At B, four people buy a phone each on 10 May 2026."""
    orange = Partner.objects.create(name="Orange", kind=PartnerKind.OPERATOR)
    foundation = Partner.objects.create(name="Fondation Lien", kind=PartnerKind.FOUNDATION)
    manager_b = staff_user(site_b, "site_manager", can_open_till=True)
    open_till(site_a, manager_a)
    open_till(site_b, manager_b)
    topup = ProductFactory(name="Recharge 15 €")
    soon, later = timezone.localdate() + timedelta(days=200), timezone.localdate() + timedelta(400)
    receive_vouchers(
        site_a, topup, 5, actor=manager_a, prefix="OR", expiry=soon, **donation(orange)
    )
    receive_vouchers(
        site_a, topup, 3, actor=manager_a, prefix="BO", expiry=later, unit_cost=D("12.00")
    )
    phone = ProductFactory(phone=True)
    phones = [
        receive_phone(site_b, phone, actor=manager_b, **donation(orange, value=D("80.00"))),
        receive_phone(site_b, phone, actor=manager_b, **donation(orange, value=D("200.00"))),
        receive_phone(site_b, phone, actor=manager_b, **donation(foundation, value=D("100.00"))),
        receive_phone(site_b, phone, actor=manager_b, value=D("120.00")),
    ]
    checkout(site_a, BeneficiaryFactory(), [CartItem(topup)], manager_a, now=at(date(2025, 12, 15)))
    sales = [
        checkout(
            site_a, BeneficiaryFactory(), [CartItem(topup)], manager_a, now=at(date(2026, 3, 10))
        ).sale
        for _ in range(5)
    ]
    refunds.refund_create(
        sale=sales[0],
        quantities={sales[0].lines.get().pk: 1},
        reason="entry_error",
        voucher_unused=True,
        actor=manager_a,
        now=at(date(2026, 3, 20)),
    )
    for device in phones:
        checkout(
            site_b,
            BeneficiaryFactory(),
            [CartItem(phone, device_code=device.imei)],
            manager_b,
            now=at(date(2026, 5, 10)),
        )
    return orange


def values(row):
    return [cell.value for cell in row]


def test_subsidy_split_rule():
    # A donated 15 € voucher sold 2,50 €: the donation covers the whole 12,50 € subsidy.
    assert subsidy_split(
        unit_price=D("2.50"), reference_price=D("15.00"), quantity=1, donated_value=D("15.00")
    ) == (sales_selectors.SubsidySplit(D("2.50"), D("12.50"), D("0.00")))
    # A phone declared 80 €, sold 49 € for 189 €: 80 € by the donation, 60 € by the programme.
    split = subsidy_split(
        unit_price=D("49.00"), reference_price=D("189.00"), quantity=2, donated_value=D("80.00")
    )
    assert (split.paid, split.donation, split.programme) == (D("98.00"), D("160.00"), D("120.00"))
    # Bought stock: all the programme's.
    assert subsidy_split(
        unit_price=D("49.00"), reference_price=D("189.00"), quantity=1, donated_value=D("0")
    ).programme == D("140.00")


def test_donated_stock_figures_traced_through_the_ledger(donated, site_a, site_b):
    (table,) = donated_stock_tables(donated, YEAR)
    rows = {row[0].value: values(row[1:]) for row in table.rows}
    # Site A: Orange's vouchers kept by three people (the 2025 sale is outside the period, the
    # refunded one is given back, the fifth person got a bought voucher): 3 x 15 € of value,
    # 3 x 12,50 € of aid, 3 x 2,50 € paid, all the aid covered by the donation.
    assert rows[site_a.name] == [3, 3, 0, D("45.00"), D("37.50"), D("7.50"), D("37.50"), D("0")]
    # Site B: Orange's two phones (not the foundation's nor the bought one): 80 + 200 € of
    # value, 2 x 140 € of aid, 2 x 49 € paid; the donation covers 80 + 140 (capped at the
    # subsidy), the programme 60.
    assert rows[site_b.name] == [
        2,
        0,
        2,
        D("280.00"),
        D("280.00"),
        D("98.00"),
        D("220.00"),
        D("60.00"),
    ]
    assert rows["Tous les points d'accueil"] == [
        5,
        3,
        2,
        D("325.00"),
        D("317.50"),
        D("105.50"),
        D("257.50"),
        D("60.00"),
    ]


def test_no_donated_stock_no_table(site_a):
    partner = Partner.objects.create(name="Ville", kind=PartnerKind.LOCAL_AUTHORITY)
    assert donated_stock_tables(partner, YEAR) == []
    assert [t.key for t in partner_report(partner, YEAR).tables()] == ["subventions", "programme"]


def test_dashboard_sales_table_splits_the_subsidy(donated):
    """Gross: 5 top-ups and 4 phones in 2026, 622,50 € of subsidy (5 x 12,50 + 4 x 140), of
    which donations covered 370 € (Orange's four vouchers 4 x 12,50, its phones 80 + 140, the
    foundation's 100). Refunded: one Orange voucher, 12,50 € of both. Net: 610 €, 357,50 € by
    donations, 252,50 € by the programme."""
    figures = sales_selectors.sales_figures(period=YEAR)
    assert (figures.gross.subsidy, figures.gross.donation) == (D("622.50"), D("370.00"))
    assert (figures.refunded.subsidy, figures.refunded.donation) == (D("12.50"), D("12.50"))
    net = figures.net
    assert (net.subsidy, net.donation, net.programme) == (D("610.00"), D("357.50"), D("252.50"))
    summary = {row[0].value: values(row[1:]) for row in sales_section(YEAR, figures).tables[0].rows}
    assert summary["Aide couverte par les dons en nature des partenaires"] == [
        D("370.00"),
        D("12.50"),
        D("357.50"),
    ]
    assert summary["Aide couverte par le programme"] == [D("252.50"), D("0.00"), D("252.50")]


def test_partner_report_page_csv_pdf_show_donations(client, programme_admin, donated, site_a):
    client = client_for(client, programme_admin)
    page = page_text(client.get(f"/impact/partenaires/{donated.pk}/", YEAR_QUERY).content.decode())
    assert "Dons en nature et ce qu'ils ont financé" in page
    assert "suivis un à un dans le registre de stock" in page
    rows = csv_rows(client.get(f"/impact/partenaires/{donated.pk}/rapport.csv", YEAR_QUERY))
    # Three people at site A: every figure about them hidden; the whole is five people.
    site = next(row for row in rows if row and row[0] == site_a.name)
    assert set(site[1:]) == {"masqué"}
    total = next(row for row in rows if row and row[0] == "Tous les points d'accueil")
    assert total[1:] == ["5", "3", "2", "325,00", "317,50", "105,50", "257,50", "60,00"]
    pdf = pdf_text(client.get(f"/impact/partenaires/{donated.pk}/rapport.pdf", YEAR_QUERY))
    assert "Couvert par le don" in pdf


def test_the_national_average_is_cited_with_its_source_and_date_in_the_pdf(
    client, programme_admin, settings
):
    """The reference line is the programme's press-kit figure, dated and cited (settings)."""
    assert settings.NATIONAL_TELECOM_SPENDING == "24.00"
    assert "moyenne nationale 24 €/mois" in settings.NATIONAL_TELECOM_SPENDING_SOURCE
    client = client_for(client, programme_admin)
    pdf = pdf_text(client.get("/impact/bilan.pdf", YEAR_QUERY))
    methodology = pdf[pdf.index("Méthodologie") :]
    assert (
        "24,00 € (Dossier de presse du programme, « moyenne nationale 24 €/mois », "
        "1 janvier 2026)" in methodology
    )
