"""The partner report: for one partner (a funder or a donor) and a period, what their support
funded, with the programme's key figures beside it. Page, CSV and PDF render the same tables;
the small-group rule applies on all three (the report leaves the programme).

Extension point: each kind of support is one builder in `CONTRIBUTIONS`, a function
`(partner, period) -> list[Table]`: grants, and donated stock (a donor and a value on a voucher
batch or a device reception), which reads catalogue's ledger of what the donor's units gave out
and the till's sale lines of those very units.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from beneficiaries import selectors as beneficiary_selectors
from catalogue import selectors as catalogue_selectors
from connexions.impact.cells import count, money, people, rate, share, text
from connexions.impact.layout import Table
from connexions.models import Grant, Partner
from connexions.periods import Period
from sales import selectors as sales_selectors


def _overlap(grant: Grant, period: Period) -> Period | None:
    start, end = max(grant.starts_on, period.start), min(grant.ends_on, period.end)
    return Period(start, end) if start <= end else None


def grant_tables(partner: Partner, period: Period) -> list[Table]:
    """Each grant running in the period: its amount and purpose, and what the programme did at
    its sites (or everywhere) while it ran: people served, top-ups and devices given out and
    the aid value, net of refunds. Two queries, then five per grant."""
    grants = list(
        partner.grants.filter(starts_on__lte=period.end, ends_on__gte=period.start)
        .prefetch_related("sites")
        .order_by("starts_on", "id")
    )
    rows = []
    for grant in grants:
        overlap = _overlap(grant, period)
        sites = list(grant.sites.all()) or None
        served = beneficiary_selectors.active_people(period=overlap, sites=sites)
        till = sales_selectors.sales_totals(period=overlap, sites=sites)
        rows.append(
            (
                text(grant.purpose),
                money(grant.amount),
                text(
                    _("%(start)s to %(end)s")
                    % {
                        "start": formats.date_format(grant.starts_on, "SHORT_DATE_FORMAT"),
                        "end": formats.date_format(grant.ends_on, "SHORT_DATE_FORMAT"),
                    }
                ),
                text(", ".join(s.name for s in sites) if sites else _("Whole programme")),
                people(served),
                count(till.topups, about_people=served),
                count(till.devices, about_people=served),
                money(till.subsidy, over=served),
            )
        )
    return [
        Table(
            "subventions",
            _("Grants and what they funded"),
            (
                _("Purpose"),
                _("Amount"),
                _("Grant period"),
                _("Sites"),
                _("People served"),
                _("Top-ups sold"),
                _("Devices"),
                _("Aid value"),
            ),
            rows,
            wide=True,
        )
    ]


@dataclass
class _DonatedTotals:
    people: set = field(default_factory=set)
    topups: int = 0
    devices: int = 0
    value: Decimal = Decimal("0.00")
    split: sales_selectors.SubsidySplit = field(default_factory=sales_selectors.SubsidySplit)

    def add(self, sale: sales_selectors.DonatedSale) -> None:
        self.people.add(sale.beneficiary_id)
        if sale.unit.kind in sales_selectors.TOPUP_KINDS:
            self.topups += 1
        else:
            self.devices += 1
        self.value += sale.unit.value
        self.split += sale.split

    def row(self, label: str) -> tuple:
        served = len(self.people)
        return (
            text(label),
            people(served),
            count(self.topups, about_people=served),
            count(self.devices, about_people=served),
            money(self.value, over=served),
            money(self.split.subsidy, over=served),
            money(self.split.paid, over=served),
            money(self.split.donation, over=served),
            money(self.split.programme, over=served),
        )


def donated_stock_tables(partner: Partner, period: Period) -> list[Table]:
    """What the partner's donated vouchers and devices gave out in the period, by site: the
    units catalogue's ledger shows leaving through the till, each matched to its sale line (kept
    by its buyer at the end of the period), the people served, the units' value and the aid
    split into what the people paid, what the donation covered and what the programme covered
    (docs/architecture.md, "Donated stock"). Two queries (one without any unit given out)."""
    units = catalogue_selectors.donated_units_given_out(donor=partner, since=period.bounds()[0])
    sold = sales_selectors.donated_sales(units, period=period)
    if not sold:
        return []
    by_site: dict[str, _DonatedTotals] = {}
    total = _DonatedTotals()
    for sale in sold:
        by_site.setdefault(sale.unit.site_name, _DonatedTotals()).add(sale)
        total.add(sale)
    rows = [totals.row(site) for site, totals in sorted(by_site.items())]
    rows.append(total.row(_("All sites")))
    return [
        Table(
            "dons-en-nature",
            _("Donated stock and what it funded"),
            (
                _("Reception site"),
                _("People served"),
                _("Top-ups given out"),
                _("Devices given out"),
                _("Value of the donated units"),
                _("Aid value"),
                _("Paid by the people"),
                _("Covered by the donation"),
                _("Covered by the programme"),
            ),
            rows,
            wide=True,
            note=_(
                "The vouchers and devices this partner gave, followed one by one through the "
                "stock ledger to their sale in the period (units refunded by the end of the "
                "period left out), under the site of the sale. A donated voucher is worth its "
                "face value, a donated device the value its donor declared. The aid is the "
                "reference price minus the price paid: the donated unit's value covers it "
                "first, up to the whole aid, and the programme covers the rest."
            ),
        )
    ]


# What a partner's support funded: one builder per kind of support (see the module's docstring).
CONTRIBUTIONS: list[Callable[[Partner, Period], list[Table]]] = [
    grant_tables,
    donated_stock_tables,
]


def programme_table(period: Period) -> Table:
    """The programme's key figures for the period, every site: eight queries."""
    scope = {"period": period, "sites": None, "agency": None}
    enrolment = beneficiary_selectors.enrolment_figures(**scope)
    follow_ups = beneficiary_selectors.follow_up_figures(**scope)
    till = sales_selectors.sales_totals(**scope)
    since_launch = beneficiary_selectors.enrolled_until(period.end)
    return Table(
        "programme",
        _("The programme's key figures"),
        (_("Figure"), _("Value")),
        [
            (text(_("People enrolled since the launch")), people(since_launch)),
            (text(_("People enrolled")), people(enrolment.enrolled)),
            (text(_("Without a mobile phone")), share(enrolment.no_mobile, enrolment.enrolled)),
            (text(_("Top-ups sold")), count(till.topups)),
            (text(_("Devices")), count(till.devices)),
            (text(_("Total subsidy")), money(till.subsidy)),
            (
                text(_("Average reduction of telecom spending")),
                money(follow_ups.average_reduction, over=follow_ups.paired),
            ),
            (
                text(_("Relative reduction of telecom spending")),
                rate(follow_ups.relative_reduction, over=follow_ups.paired),
            ),
        ],
    )


@dataclass(frozen=True)
class PartnerReport:
    partner: Partner
    period: Period
    contributions: list[Table]
    programme: Table

    def tables(self) -> list[Table]:
        return [*self.contributions, self.programme]


def partner_report(partner: Partner, period: Period) -> PartnerReport:
    return PartnerReport(
        partner=partner,
        period=period,
        contributions=[table for build in CONTRIBUTIONS for table in build(partner, period)],
        programme=programme_table(period),
    )


def partners_with_grants():
    """Every partner with its grants, for the list page: two queries."""
    return Partner.objects.prefetch_related("grants__sites").order_by("name")
