"""The impact dashboard's figures, laid out once for the page, the CSV exports and the PDF.

Every figure comes from an app's aggregate selector (`(*, period, sites, agency)`): the dashboard
reads the apps, no app imports it, and the number of queries does not grow with the data.
Percentages are counted over the denominators docs/architecture.md fixes, and each says which.
"""

from dataclasses import dataclass
from datetime import date

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


@dataclass(frozen=True)
class ImpactReport:
    period: Period
    since_launch: list[KeyFigure]
    key_figures: list[KeyFigure]
    sections: list[Section]

    def tables(self) -> list[Table]:
        key_table = Table(
            key="chiffres-cles",
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
                for f in self.key_figures
            ],
        )
        launch_table = Table(
            key="depuis-le-lancement",
            title=_("Since the launch"),
            columns=(_("Figure"), _("Value")),
            rows=[(text(f.label), f.cell) for f in self.since_launch],
        )
        sections = [table for section in self.sections for table in section.tables]
        return [key_table, launch_table, *sections]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables() if t.key == key), None)

    def charts(self) -> list[Chart]:
        return [chart for section in self.sections for chart in section.charts]


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


def impact_report(*, period: Period, sites=None, agency=None) -> ImpactReport:
    """Every figure of the dashboard for `period`, `sites` (None: all) and `agency` (None: all),
    in a fixed number of queries."""
    scope = {"period": period, "sites": sites, "agency": agency}
    enrolment = beneficiary_selectors.enrolment_figures(**scope)
    follow_ups = beneficiary_selectors.follow_up_figures(**scope)
    by_site = beneficiary_selectors.beneficiaries_by_site(**scope)
    referrals = beneficiary_selectors.referral_figures(**scope)
    mediation = beneficiary_selectors.mediation_figures(**scope)
    support = beneficiary_selectors.support_figures(**scope)
    offers = beneficiary_selectors.offer_figures(**scope)
    sales = sales_selectors.sales_figures(**scope)
    workshops = workshop_selectors.workshop_figures(**scope)
    no_shows = workshop_selectors.no_show_rates(**scope)

    active = sum(row["active"] for row in by_site)
    accepted = referrals.by_status.get(ReferralStatus.ACCEPTED, 0)
    net = sales.net
    key_figures = [
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
    sections = [
        people_section(period, enrolment, by_site),
        referrals_section(referrals),
        situation_section(enrolment),
        spending_section(follow_ups),
        support_section(support, offers),
        sales_section(period, sales),
        workshops_section(workshops),
        appointments_section(no_shows),
        mediation_section(mediation),
    ]
    return ImpactReport(
        period=period,
        since_launch=since_launch(**scope),
        key_figures=key_figures,
        sections=sections,
    )
