"""The impact dashboard's figures, laid out once for the page, the CSV exports and the PDF.

Every figure comes from an app's aggregate selector (`(*, period, sites, agency)`): the dashboard
reads the apps, no app imports it, and the number of queries does not grow with the data.
Percentages are counted over the denominators docs/architecture.md fixes, and each says which.
"""

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.utils.translation import gettext as _

from beneficiaries import selectors as beneficiary_selectors
from beneficiaries.enums import ReferralStatus
from connexions.impact.cells import count, money, people, share, text
from connexions.impact.layout import Chart, KeyFigure, Section, Table
from connexions.impact.sections.activity import (
    first_phones_figures,
    sales_section,
    workshops_section,
)
from connexions.impact.sections.appointments import appointments_section
from connexions.impact.sections.outcomes import spending_figures, spending_section, support_section
from connexions.impact.sections.people import (
    mediation_section,
    people_section,
    referrals_section,
    situation_figures,
    situation_section,
)
from connexions.periods import Period
from sales import selectors as sales_selectors
from workshops import selectors as workshop_selectors

# Before anything the programme recorded: the "since launch" row counts from here.
BEFORE_LAUNCH = date(1900, 1, 1)
KEY_TABLE, LAUNCH_TABLE = "chiffres-cles", "depuis-le-lancement"


@dataclass(frozen=True)
class ImpactReport:
    period: Period
    since_launch: list[KeyFigure]
    key_figures: list[KeyFigure]
    sections: list[Section]

    def tables(self) -> list[Table]:
        sections = [table for section in self.sections for table in section.tables]
        return [key_table(self.key_figures), launch_table(self.since_launch), *sections]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables() if t.key == key), None)

    def charts(self) -> list[Chart]:
        return [chart for section in self.sections for chart in section.charts]


def key_table(figures: list[KeyFigure]) -> Table:
    return Table(
        key=KEY_TABLE,
        title=_("Key figures"),
        columns=(
            _("Figure"),
            _("Value"),
            _("Counted (numerator)"),
            _("Number counted"),
            _("Counted over (denominator)"),
            _("Number counted over"),
        ),
        rows=[
            (
                text(f.label),
                f.cell,
                text(f.counted),
                f.counted_cell if f.counted_cell is not None else text(""),
                text(f.basis),
                f.basis_cell if f.basis_cell is not None else text(""),
            )
            for f in figures
        ],
    )


def launch_table(figures: list[KeyFigure]) -> Table:
    return Table(
        key=LAUNCH_TABLE,
        title=_("Since the launch"),
        columns=(_("Figure"), _("Value")),
        rows=[(text(f.label), f.cell) for f in figures],
    )


def _read(selector):
    """An attribute of `Figures`: what `selector` gives for its scope, read on first use."""
    return cached_property(lambda figures: selector(**figures.scope))


class Figures:
    """The apps' aggregate figures for one scope, each read once, when first needed: the page
    reads them all, a CSV of one section's table only that section's."""

    def __init__(self, *, period: Period, sites=None, agency=None):
        self.period = period
        self.scope = {"period": period, "sites": sites, "agency": agency}

    people = _read(beneficiary_selectors.people_figures)  # enrolled and active, in one scan
    enrolment = property(lambda figures: figures.people.enrolment)
    by_site = property(lambda figures: figures.people.by_site)
    follow_ups = _read(beneficiary_selectors.follow_up_figures)
    referrals = _read(beneficiary_selectors.referral_figures)
    mediation = _read(beneficiary_selectors.mediation_figures)
    support = _read(beneficiary_selectors.support_figures)
    offers = _read(beneficiary_selectors.offer_figures)
    sales = _read(sales_selectors.sales_figures)
    workshops = _read(workshop_selectors.workshop_figures)
    no_shows = _read(workshop_selectors.no_show_rates)


# The page's sections in order, each with the keys of its tables, so that the CSV of one table
# computes only its section (tests/connexions/test_impact_queries.py checks the keys).
SECTIONS = (
    (
        lambda f: people_section(f.period, f.enrolment, f.by_site),
        ("beneficiaires-par-site", "inscriptions-par-mois"),
    ),
    (
        lambda f: referrals_section(f.referrals),
        ("orientations-par-statut", "orientations-par-structure", "motifs-de-refus", "profils"),
    ),
    (lambda f: situation_section(f.enrolment), ("situation-a-l-inscription",)),
    (lambda f: spending_section(f.follow_ups), ("depenses-telecom", "situation-au-suivi")),
    (
        lambda f: support_section(f.support, f.offers),
        (
            "accompagnements",
            "accompagnements-par-theme",
            "accompagnements-par-site",
            "offres-souscrites",
        ),
    ),
    (
        lambda f: sales_section(f.period, f.sales),
        ("ventes", "appareils-par-type", "paiements", "ventes-par-site-et-mois"),
    ),
    (lambda f: workshops_section(f.workshops), ("ateliers", "benevolat", "ateliers-par-theme")),
    (lambda f: appointments_section(f.no_shows), ("rendez-vous-absences",)),
    (lambda f: mediation_section(f.mediation), ("mediation", "mediation-par-statut")),
)


def impact_table(key: str, *, period: Period, sites=None, agency=None) -> Table | None:
    """One table of the dashboard (its CSV), computing only what it shows: the key figures read
    nearly every app, the "since launch" row its four queries, a section's table its section's
    figures. None for an unknown key."""
    scope = {"period": period, "sites": sites, "agency": agency}
    if key == KEY_TABLE:
        return key_table(key_figures(Figures(**scope)))
    if key == LAUNCH_TABLE:
        return launch_table(since_launch(**scope))
    for build, keys in SECTIONS:
        if key in keys:
            return next(table for table in build(Figures(**scope)).tables if table.key == key)
    return None


def since_launch(*, period: Period, sites=None, agency=None) -> list[KeyFigure]:
    """The "since launch" headline row: from the programme's start to the end of the period,
    sales net of every refund made by then. Four queries."""
    until = Period(BEFORE_LAUNCH, period.end)
    scope = {"sites": sites, "agency": agency}
    enrolled = beneficiary_selectors.enrolled_until(period.end, **scope)
    till = sales_selectors.sales_totals(period=until, **scope)
    return [
        KeyFigure("launch_enrolled", _("People enrolled since the launch"), people(enrolled)),
        KeyFigure("launch_topups", _("Top-ups since the launch"), count(till.topups)),
        KeyFigure("launch_devices", _("Devices since the launch"), count(till.devices)),
        KeyFigure(
            "launch_subsidy",
            _("Aid given since the launch"),
            money(till.subsidy),
            _("reference price minus price paid, net of refunds"),
        ),
    ]


def key_figures(figures: Figures) -> list[KeyFigure]:
    """The headline figures, each with what it counts over what (docs/architecture.md)."""
    enrolment, follow_ups, by_site = figures.enrolment, figures.follow_ups, figures.by_site
    referrals, support, offers = figures.referrals, figures.support, figures.offers
    sales, workshops = figures.sales, figures.workshops

    active = sum(row["active"] for row in by_site)
    accepted = referrals.by_status.get(ReferralStatus.ACCEPTED, 0)
    net = sales.net
    return [
        KeyFigure("enrolled", _("People enrolled"), people(enrolment.enrolled)),
        KeyFigure(
            "active",
            _("Active beneficiaries"),
            people(active),
            _("eligible on at least one day of the period"),
        ),
        KeyFigure("referrals", _("Referrals received"), people(referrals.total)),
        KeyFigure(
            "acceptance",
            _("Acceptance rate"),
            share(accepted, referrals.total),
            _("referrals received"),
            people(referrals.total),
            _("referrals accepted"),
            people(accepted),
        ),
        *situation_figures(enrolment),
        *spending_figures(follow_ups),
        *first_phones_figures(sales, enrolment),
        KeyFigure(
            "topups",
            _("Top-ups sold"),
            count(net.topups, about_people=sales.sales_count),
            _("net of the refunds made in the period"),
        ),
        KeyFigure(
            "subsidy",
            _("Total subsidy"),
            money(net.subsidy, over=sales.sales_count),
            _("reference price minus price paid, net of the refunds made in the period"),
        ),
        KeyFigure(
            "support_sessions",
            _("Support sessions"),
            count(support.sessions, about_people=support.people),
        ),
        KeyFigure(
            "offers",
            _("Offers subscribed with help"),
            count(offers.subscribed),
        ),
        KeyFigure(
            "offer_price",
            _("Average monthly price of the offers subscribed"),
            money(offers.average_price, over=offers.subscribed),
            _("offers subscribed with help in the period"),
            count(offers.subscribed),
            _("monthly prices, added up"),
        ),
        KeyFigure(
            "sessions_held",
            _("Workshop sessions held"),
            count(workshops.sessions_held),
        ),
        KeyFigure(
            "attendance",
            _("Workshop attendance rate"),
            share(workshops.present, workshops.marked),
            _("registrations whose attendance was taken"),
            people(workshops.marked),
            _("registrations marked present"),
            people(workshops.present),
        ),
    ]


def impact_report(*, period: Period, sites=None, agency=None) -> ImpactReport:
    """Every figure of the dashboard for `period`, `sites` (None: all) and `agency` (None: all),
    in a fixed number of queries."""
    scope = {"period": period, "sites": sites, "agency": agency}
    figures = Figures(**scope)
    sections = [build(figures) for build, _keys in SECTIONS]
    return ImpactReport(
        period=period,
        since_launch=since_launch(**scope),
        key_figures=key_figures(figures),
        sections=sections,
    )
