"""The dashboard's sections about what changed for the people followed up (spending, outcomes)
and the one-to-one help (support sessions, offers subscribed with help)."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from beneficiaries.enums import OfferKind, SupportTopic
from connexions.impact.cells import MONEY, RATE, count, hours, money, people, rate, share, text
from connexions.impact.layout import Chart, KeyFigure, Section, Series, Table


def national_average() -> tuple[Decimal, str]:
    """The national average monthly telecom spending (a setting) and its dated citation."""
    as_of = formats.date_format(date.fromisoformat(settings.NATIONAL_TELECOM_SPENDING_AS_OF))
    return (
        Decimal(settings.NATIONAL_TELECOM_SPENDING),
        _("%(source)s, %(date)s")
        % {"source": settings.NATIONAL_TELECOM_SPENDING_SOURCE, "date": as_of},
    )


def followed_up_basis() -> str:
    return _(
        "people followed up in the period with a spending at entry (latest follow-up up to the "
        "end of the period, at least %(days)s days after enrolment)"
    ) % {"days": settings.FOLLOW_UP_MIN_DAYS}


def spending_figures(follow_ups) -> list[KeyFigure]:
    paired = people(follow_ups.paired)
    return [
        KeyFigure(
            "reduction",
            _("Average reduction of telecom spending"),
            money(follow_ups.average_reduction, over=follow_ups.paired),
            followed_up_basis(),
            paired,
            _("spending at entry minus spending at the latest follow-up, added up"),
        ),
        KeyFigure(
            "relative_reduction",
            _("Relative reduction of telecom spending"),
            rate(follow_ups.relative_reduction, over=follow_ups.paired),
            _("spending at entry of the same people, added up"),
            paired,
            _("spending at entry minus spending at the latest follow-up, added up"),
        ),
    ]


def spending_section(follow_ups) -> Section:
    n = follow_ups.paired
    entry = money(follow_ups.entry_spending, over=n)
    latest = money(follow_ups.latest_spending, over=n)
    amount, citation = national_average()
    national = money(amount)
    outcomes = [
        (
            _("Employed or in training (among those job-seeking at entry)"),
            follow_ups.employed_or_training,
        ),
        (_("With a computer"), follow_ups.computer),
        (_("Internet at home"), follow_ups.internet),
        (_("With a mobile phone"), follow_ups.mobile),
    ]
    outcome_rows = [
        (
            text(label),
            people(outcome.group),
            people(outcome.at_entry),
            share(outcome.at_entry, outcome.group),
            people(outcome.at_follow_up),
            share(outcome.at_follow_up, outcome.group),
        )
        for label, outcome in outcomes
    ]
    return Section(
        key="impact",
        title=_("Spending and outcomes at follow-up"),
        intro=_(
            "The people followed up in the period, whatever their enrolment date: each with "
            "their latest follow-up up to the end of the period, at least %(days)s days after "
            "enrolment (an earlier follow-up measures nothing). At entry and at that follow-up, "
            "the same people. The outcomes count the people whose follow-up recorded them."
        )
        % {"days": settings.FOLLOW_UP_MIN_DAYS},
        tables=[
            Table(
                "depenses-telecom",
                _("Monthly telecom spending, paired"),
                (_("Figure"), _("Value")),
                [
                    (text(_("People followed up in the period")), people(follow_ups.followed_up)),
                    (text(_("People with both figures")), people(n)),
                    (text(_("Average at entry")), entry),
                    (text(_("Average at the latest follow-up")), latest),
                    (text(_("Average reduction")), money(follow_ups.average_reduction, over=n)),
                    (text(_("Relative reduction")), rate(follow_ups.relative_reduction, over=n)),
                    (text(_("National average (reference)")), national),
                    (text(_("Source of the national average")), text(citation)),
                ],
            ),
            Table(
                "situation-au-suivi",
                _("Situation at entry and at the latest follow-up"),
                (
                    _("Indicator"),
                    _("People"),
                    _("At entry"),
                    _("Share at entry"),
                    _("At the latest follow-up"),
                    _("Share at the latest follow-up"),
                ),
                outcome_rows,
                wide=True,
            ),
        ],
        charts=[
            Chart(
                "spending",
                _("Monthly telecom spending, paired"),
                [_("At entry"), _("At the latest follow-up")],
                [Series(_("Average per month"), [entry, latest])],
                unit=MONEY,
                reference=Series(_("National average"), [national]),
            ),
            Chart(
                "outcomes",
                _("Situation at entry and at the latest follow-up"),
                [row[0].value for row in outcome_rows],
                [
                    Series(_("At entry"), [row[3] for row in outcome_rows]),
                    Series(_("At the latest follow-up"), [row[5] for row in outcome_rows]),
                ],
                unit=RATE,
                horizontal=True,
            ),
        ],
    )


def support_section(support, offers) -> Section:
    topics = list(SupportTopic)
    site_rows = [
        (
            text(row["site_name"]),
            count(row["sessions"], about_people=row["people"]),
            people(row["people"]),
            *[count(row[topic.value], about_people=row["people"]) for topic in topics],
        )
        for row in support.by_site
    ]
    topic_rows = [
        (
            text(topic.label),
            count(support.by_topic.get(topic.value, 0), about_people=support.people),
        )
        for topic in topics
    ]
    offer_rows = [
        (
            text(kind.label),
            count(offers.by_kind.get(kind.value, {}).get("subscribed", 0)),
            money(
                offers.by_kind.get(kind.value, {}).get("average_price"),
                over=offers.by_kind.get(kind.value, {}).get("subscribed", 0),
            ),
        )
        for kind in OfferKind
    ]
    offer_rows.append(
        (
            text(_("Total")),
            count(offers.subscribed),
            money(offers.average_price, over=offers.subscribed),
        )
    )
    return Section(
        key="support",
        title=_("One-to-one help"),
        intro=_(
            "Support sessions held in the period at the sites chosen, under the site where they "
            "were held; a session may deal with several topics. Offers subscribed with a "
            "counsellor's help in the period, with their average monthly price."
        ),
        tables=[
            Table(
                "accompagnements",
                _("Support sessions"),
                (_("Figure"), _("Value")),
                [
                    (
                        text(_("Support sessions")),
                        count(support.sessions, about_people=support.people),
                    ),
                    (text(_("People helped")), people(support.people)),
                    (text(_("Hours of support")), hours(support.hours, over=support.people)),
                ],
            ),
            Table(
                "accompagnements-par-theme",
                _("Support sessions by topic"),
                (_("Topic"), _("Sessions")),
                topic_rows,
            ),
            Table(
                "accompagnements-par-site",
                _("Support sessions by site and topic"),
                (
                    _("Reception site"),
                    _("Sessions"),
                    _("People helped"),
                    *[t.label for t in topics],
                ),
                site_rows,
                wide=True,
            ),
            Table(
                "offres-souscrites",
                _("Offers subscribed with help"),
                (_("Kind of offer"), _("Offers subscribed"), _("Average monthly price")),
                offer_rows,
            ),
        ],
        charts=[
            Chart(
                "support-by-topic",
                _("Support sessions by topic"),
                [row[0].value for row in topic_rows],
                [Series(_("Sessions"), [row[1] for row in topic_rows])],
                horizontal=True,
            )
        ],
    )
