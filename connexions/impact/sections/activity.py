"""The dashboard's sections about what the programme did: spending before and after and first
phones, sales at the till, workshops."""

from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from catalogue.enums import ProductKind
from connexions.impact.cells import HOURS, MONEY, Cell, count, money, people, share, text
from connexions.impact.layout import Chart, KeyFigure, Section, Series, Table
from sales.enums import PaymentMethod

ZERO = Decimal("0.00")


def first_phones_figure(sales, by_site) -> KeyFigure:
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


def impact_section(enrolment, sales, first_phones) -> Section:
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


def sales_section(period, sales) -> Section:
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
    months = period.months()
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
