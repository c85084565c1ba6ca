"""The dashboard's sections about what the programme did: first phones, sales at the till (net
of refunds), workshops."""

from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from catalogue.enums import ProductKind
from connexions.impact.cells import COUNT, HOURS, MONEY, Cell, count, money, people, share, text
from connexions.impact.layout import Chart, KeyFigure, Section, Series, Table
from sales.enums import PaymentMethod

ZERO = Decimal("0.00")


def first_phones_figures(sales, enrolment) -> list[KeyFigure]:
    """People enrolled in the period without a mobile who got their first phone through the
    programme (sales counts them), over two groups, each named: all the people enrolled in the
    period (the programme's published figure) and those of them who had no mobile."""
    counted = _("people enrolled in the period without a mobile who bought a phone (not refunded)")
    first = people(sales.first_mobile_phones)
    return [
        KeyFigure(
            "first_phones",
            _("First mobile phone through the programme"),
            share(sales.first_mobile_phones, enrolment.enrolled),
            _("people enrolled in the period"),
            people(enrolment.enrolled),
            counted,
            first,
        ),
        KeyFigure(
            "first_phones_without",
            _("First mobile phone, among those without one"),
            share(sales.first_mobile_phones, enrolment.no_mobile),
            _("people enrolled in the period who had no mobile phone"),
            people(enrolment.no_mobile),
            counted,
            first,
        ),
    ]


def sales_section(period, sales) -> Section:
    """The till: sales count under the site where they were made and the agency that referred
    the buyer. The number of sales stands for the group of buyers a figure is about (there are
    never more buyers than sales)."""
    about = sales.sales_count
    gross, refunded, net = sales.gross, sales.refunded, sales.net
    refunds = sales.refunds_count

    def row(label, kind, name):
        cells = []
        for totals, over in ((gross, about), (refunded, refunds), (net, about)):
            value = getattr(totals, name)
            cells.append(
                money(value, over=over) if kind == MONEY else count(value, about_people=over)
            )
        return (text(label), *cells)

    summary = [
        (
            text(_("Sales and refunds")),
            count(about, about_people=about),
            count(refunds, about_people=refunds),
            text(""),
        ),
        row(_("Top-ups sold"), COUNT, "topups"),
        row(_("Operator credit"), MONEY, "operator_credit"),
        row(_("Devices"), COUNT, "devices"),
        row(_("Amounts paid"), MONEY, "amount"),
        row(_("Subsidy (reference price minus price paid)"), MONEY, "subsidy"),
        row(_("Subsidy covered by partners' donated stock"), MONEY, "donation"),
        row(_("Subsidy covered by the programme"), MONEY, "programme"),
    ]
    device_kinds = [ProductKind.PHONE, ProductKind.COMPUTER, ProductKind.TABLET]
    device_rows = [
        (text(kind.label), people(net.devices_by_kind.get(kind, 0))) for kind in device_kinds
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
    months = period.months()
    month_totals = [by_month.get(m, {"sales": 0, "amount": ZERO, "subsidy": ZERO}) for m in months]
    return Section(
        key="sales",
        title=_("Sales"),
        intro=_(
            "Solidarity-priced top-ups and refurbished devices sold at the till in the period, "
            "under the site where they were sold and the agency that referred the buyer. The "
            "subsidy is the reference price minus the price paid; a donated unit's value (a "
            "voucher's face value, a device's declared value) covers it first, up to the whole "
            "subsidy, and the programme covers the rest. Every figure is net of the "
            "refunds made in the period (whenever the sale was): gross, refunded and net side by "
            "side. Payment methods, months and sites show the sales as paid (gross)."
        ),
        tables=[
            Table(
                "ventes",
                _("Sales"),
                (_("Figure"), _("Gross"), _("Refunded in the period"), _("Net")),
                summary,
                wide=True,
            ),
            Table(
                "appareils-par-type",
                _("Devices sold by kind"),
                (_("Kind"), _("Devices sold (net)")),
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


def workshops_section(workshops) -> Section:
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
