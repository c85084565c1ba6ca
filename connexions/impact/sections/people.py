"""The dashboard's sections about what the beneficiaries app records: people enrolled,
referrals, the situation at enrolment, mediation with operators."""

from django.utils import formats
from django.utils.translation import gettext as _

from beneficiaries.enums import DeclineReason, MediationStatus, ReferralStatus, SituationProfile
from connexions.impact.cells import RATE, money, people, share, text
from connexions.impact.layout import Chart, KeyFigure, Section, Series, Table


def situation_figures(enrolment) -> list[KeyFigure]:
    """The programme's published situation figures, each over the denominator that
    docs/architecture.md fixes; prepaid over both groups, each named."""
    enrolled = _("people enrolled in the period")
    everyone = people(enrolment.enrolled)

    def over_enrolled(key, label, part, counted):
        return KeyFigure(
            key, label, share(part, enrolment.enrolled), enrolled, everyone, counted, people(part)
        )

    return [
        over_enrolled(
            "no_mobile",
            _("Without a mobile phone"),
            enrolment.no_mobile,
            _("people without a mobile phone at enrolment"),
        ),
        KeyFigure(
            "prepaid",
            _("Prepaid card, among mobile owners"),
            share(enrolment.prepaid, enrolment.with_mobile),
            _("people who had a mobile phone at enrolment"),
            people(enrolment.with_mobile),
            _("people on a prepaid card at enrolment"),
            people(enrolment.prepaid),
        ),
        over_enrolled(
            "prepaid_all",
            _("Prepaid card, among all enrolled"),
            enrolment.prepaid,
            _("people on a prepaid card at enrolment"),
        ),
        over_enrolled(
            "job_seeking",
            _("Job-seeking"),
            enrolment.job_seeking,
            _("people job-seeking at enrolment"),
        ),
        over_enrolled(
            "computer",
            _("With a computer"),
            enrolment.computer,
            _("people with a computer at enrolment"),
        ),
        over_enrolled(
            "internet",
            _("Internet at home"),
            enrolment.internet,
            _("people with internet at home at enrolment"),
        ),
        KeyFigure(
            "spending",
            _("Average monthly telecom spending at entry"),
            money(enrolment.average_spending, over=enrolment.with_spending),
            _("people whose spending was recorded at enrolment"),
            people(enrolment.with_spending),
            _("monthly spending at enrolment, added up"),
        ),
    ]


def people_section(period, enrolment, by_site) -> Section:
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
    counts = {row["month"]: row["enrolled"] for row in enrolment.by_month}
    month_rows = [
        (text(formats.date_format(month, "YEAR_MONTH_FORMAT")), people(counts.get(month, 0)))
        for month in period.months()
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


def referrals_section(referrals) -> Section:
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


def situation_section(enrolment) -> Section:
    figures = situation_figures(enrolment)
    rows = [
        (
            text(f.label),
            f.counted_cell if f.counted_cell is not None else f.basis_cell,
            f.basis_cell,
            f.cell,
            text(f.definition),
        )
        for f in figures
    ]
    shares = [f for f in figures if f.cell.kind == RATE]
    return Section(
        key="situation",
        title=_("Situation at enrolment"),
        intro=_(
            "As the programme publishes it. Each share has its own denominator: the prepaid "
            "share is shown over the people who had a mobile phone at enrolment (the published "
            "one) and over all the people enrolled; the others over all the people enrolled in "
            "the period; the average spending over the people whose spending was recorded."
        ),
        tables=[
            Table(
                "situation-a-l-inscription",
                _("Situation at enrolment"),
                (_("Indicator"), _("People"), _("Counted over"), _("Value"), _("Definition")),
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


def mediation_section(mediation) -> Section:
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
            "agreement with the operator (closed ones included). Closed with an agreement: cases "
            "closed in the period (a case closes only after an agreement), whenever opened."
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
                    (
                        text(_("Cases closed with an agreement")),
                        people(mediation.closed_with_agreement),
                    ),
                    (
                        text(_("Amount written off on the cases closed")),
                        money(
                            mediation.written_off_on_closing,
                            over=mediation.closed_with_agreement,
                        ),
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
