"""The impact dashboard's figures, laid out once for the page, the CSV exports and the PDF.

Every figure comes from an app's aggregate selector (`(*, period, sites, agency)`): the dashboard
reads the apps, no app imports it, and the number of queries does not grow with the data.
Percentages are counted over the denominators docs/architecture.md fixes, and each says which.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from beneficiaries import selectors as beneficiary_selectors
from beneficiaries.enums import ReferralStatus
from connexions.impact.cells import count, money, people, share, text
from connexions.impact.layout import Chart, KeyFigure, Section, Table
from connexions.impact.sections.activity import (
    first_phones_figure,
    impact_section,
    sales_section,
    workshops_section,
)
from connexions.impact.sections.appointments import appointments_section
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


@dataclass(frozen=True)
class ImpactReport:
    period: Period
    key_figures: list[KeyFigure]
    sections: list[Section]

    def tables(self) -> list[Table]:
        key_table = Table(
            key="chiffres-cles",
            title=_("Key figures"),
            columns=(_("Figure"), _("Value"), _("Counted over"), _("Number counted over")),
            rows=[
                (
                    text(f.label),
                    f.cell,
                    text(f.basis),
                    f.basis_cell if f.basis_cell is not None else text(""),
                )
                for f in self.key_figures
            ],
        )
        return [key_table] + [table for section in self.sections for table in section.tables]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables() if t.key == key), None)

    def charts(self) -> list[Chart]:
        return [chart for section in self.sections for chart in section.charts]


def impact_report(*, period: Period, sites=None, agency=None) -> ImpactReport:
    """Every figure of the dashboard for `period`, `sites` (None: all) and `agency` (None: all),
    in a fixed number of queries."""
    scope = {"period": period, "sites": sites, "agency": agency}
    enrolment = beneficiary_selectors.enrolment_figures(**scope)
    by_site = beneficiary_selectors.beneficiaries_by_site(**scope)
    by_month = beneficiary_selectors.enrolments_by_month(**scope)
    referrals = beneficiary_selectors.referral_figures(**scope)
    mediation = beneficiary_selectors.mediation_figures(**scope)
    sales = sales_selectors.sales_figures(**scope)
    workshops = workshop_selectors.workshop_figures(**scope)
    no_shows = workshop_selectors.no_show_rates(**scope)

    active = sum(row["active"] for row in by_site)
    first_phones = first_phones_figure(sales, by_site)
    accepted = referrals.by_status.get(ReferralStatus.ACCEPTED, 0)
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
        ),
        *situation_figures(enrolment),
        KeyFigure(
            "reduction",
            _("Average reduction of telecom spending"),
            money(enrolment.average_reduction, over=enrolment.with_reduction),
            _("people with a spending at entry and at least one follow-up (latest follow-up)"),
            people(enrolment.with_reduction),
        ),
        first_phones,
        KeyFigure(
            "topups",
            _("Top-ups sold"),
            count(sales.topups_sold, about_people=sales.sales_count),
        ),
        KeyFigure(
            "subsidy",
            _("Total subsidy"),
            money(sales.subsidy, over=sales.sales_count),
            _("reference price minus price paid"),
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
        ),
    ]
    sections = [
        people_section(period, enrolment, by_site, by_month),
        referrals_section(referrals),
        situation_section(enrolment),
        impact_section(enrolment, sales, first_phones),
        sales_section(period, sales),
        workshops_section(workshops),
        appointments_section(no_shows),
        mediation_section(mediation),
    ]
    return ImpactReport(period=period, key_figures=key_figures, sections=sections)
