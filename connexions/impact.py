"""The impact dashboard's figures, laid out once for the page, the CSV exports and the PDF.

Every figure comes from an app's aggregate selector (`(*, period, sites, agency)`): the dashboard
reads the apps, no app imports it, and the number of queries does not grow with the data.
Percentages are counted over the denominators DESIGN.md fixes, and each says which.

Small-group rule: a figure about fewer than `SMALL_GROUP_THRESHOLD` people is shown as "< 5" in
the exports and the PDF, so that nobody can be singled out. A count of 1 to 4 people is hidden;
so is a share or an average whose group (or, for a share, whose counted part) is that small, since
the hidden count could otherwise be worked out from it. Zero singles out nobody and is shown.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from beneficiaries import selectors as beneficiary_selectors
from beneficiaries.enums import DeclineReason, MediationStatus, ReferralStatus, SituationProfile
from catalogue.enums import ProductKind
from connexions.periods import Period
from sales import selectors as sales_selectors
from sales.enums import PaymentMethod
from workshops import selectors as workshop_selectors

ZERO = Decimal("0.00")
COUNT = "count"
RATE = "rate"
MONEY = "money"
HOURS = "hours"
TEXT = "text"


def small_group_label() -> str:
    return f"< {settings.SMALL_GROUP_THRESHOLD}"


def _share(part: int, whole: int) -> Decimal | None:
    """A percentage, to one decimal (whole numbers without one), or None over nobody."""
    if not whole:
        return None
    value = (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


@dataclass(frozen=True)
class Cell:
    """One figure. `groups` are the sizes of the groups of people it tells about."""

    value: object
    kind: str = TEXT
    groups: tuple[int, ...] = ()

    @property
    def is_small(self) -> bool:
        return any(0 < n < settings.SMALL_GROUP_THRESHOLD for n in self.groups)

    def shown(self, *, protect: bool):
        """The value, or "< 5" for a small group when `protect` (exports and PDF)."""
        return small_group_label() if protect and self.is_small else self.value

    def as_number(self) -> float | None:
        """For charts on the page (display only; money stays Decimal everywhere else)."""
        return None if self.value is None else float(self.value)


def text(value) -> Cell:
    return Cell(value)


def people(n: int) -> Cell:
    return Cell(n, COUNT, (n,))


def count(n: int, *, about_people: int | None = None) -> Cell:
    """A count of things (cases, sales) about `about_people` people when known."""
    return Cell(n, COUNT, () if about_people is None else (about_people,))


def share(part: int, whole: int) -> Cell:
    return Cell(_share(part, whole), RATE, (part, whole))


def money(amount: Decimal | None, *, over: int | None = None) -> Cell:
    """An amount (an average or a total) over `over` people when it is about people."""
    return Cell(amount, MONEY, () if over is None else (over,))


def format_cell(cell: Cell, *, protect: bool = False) -> str:
    """French display of a figure: `4 200`, `20 %`, `66,7 %`, `35,00 €`, `—` when none."""
    value = cell.shown(protect=protect)
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if cell.kind == COUNT:
        return formats.number_format(value, force_grouping=True)
    if cell.kind == RATE:
        return f"{formats.number_format(value, force_grouping=True)}\u00a0%"
    if cell.kind == MONEY:
        return f"{formats.number_format(value, 2, force_grouping=True)}\u00a0€"
    if cell.kind == HOURS:
        return f"{formats.number_format(value, 1, force_grouping=True)}\u00a0h"
    return str(value)


@dataclass(frozen=True)
class KeyFigure:
    key: str
    label: str
    cell: Cell
    basis: str = ""  # what it is counted over, said in words
    basis_cell: Cell | None = None  # how many that is


@dataclass(frozen=True)
class Table:
    key: str  # also the CSV's name
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    wide: bool = False  # the page gives it the full width

    def export_rows(self):
        """Rows for the CSV: numbers stay numbers, small groups become "< 5"."""
        return [[cell.shown(protect=True) for cell in row] for row in self.rows]


@dataclass(frozen=True)
class Series:
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    labels: list[str]
    series: list[Series]
    unit: str = COUNT  # COUNT, RATE, MONEY or HOURS
    horizontal: bool = False
    wide: bool = False

    def as_json(self) -> dict:
        """What the page's script draws (Chart.js), with the exact figures."""
        return {
            "type": "bar",
            "horizontal": self.horizontal,
            "unit": self.unit,
            "labels": self.labels,
            "datasets": [
                {"label": s.label, "data": [c.as_number() for c in s.cells]} for s in self.series
            ],
        }


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str = ""
    figures: list[KeyFigure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


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


# --- building the report ------------------------------------------------------------------------


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

    active = sum(row["active"] for row in by_site)
    first_phones = _first_phones(sales, by_site)
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
        *_situation_figures(enrolment),
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
        _people_section(period, enrolment, by_site, by_month),
        _referrals_section(referrals),
        _situation_section(enrolment),
        _impact_section(enrolment, sales, first_phones),
        _sales_section(period, sales),
        _workshops_section(workshops),
        _mediation_section(mediation),
    ]
    return ImpactReport(period=period, key_figures=key_figures, sections=sections)


def _situation_figures(enrolment) -> list[KeyFigure]:
    """The programme's published situation figures, each over the denominator DESIGN.md fixes."""
    enrolled = _("people enrolled in the period")
    return [
        KeyFigure(
            "no_mobile",
            _("Without a mobile phone"),
            share(enrolment.no_mobile, enrolment.enrolled),
            enrolled,
            people(enrolment.enrolled),
        ),
        KeyFigure(
            "prepaid",
            _("Prepaid card"),
            share(enrolment.prepaid, enrolment.with_mobile),
            _("people who had a mobile phone at enrolment"),
            people(enrolment.with_mobile),
        ),
        KeyFigure(
            "job_seeking",
            _("Job-seeking"),
            share(enrolment.job_seeking, enrolment.enrolled),
            enrolled,
            people(enrolment.enrolled),
        ),
        KeyFigure(
            "computer",
            _("With a computer"),
            share(enrolment.computer, enrolment.enrolled),
            enrolled,
            people(enrolment.enrolled),
        ),
        KeyFigure(
            "internet",
            _("Internet at home"),
            share(enrolment.internet, enrolment.enrolled),
            enrolled,
            people(enrolment.enrolled),
        ),
        KeyFigure(
            "spending",
            _("Average monthly telecom spending at entry"),
            money(enrolment.average_spending, over=enrolment.with_spending),
            _("people whose spending was recorded at enrolment"),
            people(enrolment.with_spending),
        ),
    ]


def _months(period: Period) -> list[date]:
    """The first day of every month the period touches (months without enrolment show 0)."""
    month = period.start.replace(day=1)
    months = []
    while month <= period.end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _people_section(period, enrolment, by_site, by_month) -> Section:
    site_rows = [
        (text(row["site_name"]), people(row["enrolled"]), people(row["active"])) for row in by_site
    ]
    site_rows.append(
        (
            text(_("Total")),
            people(enrolment.enrolled),
            people(sum(row["active"] for row in by_site)),
        )
    )
    counts = {row["month"]: row["enrolled"] for row in by_month}
    month_rows = [
        (text(formats.date_format(month, "YEAR_MONTH_FORMAT")), people(counts.get(month, 0)))
        for month in _months(period)
    ]
    return Section(
        key="people",
        title=_("People"),
        intro=_(
            "A person counts under the site where they enrolled and the agency of the referral "
            "that enrolled them. Active: eligible on at least one day of the period."
        ),
        tables=[
            Table(
                "beneficiaires-par-site",
                _("Beneficiaries by site"),
                (_("Reception site"), _("Enrolled in the period"), _("Active")),
                site_rows,
            ),
            Table(
                "inscriptions-par-mois",
                _("Enrolments by month"),
                (_("Month"), _("People enrolled")),
                month_rows,
            ),
        ],
        charts=[
            Chart(
                "enrolments-by-site",
                _("Beneficiaries by site"),
                [row["site_name"] for row in by_site],
                [
                    Series(_("Enrolled in the period"), [people(r["enrolled"]) for r in by_site]),
                    Series(_("Active"), [people(r["active"]) for r in by_site]),
                ],
                horizontal=True,
            ),
            Chart(
                "enrolments-by-month",
                _("Enrolments by month"),
                [row[0].value for row in month_rows],
                [Series(_("People enrolled"), [row[1] for row in month_rows])],
            ),
        ],
    )


def _referrals_section(referrals) -> Section:
    total = referrals.total
    status_rows = [
        (text(status.label), people(referrals.by_status.get(status, 0)))
        for status in ReferralStatus
    ]
    status_rows.append((text(_("Total")), people(total)))
    declined = referrals.by_status.get(ReferralStatus.DECLINED, 0)
    reason_rows = [
        (
            text(reason.label),
            people(referrals.by_decline_reason.get(reason, 0)),
            share(referrals.by_decline_reason.get(reason, 0), declined),
        )
        for reason in DeclineReason
    ]
    agency_rows = [
        (
            text(row["agency_name"]),
            people(row["total"]),
            people(row["accepted"]),
            share(row["accepted"], row["total"]),
        )
        for row in referrals.by_agency
    ]
    profile_rows = [
        (
            text(profile.label),
            people(referrals.by_profile.get(profile, 0)),
            share(referrals.by_profile.get(profile, 0), total),
        )
        for profile in SituationProfile
    ]
    return Section(
        key="referrals",
        title=_("Referrals"),
        intro=_(
            "Referrals submitted in the period to the reception sites chosen, by their status "
            "today. Acceptance rate: referrals accepted out of referrals received."
        ),
        tables=[
            Table(
                "orientations-par-statut",
                _("Referrals by status"),
                (_("Status"), _("Referrals")),
                status_rows,
            ),
            Table(
                "orientations-par-structure",
                _("Referrals by partner agency"),
                (
                    _("Partner agency"),
                    _("Referrals received"),
                    _("Referrals accepted"),
                    _("Acceptance rate"),
                ),
                agency_rows,
            ),
            Table(
                "motifs-de-refus",
                _("Declined referrals by reason"),
                (_("Reason"), _("Referrals"), _("Share of declined referrals")),
                reason_rows,
            ),
            Table(
                "profils",
                _("Situation profiles of the people referred"),
                (_("Situation profile"), _("Referrals"), _("Share of referrals")),
                profile_rows,
            ),
        ],
        charts=[
            Chart(
                "referrals-by-status",
                _("Referrals by status"),
                [row[0].value for row in status_rows[:-1]],
                [Series(_("Referrals"), [row[1] for row in status_rows[:-1]])],
            ),
            Chart(
                "referrals-by-agency",
                _("Referrals by partner agency"),
                [row[0].value for row in agency_rows],
                [
                    Series(_("Referrals received"), [row[1] for row in agency_rows]),
                    Series(_("Referrals accepted"), [row[2] for row in agency_rows]),
                ],
                horizontal=True,
            ),
        ],
    )


def _situation_section(enrolment) -> Section:
    figures = _situation_figures(enrolment)
    shares = [f for f in figures if f.cell.kind == RATE]
    numerators = {
        "no_mobile": enrolment.no_mobile,
        "prepaid": enrolment.prepaid,
        "job_seeking": enrolment.job_seeking,
        "computer": enrolment.computer,
        "internet": enrolment.internet,
    }
    rows = [
        (text(f.label), people(numerators[f.key]), f.basis_cell, f.cell, text(f.basis))
        for f in shares
    ]
    spending = figures[-1]
    rows.append(
        (
            text(spending.label),
            spending.basis_cell,
            spending.basis_cell,
            spending.cell,
            text(spending.basis),
        )
    )
    return Section(
        key="situation",
        title=_("Situation at enrolment"),
        intro=_(
            "As the programme publishes it. Each share has its own denominator: the prepaid "
            "share is counted over the people who had a mobile phone at enrolment; the others "
            "over all the people enrolled in the period; the average spending over the people "
            "whose spending was recorded."
        ),
        tables=[
            Table(
                "situation-a-l-inscription",
                _("Situation at enrolment"),
                (_("Indicator"), _("People"), _("Counted over"), _("Value"), _("Denominator")),
                rows,
                wide=True,
            )
        ],
        charts=[
            Chart(
                "situation",
                _("Situation at enrolment"),
                [f.label for f in shares],
                [Series(_("Share"), [f.cell for f in shares])],
                unit=RATE,
                horizontal=True,
                wide=True,
            )
        ],
    )


def _first_phones(sales, by_site) -> KeyFigure:
    """People who got their first mobile phone through the programme (sales counts them), over
    the people active in the period who had none at enrolment (the group they come from)."""
    without = sum(row["active_no_mobile"] for row in by_site)
    return KeyFigure(
        "first_phones",
        _("First mobile phone through the programme"),
        share(sales.first_mobile_phones, without),
        _("active people who had no mobile phone at enrolment"),
        people(without),
    )


def _impact_section(enrolment, sales, first_phones) -> Section:
    paired = enrolment.with_reduction
    entry = money(enrolment.paired_entry_spending, over=paired)
    latest = money(enrolment.paired_latest_spending, over=paired)
    reduction = money(enrolment.average_reduction, over=paired)
    return Section(
        key="impact",
        title=_("Impact"),
        intro=_(
            "Average monthly telecom spending at entry and at the latest follow-up, for the "
            "same people: those with a spending recorded at entry and at least one follow-up."
        ),
        tables=[
            Table(
                "depenses-telecom",
                _("Monthly telecom spending, paired"),
                (_("Figure"), _("Value")),
                [
                    (text(_("People with both figures")), people(paired)),
                    (text(_("Average at entry")), entry),
                    (text(_("Average at the latest follow-up")), latest),
                    (text(_("Average reduction")), reduction),
                ],
            ),
            Table(
                "premiers-telephones",
                _("First mobile phones"),
                (_("Figure"), _("Value")),
                [
                    (
                        text(_("People who got their first mobile phone through the programme")),
                        people(sales.first_mobile_phones),
                    ),
                    (
                        text(_("Active people who had no mobile phone at enrolment")),
                        first_phones.basis_cell,
                    ),
                    (text(_("Share")), first_phones.cell),
                ],
            ),
        ],
        charts=[
            Chart(
                "spending",
                _("Monthly telecom spending, paired"),
                [_("At entry"), _("At the latest follow-up")],
                [Series(_("Average per month"), [entry, latest])],
                unit=MONEY,
            )
        ],
    )


def _sales_section(period, sales) -> Section:
    """The till: sales count under the site where they were made and the agency that referred
    the buyer. The number of sales stands for the group of buyers a figure is about (there are
    never more buyers than sales)."""
    about = sales.sales_count
    summary = [
        (text(_("Sales")), count(about, about_people=about)),
        (text(_("Top-ups sold")), count(sales.topups_sold, about_people=about)),
        (text(_("Operator credit issued")), money(sales.operator_credit, over=about)),
        (text(_("Amounts paid")), money(sales.amount_paid, over=about)),
        (
            text(_("Total subsidy (reference price minus price paid)")),
            money(sales.subsidy, over=about),
        ),
        (text(_("Refunds")), count(sales.refunds_count, about_people=sales.refunds_count)),
        (text(_("Amount refunded")), money(sales.refunds_total, over=sales.refunds_count)),
    ]
    device_kinds = [ProductKind.PHONE, ProductKind.COMPUTER, ProductKind.TABLET]
    device_rows = [
        (text(kind.label), people(sales.devices_by_kind.get(kind, 0))) for kind in device_kinds
    ]
    method_rows = [
        (text(method.label), money(sales.paid_by_method.get(method, ZERO), over=about))
        for method in PaymentMethod
    ]
    site_month_rows = [
        (
            text(row["site_name"]),
            text(formats.date_format(row["month"], "YEAR_MONTH_FORMAT")),
            count(row["sales"], about_people=row["sales"]),
            money(row["amount"], over=row["sales"]),
            money(row["subsidy"], over=row["sales"]),
        )
        for row in sales.by_site_month
    ]
    by_month = {}
    for row in sales.by_site_month:  # a few rows per site and month, already aggregated
        month = by_month.setdefault(row["month"], {"sales": 0, "amount": ZERO, "subsidy": ZERO})
        for key in month:
            month[key] += row[key]
    months = _months(period)
    month_totals = [by_month.get(m, {"sales": 0, "amount": ZERO, "subsidy": ZERO}) for m in months]
    return Section(
        key="sales",
        title=_("Sales"),
        intro=_(
            "Solidarity-priced top-ups and refurbished devices sold at the till in the period, "
            "under the site where they were sold and the agency that referred the buyer. The "
            "subsidy is the reference price minus the price paid; refunds are shown apart."
        ),
        tables=[
            Table("ventes", _("Sales"), (_("Figure"), _("Value")), summary),
            Table(
                "appareils-par-type",
                _("Devices sold by kind"),
                (_("Kind"), _("Devices sold")),
                device_rows,
            ),
            Table(
                "paiements",
                _("Amounts paid by payment method"),
                (_("Payment method"), _("Amount")),
                method_rows,
            ),
            Table(
                "ventes-par-site-et-mois",
                _("Sales by site and month"),
                (
                    _("Reception site"),
                    _("Month"),
                    _("Sales"),
                    _("Amounts paid"),
                    _("Subsidy"),
                ),
                site_month_rows,
                wide=True,
            ),
        ],
        charts=[
            Chart(
                "sales-by-month",
                _("Amounts paid and subsidy by month"),
                [formats.date_format(m, "YEAR_MONTH_FORMAT") for m in months],
                [
                    Series(
                        _("Amounts paid"),
                        [money(t["amount"], over=t["sales"]) for t in month_totals],
                    ),
                    Series(
                        _("Subsidy"),
                        [money(t["subsidy"], over=t["sales"]) for t in month_totals],
                    ),
                ],
                unit=MONEY,
            ),
            Chart(
                "devices-by-kind",
                _("Devices sold by kind"),
                [row[0].value for row in device_rows],
                [Series(_("Devices sold"), [row[1] for row in device_rows])],
            ),
        ],
    )


def _workshops_section(workshops) -> Section:
    marked = workshops.marked
    summary = [
        (text(_("Sessions held")), count(workshops.sessions_held)),
        (text(_("Sessions scheduled")), count(workshops.sessions_scheduled)),
        (text(_("Sessions cancelled")), count(workshops.sessions_cancelled)),
        (text(_("Seats offered")), count(workshops.seats_offered)),
        (text(_("Registrations")), people(workshops.registrations)),
        (text(_("People present")), people(workshops.present)),
        (text(_("People absent")), people(workshops.absent)),
        (text(_("People excused")), people(workshops.excused)),
        (text(_("Attendance rate")), share(workshops.present, marked)),
        (text(_("No-show rate")), share(workshops.absent, marked)),
        (text(_("On the waiting list")), people(workshops.waiting)),
    ]
    topic_rows = [
        (
            text(topic.title),
            count(topic.sessions_held),
            count(topic.seats_offered),
            people(topic.registrations),
            people(topic.present),
            share(topic.present, topic.present + topic.absent + topic.excused),
        )
        for topic in workshops.by_topic
    ]
    hour_rows = [
        (text(row["company"]), Cell(row["hours"], HOURS)) for row in workshops.volunteer_hours
    ]
    return Section(
        key="workshops",
        title=_("Workshops"),
        intro=_(
            "Sessions that started in the period at the sites chosen. Attendance and no-show "
            "rates are counted over the registrations whose attendance was taken (present, "
            "absent or excused); an excused absence is not a no-show. With a partner agency "
            "chosen, only the people it referred are counted; sessions, seats and volunteer "
            "hours stay those of the sites."
        ),
        tables=[
            Table("ateliers", _("Workshops"), (_("Figure"), _("Value")), summary),
            Table(
                "benevolat",
                _("Volunteer hours by company"),
                (_("Partner company"), _("Volunteer hours")),
                hour_rows,
            ),
            Table(
                "ateliers-par-theme",
                _("Workshops by topic"),
                (
                    _("Topic"),
                    _("Sessions held"),
                    _("Seats offered"),
                    _("Registrations"),
                    _("People present"),
                    _("Attendance rate"),
                ),
                topic_rows,
                wide=True,
            ),
        ],
        charts=[
            Chart(
                "workshops-by-topic",
                _("Registrations and attendance by topic"),
                [row[0].value for row in topic_rows],
                [
                    Series(_("Registrations"), [row[3] for row in topic_rows]),
                    Series(_("People present"), [row[4] for row in topic_rows]),
                ],
                horizontal=True,
            ),
            Chart(
                "volunteer-hours",
                _("Volunteer hours by company"),
                [row[0].value for row in hour_rows],
                [Series(_("Volunteer hours"), [row[1] for row in hour_rows])],
                unit=HOURS,
                horizontal=True,
            ),
        ],
    )


def _mediation_section(mediation) -> Section:
    opened = mediation.opened
    status_rows = [
        (text(status.label), people(mediation.by_status.get(status, 0)))
        for status in MediationStatus
    ]
    return Section(
        key="mediation",
        title=_("Mediation with operators"),
        intro=_(
            "Cases opened in the period at the sites chosen. Agreements: cases that reached an "
            "agreement with the operator (closed ones included)."
        ),
        tables=[
            Table(
                "mediation",
                _("Mediation cases"),
                (_("Figure"), _("Value")),
                [
                    (text(_("Cases opened")), people(opened)),
                    (text(_("Agreements reached")), people(mediation.agreements)),
                    (text(_("Amount owed")), money(mediation.amount_owed, over=opened)),
                    (
                        text(_("Amount written off")),
                        money(mediation.amount_written_off, over=opened),
                    ),
                ],
            ),
            Table(
                "mediation-par-statut",
                _("Mediation cases by status today"),
                (_("Status"), _("Cases")),
                status_rows,
            ),
        ],
        charts=[
            Chart(
                "mediation-by-status",
                _("Mediation cases by status today"),
                [row[0].value for row in status_rows],
                [Series(_("Cases"), [row[1] for row in status_rows])],
            )
        ],
    )
