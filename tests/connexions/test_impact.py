"""The impact dashboard: published figures on the page, in the CSV and in the PDF; filters;
the small-group rule; who may see it; a bounded number of queries."""

import csv
import io
import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from pypdf import PdfReader

from beneficiaries.enums import MediationStatus
from connexions.enums import SiteRole
from connexions.impact.report import impact_report
from connexions.periods import Period
from sales.services import CartItem
from tests.beneficiaries.factories import MediationCaseFactory
from tests.conftest import client_for
from tests.connexions.impact_data import (
    SALE_TIME,
    declined_referrals,
    enrol_people,
    published_dataset,
    published_sales,
    published_workshops,
)
from tests.sales.factories import checkout, open_till, stocked_site

pytestmark = pytest.mark.django_db

YEAR_2026 = {"start": "2026-01-01", "end": "2026-12-31"}
PERIOD_2026 = Period(date(2026, 1, 1), date(2026, 12, 31))
NBSP = "\u00a0"


def squash(text: str) -> str:
    """Whitespace (non-breaking spaces included) as single spaces."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def page_text(html: str) -> str:
    return squash(unescape(re.sub(r"<[^>]+>", " ", html)))


def key_figure(html: str, key: str) -> str:
    """The big number of a key-figure card, as shown."""
    found = re.search(
        rf'id="figure-{key}">\s*<div class="card-body">\s*<div class="stat-figure">'
        r"(.*?)</div>",
        html,
        re.S,
    )
    assert found, f"no key figure {key}"
    return squash(re.sub(r"<[^>]+>", "", found.group(1)))


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return squash(" ".join(page.extract_text() for page in reader.pages))


def text_starts(response) -> list[tuple[float, float]]:
    """(where each piece of text starts, the page's width), in points, over every page."""
    starts = []
    for page in PdfReader(io.BytesIO(response.content)).pages:
        width = float(page.mediabox.width)

        def visit(text, cm, tm, font, size, width=width):
            if text.strip():
                starts.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], width))

        page.extract_text(visitor_text=visit)
    return starts


@pytest.fixture
def published(site_a, agency_a, manager_a):
    people = published_dataset(site=site_a, agency=agency_a, recorder=manager_a)
    published_sales(site=site_a, seller=manager_a, people=people)
    published_workshops(site=site_a, people=people)
    return people


# --- the published figures ---------------------------------------------------------------------

PUBLISHED = {
    "no_mobile": "20 %",
    "prepaid": "87 %",
    "job_seeking": "67 %",
    "computer": "55 %",
    "internet": "48 %",
    "spending": "35,00 €",
    "reduction": "27,00 €",
    # Prepaid over all enrolled: 348 / 500.
    "prepaid_all": "69,6 %",
    # The same 200 people: 35 EUR at entry, 8 EUR at the latest follow-up: 27 / 35.
    "relative_reduction": "77,1 %",
    # The till: 12 top-ups, 850 EUR of subsidy (12 x 12.50 + 5 x 140), 5 first phones: over
    # the 500 enrolled (the published definition) and over the 100 without a mobile.
    "topups": "12",
    "subsidy": "850,00 €",
    "first_phones": "1 %",
    "first_phones_without": "5 %",
    # Workshops: 2 sessions held, 15 present out of the 20 whose attendance was taken.
    "sessions_held": "2",
    "attendance": "75 %",
}


def test_published_figures_on_the_page(client, programme_admin, published):
    response = client_for(client, programme_admin).get("/impact/", YEAR_2026)
    assert response.status_code == 200
    html = response.content.decode()
    for key, shown in PUBLISHED.items():
        assert key_figure(html, key) == shown, key
    assert key_figure(html, "enrolled") == "500"
    assert key_figure(html, "launch_enrolled") == "500"
    # Each key figure's numerator and denominator in a tooltip.
    assert (
        "title=\"personnes sans téléphone mobile à l'inscription / "
        'personnes inscrites sur la période"' in unescape(html)
    )
    # Each share says what it is counted over.
    text = page_text(html)
    assert "sur les personnes qui avaient un téléphone mobile à l'inscription (400)" in text
    assert "sur les personnes inscrites sur la période (500)" in text


def test_published_figures_in_the_csv(client, programme_admin, published, site_a):
    site = site_a
    response = client_for(client, programme_admin).get(
        "/impact/export/chiffres-cles.csv", YEAR_2026
    )
    rows = {row[0]: row[1:] for row in csv_rows(response)}
    assert rows["Indicateur"] == [
        "Valeur",
        "Compté (numérateur)",
        "Nombre compté",
        "Sur (dénominateur)",
        "Effectif de référence",
    ]
    assert rows["Sans téléphone mobile"] == [
        "20",
        "personnes sans téléphone mobile à l'inscription",
        "100",
        "personnes inscrites sur la période",
        "500",
    ]
    assert rows["Carte prépayée, parmi les détenteurs d'un mobile"] == [
        "87",
        "personnes avec une carte prépayée à l'inscription",
        "348",
        "personnes qui avaient un téléphone mobile à l'inscription",
        "400",
    ]
    assert rows["Carte prépayée, parmi toutes les personnes inscrites"][0] == "69,6"
    assert rows["En recherche d'emploi"][0] == "67"
    assert rows["Avec un ordinateur"][0] == "55"
    assert rows["Internet à domicile"][0] == "48"
    assert rows["Dépense télécom mensuelle moyenne à l'inscription"][:1] == ["35,00"]
    assert rows["Baisse moyenne de la dépense télécom"] == [
        "27,00",
        "dépense à l'inscription moins dépense au dernier suivi, additionnées",
        "",
        "personnes suivies sur la période avec une dépense à l'inscription (dernier suivi "
        "jusqu'à la fin de la période, au moins 60 jours après l'inscription)",
        "200",
    ]
    paired = {
        row[0]: row[1]
        for row in csv_rows(client.get("/impact/export/depenses-telecom.csv", YEAR_2026))
    }
    assert paired["Moyenne à l'inscription"] == "35,00"
    assert paired["Moyenne au dernier suivi"] == "8,00"
    assert paired["Baisse moyenne"] == "27,00"

    def table(key):
        return {
            row[0]: row[1:] for row in csv_rows(client.get(f"/impact/export/{key}.csv", YEAR_2026))
        }

    assert table("ventes") == {
        "Indicateur": ["Brut", "Remboursé sur la période", "Net"],
        "Ventes et remboursements": ["11", "0", ""],
        "Recharges vendues": ["12", "0", "12"],
        "Crédit opérateur": ["180,00", "0,00", "180,00"],
        "Appareils": ["5", "0", "5"],
        "Montants payés": ["275,00", "0,00", "275,00"],
        "Aide apportée (prix de référence moins prix payé)": ["850,00", "0,00", "850,00"],
        # Nothing donated in this data set: the programme covers the whole subsidy.
        "Aide couverte par les dons en nature des partenaires": ["0,00", "0,00", "0,00"],
        "Aide couverte par le programme": ["850,00", "0,00", "850,00"],
    }
    assert table("appareils-par-type") == {
        "Type": ["Appareils vendus (net)"],
        "Téléphone": ["5"],
        "Ordinateur": ["0"],
        "Tablette": ["0"],
    }
    assert table("ventes-par-site-et-mois")[site.name] == ["juillet 2026", "11", "275,00", "850,00"]
    assert table("paiements")["Espèces"] == ["275,00"]
    assert table("ateliers") == {
        "Indicateur": ["Valeur"],
        "Séances tenues": ["2"],
        "Séances programmées": ["1"],
        "Séances annulées": ["1"],
        "Places proposées": ["28"],
        "Inscriptions": ["26"],
        "Présents": ["15"],
        "Absents (non excusés)": ["masqué"],
        "Absences excusées": ["masqué"],
        "Taux de présence": ["75"],
        "Taux d'absence non excusée": ["masqué"],  # 3 people: hidden with their count
        "En liste d'attente": ["masqué"],
        "masqué : moins de 5 personnes concernées": [""],  # what it means, under the figures
    }
    assert table("benevolat") == {
        "Entreprise partenaire": ["Heures de bénévolat"],
        "Numérique Pour Tous": ["3,0"],
        "Télécom Solidaire": ["7,0"],
    }
    assert table("ateliers-par-theme") == {
        "Thème": [
            "Séances tenues",
            "Places proposées",
            "Inscriptions",
            "Présents",
            "Taux de présence",
        ],
        "Lire une facture": ["1", "16", "16", "8", "80"],
        "Premiers pas sur smartphone": ["1", "12", "10", "7", "70"],
    }
    assert table("depuis-le-lancement") == {
        "Indicateur": ["Valeur"],
        "Personnes inscrites depuis le lancement": ["500"],
        "Recharges depuis le lancement": ["12"],
        "Appareils depuis le lancement": ["5"],
        "Aide apportée depuis le lancement": ["850,00"],
    }


def test_published_figures_in_the_pdf(client, programme_admin, published):
    response = client_for(client, programme_admin).get("/impact/bilan.pdf", YEAR_2026)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response)
    assert "Bilan d'impact" in text
    # The methodology page: each key figure's numerator and denominator, the settings.
    assert "Méthodologie" in text
    assert (
        "Sans téléphone mobile personnes sans téléphone mobile à l'inscription "
        "personnes inscrites sur la période" in text
    )
    assert "au moins 60 jours après l'inscription" in text
    # Every table keeps inside the page, its widest (the key figures, six columns) included:
    # no text starts in the right margin (15 mm, 42.5 pt) or past the page's edge.
    starts = text_starts(response)
    assert starts and all(x < width - 42.5 for x, width in starts)
    assert "(ligne de référence) : 24,00 €" in text
    assert (
        "Depuis le lancement Indicateur Valeur Personnes inscrites depuis le lancement 500" in text
    )
    for label, shown in [
        ("Sans téléphone mobile", "20 %"),
        ("Carte prépayée, parmi les détenteurs d'un mobile", "87 %"),
        ("Carte prépayée, parmi toutes les personnes inscrites", "69,6 %"),
        ("En recherche d'emploi", "67 %"),
        ("Avec un ordinateur", "55 %"),
        ("Internet à domicile", "48 %"),
        ("Dépense télécom mensuelle moyenne à l'inscription", "35,00 €"),
        ("Baisse moyenne de la dépense télécom", "27,00 €"),
        ("Premier téléphone mobile grâce au programme", "1 %"),
        ("Premier téléphone mobile, parmi les personnes sans téléphone", "5 %"),
        ("Baisse relative de la dépense télécom", "77,1 %"),
        ("Personnes inscrites depuis le lancement", "500"),
        ("Recharges vendues", "12"),
        ("Aide totale apportée", "850,00 €"),
        ("Crédit opérateur", "180,00 € 0,00 € 180,00 €"),
        ("Téléphone", "5"),
        ("Séances d'atelier tenues", "2"),
        ("Taux de présence aux ateliers", "75 %"),
        ("Télécom Solidaire", "7,0 h"),
    ]:
        assert f"{label} {shown}" in text, label


# --- filters -----------------------------------------------------------------------------------


def test_filters_by_site_period_and_agency(programme_admin, site_a, site_b, agency_a, agency_b):
    recorder = programme_admin
    # Site A, agency A, March 2026: 6 people, 3 without a mobile.
    enrol_people(
        site=site_a,
        agency=agency_a,
        recorder=recorder,
        specs=[
            {"enrolled_on": date(2026, 3, 1), "has_mobile": False, "plan_type": "none"}
            for _ in range(3)
        ]
        + [{"enrolled_on": date(2026, 3, 1)} for _ in range(3)],
    )
    # Site B, agency A, March 2026: 10 people with a mobile.
    enrol_people(
        site=site_b,
        agency=agency_a,
        recorder=recorder,
        specs=[{"enrolled_on": date(2026, 3, 2)} for _ in range(10)],
        start=100,
    )
    # Site A, agency B, March 2026: 4 people without a mobile.
    enrol_people(
        site=site_a,
        agency=agency_b,
        recorder=recorder,
        specs=[
            {"enrolled_on": date(2026, 3, 3), "has_mobile": False, "plan_type": "none"}
            for _ in range(4)
        ],
        start=200,
    )
    # Site A, agency A, 2025: 5 people.
    enrol_people(
        site=site_a,
        agency=agency_a,
        recorder=recorder,
        specs=[{"enrolled_on": date(2025, 3, 1)} for _ in range(5)],
        start=300,
    )

    def figures(**scope):
        report = impact_report(**{"period": PERIOD_2026, **scope})
        found = {f.key: f.cell.value for f in report.key_figures}
        return found["enrolled"], found["no_mobile"]

    assert figures() == (20, Decimal(35))  # 7 of 20
    assert figures(sites=[site_a]) == (10, Decimal(70))
    assert figures(sites=[site_b]) == (10, Decimal(0))
    assert figures(agency=agency_a) == (16, Decimal("18.8"))
    assert figures(sites=[site_a], agency=agency_a) == (6, Decimal(50))
    assert figures(sites=[site_a], agency=agency_b) == (4, Decimal(100))
    last_year = Period(date(2025, 1, 1), date(2025, 12, 31))
    assert figures(period=last_year) == (5, Decimal(0))


def test_filters_through_the_page(client, programme_admin, site_a, site_b, agency_a, agency_b):
    enrol_people(
        site=site_a,
        agency=agency_a,
        recorder=programme_admin,
        specs=[{"enrolled_on": date(2026, 3, 1)} for _ in range(7)],
    )
    enrol_people(
        site=site_b,
        agency=agency_b,
        recorder=programme_admin,
        specs=[{"enrolled_on": date(2026, 5, 1)} for _ in range(9)],
        start=100,
    )
    client = client_for(client, programme_admin)

    def enrolled(**params):
        html = client.get("/impact/", params).content.decode()
        return key_figure(html, "enrolled")

    assert enrolled(**YEAR_2026) == "16"
    assert enrolled(**YEAR_2026, site=site_a.pk) == "7"
    assert enrolled(**YEAR_2026, agency=agency_b.pk) == "9"
    assert enrolled(start="2026-04-01", end="2026-06-30") == "9"
    assert enrolled(start="2026-01-01", end="2026-03-31", site=site_b.pk) == "0"
    # Every month of the period has its row, months without enrolment included.
    rows = csv_rows(client.get("/impact/export/inscriptions-par-mois.csv", YEAR_2026))
    assert rows[0] == ["Mois", "Personnes inscrites"]
    assert rows[1:7] == [
        ["janvier 2026", "0"],
        ["février 2026", "0"],
        ["mars 2026", "7"],
        ["avril 2026", "0"],
        ["mai 2026", "9"],
        ["juin 2026", "0"],
    ]
    assert len(rows) == 13


def test_bad_filters_show_french_errors(client, programme_admin):
    response = client_for(client, programme_admin).get(
        "/impact/", {"start": "2026-06-01", "end": "2026-01-01"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "La fin de la période doit suivre son début." in html
    assert 'id="key-figures"' not in html
    response = client.get("/impact/", {"start": "pas une date"})
    assert "Saisissez une date valide." in response.content.decode()
    response = client.get("/impact/", {"start": "1990-01-01", "end": "2026-01-01"})
    assert "La période ne peut pas dépasser 10 ans." in page_text(response.content.decode())
    assert client.get("/impact/bilan.pdf", {"start": "x"}).status_code == 404
    assert client.get("/impact/export/chiffres-cles.csv", {"start": "x"}).status_code == 404


def test_unknown_table_is_404(client, programme_admin):
    assert client_for(client, programme_admin).get("/impact/export/nulle.csv").status_code == 404


# --- small groups ------------------------------------------------------------------------------


def test_small_groups_hidden_in_exports_and_pdf(client, programme_admin, site_a, site_b, agency_a):
    # Site A: 12 people; site B: 3 people, one with a mediation case.
    big = enrol_people(
        site=site_a,
        agency=agency_a,
        recorder=programme_admin,
        specs=[{"enrolled_on": date(2026, 3, 1)} for _ in range(12)],
    )
    small = enrol_people(
        site=site_b,
        agency=agency_a,
        recorder=programme_admin,
        specs=[{"enrolled_on": date(2026, 3, 1), "has_internet": True} for _ in range(3)],
        start=100,
    )
    MediationCaseFactory(
        beneficiary=small[0],
        site=site_b,
        opened_on=date(2026, 4, 1),
        amount_owed=Decimal("480.00"),
        status=MediationStatus.OPEN,
    )
    declined_referrals(
        site=site_a,
        agency=agency_a,
        recorder=programme_admin,
        count=2,
        submitted_on=date(2026, 2, 1),
    )
    # The till: two people of site B buy a top-up there; six sales at site A.
    for site, buyers in [(site_a, big[:6]), (site_b, small[:2])]:
        open_till(site, programme_admin)
        topup, _, _ = stocked_site(site, programme_admin, vouchers=6, phones=0)
        for person in buyers:
            checkout(site, person, [CartItem(topup)], programme_admin, now=SALE_TIME)
    client = client_for(client, programme_admin)

    by_site = {
        row[0]: row[1:]
        for row in csv_rows(client.get("/impact/export/beneficiaires-par-site.csv", YEAR_2026))
    }
    assert by_site[site_a.name] == ["12", "12"]
    assert by_site[site_b.name] == ["masqué", "masqué"]
    assert by_site["Total"] == ["15", "15"]

    status = {
        row[0]: row[1]
        for row in csv_rows(client.get("/impact/export/orientations-par-statut.csv", YEAR_2026))
    }
    assert status["Acceptée"] == "15"
    assert status["Refusée"] == "masqué"
    assert status["En attente"] == "0"  # nobody to single out

    mediation = {
        row[0]: row[1] for row in csv_rows(client.get("/impact/export/mediation.csv", YEAR_2026))
    }
    assert mediation["Dossiers ouverts"] == "masqué"
    assert mediation["Montant dû"] == "masqué"  # 480 EUR owed by one person
    # What "masqué" means is said under the figures (never "< 5", read as a percentage, nor "—",
    # which means no data).
    rows = csv_rows(client.get("/impact/export/mediation.csv", YEAR_2026))
    assert rows[-1] == ["masqué : moins de 5 personnes concernées", ""]
    assert not any("< 5" in cell or cell == "—" for row in rows for cell in row)

    by_site_month = {
        row[0]: row[1:]
        for row in csv_rows(client.get("/impact/export/ventes-par-site-et-mois.csv", YEAR_2026))
    }
    assert by_site_month[site_a.name] == ["juillet 2026", "6", "15,00", "75,00"]
    assert by_site_month[site_b.name] == ["juillet 2026", "masqué", "masqué", "masqué"]

    # Site B alone: every figure is about 3 people.
    keys = {
        row[0]: row[1]
        for row in csv_rows(
            client.get("/impact/export/chiffres-cles.csv", {**YEAR_2026, "site": site_b.pk})
        )
    }
    assert keys["Personnes inscrites"] == "masqué"
    assert keys["Internet à domicile"] == "masqué"  # 100 % of 3 people
    assert keys["Sans téléphone mobile"] == "masqué"  # 0 of 3: the group itself is small
    assert keys["Recharges vendues"] == "masqué"
    at_a = {
        row[0]: row[1]
        for row in csv_rows(
            client.get("/impact/export/chiffres-cles.csv", {**YEAR_2026, "site": site_a.pk})
        )
    }
    assert at_a["Recharges vendues"] == "6"
    assert at_a["Aide totale apportée"] == "75,00"  # 6 x (15.00 - 2.50)
    june = {"start": "2026-06-01", "end": "2026-06-30", "site": site_a.pk}
    assert {
        row[0]: row[1] for row in csv_rows(client.get("/impact/export/chiffres-cles.csv", june))
    }["Recharges vendues"] == "0"
    assert keys["Aide totale apportée"] == "masqué"

    text = pdf_text(client.get("/impact/bilan.pdf", {**YEAR_2026, "site": site_b.pk}))
    assert "Personnes inscrites masqué" in text
    assert "Internet à domicile masqué" in text
    assert "moins de 5 personnes concernées" in text
    assert "480" not in text

    # The page masks them too (suppression is a rendering step), with the note saying why.
    html = client.get("/impact/", {**YEAR_2026, "site": site_b.pk}).content.decode()
    assert key_figure(html, "enrolled") == "masqué"
    assert key_figure(html, "internet") == "masqué"
    assert "moins de 5 personnes concernées" in html


def test_small_group_threshold_is_a_setting(settings, programme_admin, site_a, agency_a):
    enrol_people(
        site=site_a,
        agency=agency_a,
        recorder=programme_admin,
        specs=[{"enrolled_on": date(2026, 3, 1)} for _ in range(7)],
    )
    report = impact_report(period=PERIOD_2026)
    enrolled = next(f.cell for f in report.key_figures if f.key == "enrolled")
    assert not enrolled.is_small
    settings.SMALL_GROUP_THRESHOLD = 10
    assert enrolled.is_small
    assert enrolled.shown(protect=True) == "masqué"
    assert enrolled.shown(protect=False) == 7


# --- who may see it ----------------------------------------------------------------------------

PAGES = ["/impact/", "/impact/bilan.pdf", "/impact/export/chiffres-cles.csv"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("who", ["counsellor_a", "social_worker_a"])
def test_counsellors_and_social_workers_may_not(request, client, path, who):
    user = request.getfixturevalue(who)
    assert client_for(client, user).get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_goes_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("who", ["manager_a", "programme_admin"])
def test_managers_and_admins_may(request, client, path, who):
    user = request.getfixturevalue(who)
    assert client_for(client, user).get(path).status_code == 200


def test_site_manager_sees_only_their_sites(client, manager_a, site_a, site_b, agency_a):
    enrol_people(
        site=site_a,
        agency=agency_a,
        recorder=manager_a,
        specs=[{"enrolled_on": date(2026, 3, 1)} for _ in range(6)],
    )
    enrol_people(
        site=site_b,
        agency=agency_a,
        recorder=manager_a,
        specs=[{"enrolled_on": date(2026, 3, 1)} for _ in range(8)],
        start=100,
    )
    client = client_for(client, manager_a)
    response = client.get("/impact/", YEAR_2026)
    html = response.content.decode()
    assert key_figure(html, "enrolled") == "6"  # all *their* sites
    assert site_a.name in html and site_b.name not in html
    assert list(response.context["form"].fields["site"].queryset) == [site_a]
    assert "Tous mes points d'accueil" in page_text(html)

    # Another site, by its id: a form error, and none of its figures.
    response = client.get("/impact/", {**YEAR_2026, "site": site_b.pk})
    assert 'id="key-figures"' not in response.content.decode()
    assert response.context["form"].errors["site"]
    assert client.get("/impact/bilan.pdf", {"site": site_b.pk}).status_code == 404
    # Each CSV computes only its table, with the same scope: their sites, never another's.
    for key in ("beneficiaires-par-site", "chiffres-cles", "depuis-le-lancement"):
        path = f"/impact/export/{key}.csv"
        assert client.get(path, {**YEAR_2026, "site": site_b.pk}).status_code == 404
    rows = csv_rows(client.get("/impact/export/beneficiaires-par-site.csv", YEAR_2026))
    assert [row[0] for row in rows[1:]] == [site_a.name, "Total"]
    rows = csv_rows(client.get("/impact/export/chiffres-cles.csv", YEAR_2026))
    assert rows[1][:2] == ["Personnes inscrites", "6"]
    rows = csv_rows(client.get("/impact/export/depuis-le-lancement.csv", YEAR_2026))
    assert rows[1][:2] == ["Personnes inscrites depuis le lancement", "6"]


def test_site_manager_counsellor_elsewhere_sees_only_managed_site(
    client, manager_a, site_a, site_b
):
    from tests.connexions.factories import SiteMembershipFactory

    SiteMembershipFactory(user=manager_a, site=site_b, role=SiteRole.COUNSELLOR)
    response = client_for(client, manager_a).get("/impact/")
    assert list(response.context["form"].fields["site"].queryset) == [site_a]


def test_navigation_entry_for_those_who_may(client, manager_a, counsellor_b, programme_admin):
    link = 'href="/impact/"'
    assert link in client_for(client, programme_admin).get("/").content.decode()
    client.logout()
    assert link in client_for(client, manager_a).get("/").content.decode()
    client.logout()
    assert link not in client_for(client, counsellor_b).get("/").content.decode()
