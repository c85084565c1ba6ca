"""The beneficiaries app's figures for the impact dashboard and the partner reports: aggregates
over a period, a set of sites and an agency (`(*, period, sites, agency)`), each in a fixed number
of queries whatever the data. Read through `beneficiaries.selectors`, which re-exports them."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    When,
)
from django.db.models.functions import Cast, TruncMonth

from beneficiaries import summaries
from beneficiaries.enums import (
    EmploymentStatus,
    MediationStatus,
    PlanType,
    ReferralStatus,
    SupportTopic,
)
from beneficiaries.models import (
    Beneficiary,
    FollowUp,
    MediationCase,
    OfferSubscription,
    PeopleMonth,
    Referral,
    SupportSession,
)
from connexions import numbers
from connexions.models import PartnerAgency, ReceptionSite
from connexions.periods import Period
from connexions.search import french_order

# --- aggregate figures (impact dashboard) ------------------------------------------------------


def _scoped(rows, sites, agency, *, site: str, agency_path: str):
    """`rows` of `sites` and `agency` (None: all), through the lookups `site` and `agency_path`:
    the one way every figure below narrows its rows to the dashboard's scope."""
    if sites is not None:
        rows = rows.filter(**{f"{site}__in": sites})
    if agency is not None:
        rows = rows.filter(**{agency_path: agency})
    return rows


def _names(model, ids) -> dict:
    """{id: name} of `model`'s rows `ids`, in one small query after the counts. Joined into a
    grouped query, a name widens every row grouped; looked up inside it, the query can no longer
    run in parallel (PostgreSQL keeps a query with a subquery in its select list in one
    process): either way a tenth of a second more at a million rows."""
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def _by_name(rows, names, ref: str) -> list[dict]:
    """`rows` with their `{ref}_name`, in French name order whatever the database's collation."""
    rows = [{**row, f"{ref}_name": names.get(row[f"{ref}_id"], "")} for row in rows]
    return sorted(rows, key=lambda row: (french_order(row[f"{ref}_name"]), row[f"{ref}_id"] or 0))


def _in_scope(people, sites, agency):
    return _scoped(
        people, sites, agency, site="enrolled_site", agency_path="enrolment_referral__agency"
    )


def _active(period: Period, sites, agency):
    """The people active in `period`: eligible on at least one day of it, whenever they
    enrolled."""
    people = Beneficiary.objects.filter(enrolled_on__lte=period.end, valid_until__gte=period.start)
    return _in_scope(people, sites, agency)


def _people(period: Period, sites, agency, *, active: bool) -> list[dict]:
    """The people enrolled in `period` (with `active`, every person active in it: those enrolled
    in it are among them, as eligibility starts at enrolment), grouped by enrolment site and
    month of enrolment (None for those enrolled before the period), with the situation counts:
    one scan, from which `enrolment_figures` and `beneficiaries_by_site` both read. A person
    counts under the site where they enrolled and the agency of the referral that enrolled
    them."""
    if active:
        people = _active(period, sites, agency)
    else:
        people = _in_scope(
            Beneficiary.objects.filter(enrolled_on__range=(period.start, period.end)), sites, agency
        )
    month = Case(
        When(enrolled_on__gte=period.start, then=Cast(TruncMonth("enrolled_on"), DateField())),
        output_field=DateField(),
    )
    return list(
        people.values(site_id=F("enrolled_site_id"), month=month)
        .annotate(
            people=Count("pk"),
            no_mobile=Count("pk", filter=Q(has_mobile=False)),
            with_mobile=Count("pk", filter=Q(has_mobile=True)),
            prepaid=Count("pk", filter=Q(has_mobile=True, plan_type=PlanType.PREPAID)),
            job_seeking=Count("pk", filter=Q(employment_status=EmploymentStatus.JOB_SEEKING)),
            computer=Count("pk", filter=Q(has_computer=True)),
            internet=Count("pk", filter=Q(has_internet=True)),
            with_spending=Count("pk", filter=Q(monthly_spending__isnull=False)),
            spending=Sum("monthly_spending", default=Decimal("0.00")),
        )
        .order_by()
    )


@dataclass(frozen=True)
class EnrolmentFigures:
    """The programme's published situation figures, each with its own denominator
    (docs/architecture.md)."""

    enrolled: int
    no_mobile: int
    with_mobile: int
    prepaid: int
    job_seeking: int
    computer: int
    internet: int
    with_spending: int
    average_spending: Decimal | None
    by_month: list[dict]  # [{"month": date (first day), "enrolled"}], in order

    @property
    def no_mobile_rate(self):  # over all enrolled
        return numbers.percentage(self.no_mobile, self.enrolled)

    @property
    def prepaid_rate(self):  # over those who had a mobile at enrolment
        return numbers.percentage(self.prepaid, self.with_mobile)

    @property
    def job_seeking_rate(self):
        return numbers.percentage(self.job_seeking, self.enrolled)

    @property
    def computer_rate(self):
        return numbers.percentage(self.computer, self.enrolled)

    @property
    def internet_rate(self):
        return numbers.percentage(self.internet, self.enrolled)

    @classmethod
    def of(cls, rows: list[dict]) -> "EnrolmentFigures":
        """Added up from `_people`'s rows, those of people enrolled in the period."""
        enrolled = [row for row in rows if row["month"] is not None]
        counts = ("no_mobile", "with_mobile", "prepaid", "job_seeking", "computer", "internet")
        totals = {name: sum(row[name] for row in enrolled) for name in counts}
        with_spending = sum(row["with_spending"] for row in enrolled)
        spending = sum((row["spending"] for row in enrolled), Decimal("0.00"))
        by_month = Counter()
        for row in enrolled:
            by_month[row["month"]] += row["people"]
        return cls(
            enrolled=by_month.total(),
            with_spending=with_spending,
            average_spending=numbers.money(spending / with_spending) if with_spending else None,
            by_month=[{"month": month, "enrolled": by_month[month]} for month in sorted(by_month)],
            **totals,
        )


def enrolment_figures(*, period: Period, sites=None, agency=None) -> EnrolmentFigures:
    """People enrolled in `period` (at `sites`, referred by `agency`), with their number by month
    of enrolment: one query. The spending reduction is `follow_up_figures`: its cohort is not
    the people enrolled."""
    return EnrolmentFigures.of(_people(period, sites, agency, active=False))


def _by_site(rows: list[dict]) -> list[dict]:
    """Per enrolment site, from `_people(active=True)`'s rows: people enrolled in the period and
    people active in it, by site name."""
    counted = {}
    for row in rows:
        site = counted.setdefault(
            row["site_id"], {"site_id": row["site_id"], "enrolled": 0, "active": 0}
        )
        site["active"] += row["people"]
        site["enrolled"] += row["people"] if row["month"] is not None else 0
    return _by_name(counted.values(), _names(ReceptionSite, list(counted)), "site")


@dataclass(frozen=True)
class PeopleFigures:
    """The people enrolled in a period and those active in it, by site: one scan."""

    enrolment: EnrolmentFigures
    by_site: list[dict]  # {"site_id", "site_name", "enrolled", "active"}, by site name


def people_figures(*, period: Period, sites=None, agency=None) -> PeopleFigures:
    """`enrolment_figures` and `beneficiaries_by_site` from one read of the people active in
    `period` (the dashboard shows both): two queries with the sites' names."""
    rows = _people(period, sites, agency, active=True)
    return PeopleFigures(enrolment=EnrolmentFigures.of(rows), by_site=_by_site(rows))


def enrolled_until(day: date, *, sites=None, agency=None) -> int:
    """People enrolled since the programme's launch, up to `day` (the "since launch" row)."""
    return _in_scope(Beneficiary.objects.filter(enrolled_on__lte=day), sites, agency).count()


def beneficiaries_by_site(*, period: Period, sites=None, agency=None) -> list[dict]:
    """Per enrolment site: people enrolled in `period`, and people active in it (eligible on at
    least one day of it, whenever they enrolled). One grouped query and the sites' names; rows
    `{"site_id", "site_name", "enrolled", "active"}` by site name."""
    return people_figures(period=period, sites=sites, agency=agency).by_site


def active_people(*, period: Period, sites=None, agency=None) -> int:
    """How many people were active in `period` (as in `beneficiaries_by_site`): one query."""
    return _active(period, sites, agency).count()


@dataclass(frozen=True)
class ReferralFigures:
    total: int
    by_status: dict[str, int]
    by_decline_reason: dict[str, int]
    by_profile: dict[str, int]
    by_agency: list[dict]  # [{"agency_id", "agency_name", "total", "accepted"}], largest first


def _days(ranges, field: str, *, moments=False) -> Q:
    """In one of `ranges` (inclusive (first, last) days; `moments`: `field` is a datetime,
    compared in the project's time zone)."""
    within = Q()
    for first, last in ranges:
        if moments:
            start, end = Period(first, first).bounds()[0], Period(last, last).bounds()[1]
            within |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
        else:
            within |= Q(**{f"{field}__range": (first, last)})
    return within


def referral_figures(*, period: Period, sites=None, agency=None) -> ReferralFigures:
    """Referrals submitted in `period` to `sites` (their reception site) from `agency`, grouped
    by status, decline reason, profile and agency (a few rows per agency) and added up here:
    the whole months from the monthly summary (`beneficiaries.summaries`), the rest counted
    live, so the period's referrals are read once; then the agencies' names. Four queries."""
    summarised, live = summaries.split(period, PeopleMonth.REFERRALS)
    referrals = Referral.objects.filter(_days(live, "submitted_at", moments=True))
    referrals = _scoped(referrals, sites, agency, site="site", agency_path="agency")
    summarised = _scoped(summarised, sites, agency, site="site", agency_path="agency")
    keys = ("status", "decline_reason", "profile", "agency_id")
    groups = [
        *referrals.values(*keys).annotate(n=Count("pk")).order_by(),
        *summarised.values(*keys).annotate(n=Sum("count")).order_by(),
    ]
    by_status, by_reason, by_profile = Counter(), Counter(), Counter()
    by_agency = {}
    for row in groups:
        n = row["n"]
        by_status[row["status"]] += n
        by_reason[row["decline_reason"]] += n
        by_profile[row["profile"]] += n
        counted = by_agency.setdefault(
            row["agency_id"], {"agency_id": row["agency_id"], "total": 0, "accepted": 0}
        )
        counted["total"] += n
        counted["accepted"] += n if row["status"] == ReferralStatus.ACCEPTED else 0

    def recorded(counter):  # by key, without the referrals that do not say
        return {key: counter[key] for key in sorted(counter) if key}

    return ReferralFigures(
        total=by_status.total(),
        by_status=recorded(by_status),
        by_decline_reason=recorded(by_reason),
        by_profile=recorded(by_profile),
        by_agency=sorted(
            _by_name(by_agency.values(), _names(PartnerAgency, list(by_agency)), "agency"),
            key=lambda row: -row["total"],  # a stable sort: then in French name order
        ),
    )


@dataclass(frozen=True)
class MediationFigures:
    opened: int
    by_status: dict[str, int]
    agreements: int
    amount_owed: Decimal
    amount_written_off: Decimal
    closed_with_agreement: int
    written_off_on_closing: Decimal


def mediation_figures(*, period: Period, sites=None, agency=None) -> MediationFigures:
    """Mediation cases at `sites`, for people referred by `agency`: two queries. Opened in
    `period`: how many, how many reached an agreement (agreement or closed), amounts owed and
    written off. Closed in `period` (a case closes only after an agreement): how many and the
    amounts written off on them."""
    in_period = (period.start, period.end)
    cases = MediationCase.objects.filter(
        Q(opened_on__range=in_period) | Q(closed_on__range=in_period)
    )
    cases = _scoped(
        cases, sites, agency, site="site", agency_path="beneficiary__enrolment_referral__agency"
    )
    reached = [MediationStatus.AGREEMENT, MediationStatus.CLOSED]
    opened = Q(opened_on__range=in_period)
    closed = Q(status=MediationStatus.CLOSED, closed_on__range=in_period)
    zero = Decimal("0.00")
    totals = cases.aggregate(
        opened=Count("pk", filter=opened),
        agreements=Count("pk", filter=opened & Q(status__in=reached)),
        owed=Sum("amount_owed", filter=opened, default=zero),
        written_off=Sum("amount_written_off", filter=opened, default=zero),
        closed_with_agreement=Count("pk", filter=closed),
        written_off_on_closing=Sum("amount_written_off", filter=closed, default=zero),
    )
    by_status = {
        row["status"]: row["n"]
        for row in cases.filter(opened).values("status").annotate(n=Count("pk")).order_by("status")
    }
    return MediationFigures(
        by_status=by_status,
        amount_owed=totals.pop("owed"),
        amount_written_off=totals.pop("written_off"),
        **totals,
    )


# --- follow-ups: spending and outcomes ---------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """At entry vs at the latest follow-up, for the same people: `group` people whose follow-up
    recorded it, `at_entry` and `at_follow_up` of them in that situation."""

    group: int
    at_entry: int
    at_follow_up: int


@dataclass(frozen=True)
class FollowUpFigures:
    """The people followed up in the period (see `follow_up_figures`)."""

    followed_up: int
    paired: int  # of whom those with a spending recorded at entry
    entry_spending: Decimal | None  # averages over the paired people
    latest_spending: Decimal | None
    average_reduction: Decimal | None
    relative_reduction: Decimal | None  # in %, the reduction over the spending at entry
    employed_or_training: Outcome  # among those job-seeking at entry
    computer: Outcome
    internet: Outcome
    mobile: Outcome


def _latest_follow_ups(*, period: Period, sites, agency):
    """Each person's latest follow-up done up to the end of `period` and at least
    `FOLLOW_UP_MIN_DAYS` after their enrolment, for those whose latest one falls in `period`:
    the follow-ups of the period whose person's next one (`next_done_on`, kept by the
    follow-ups' triggers) is after the period, or none. An earlier follow-up is too early when a
    later one is, so only the latest is checked against the enrolment day. One scan of the
    period's follow-ups, which carry their person's enrolment (`follow_up_chain.COPIED`):
    never every person."""
    earliest = ExpressionWrapper(
        F("enrolled_on") + timedelta(days=settings.FOLLOW_UP_MIN_DAYS),
        output_field=DateField(),
    )
    latest = FollowUp.objects.filter(
        Q(next_done_on__isnull=True) | Q(next_done_on__gt=period.end),
        done_on__range=(period.start, period.end),
        done_on__gte=earliest,
    )
    return _scoped(
        latest,
        sites,
        agency,
        site="enrolled_site",  # the person's, kept on the follow-up
        agency_path="beneficiary__enrolment_referral__agency",
    )


def follow_up_figures(*, period: Period, sites=None, agency=None) -> FollowUpFigures:
    """The people followed up in `period`, whatever their enrolment date: those whose latest
    follow-up up to the end of the period, among those at least `FOLLOW_UP_MIN_DAYS` after
    enrolment, falls in the period (a follow-up on the enrolment day measures nothing, and a
    past period's figures do not change). Spending at entry and at that follow-up, for those
    with a spending at entry; outcomes at entry vs at that follow-up, for those whose follow-up
    recorded them. A person counts under their enrolment site and agency. One query, on the
    follow-ups (each carries its person's situation at enrolment; an agency chosen joins their
    enrolment referral)."""
    cohort = _latest_follow_ups(period=period, sites=sites, agency=agency)
    paired = Q(spending_at_entry__isnull=False)
    money = DecimalField(max_digits=11, decimal_places=2)
    seeking = Q(employment_at_entry=EmploymentStatus.JOB_SEEKING) & ~Q(employment_status="")
    working = [EmploymentStatus.EMPLOYED, EmploymentStatus.TRAINING]
    with_mobile = [PlanType.PREPAID, PlanType.CONTRACT]
    row = cohort.aggregate(
        followed_up=Count("pk"),
        paired=Count("pk", filter=paired),
        entry_total=Sum("spending_at_entry", filter=paired, output_field=money),
        latest_total=Sum("monthly_spending", filter=paired, output_field=money),
        seeking=Count("pk", filter=seeking),
        working=Count("pk", filter=seeking & Q(employment_status__in=working)),
        computer_group=Count("pk", filter=Q(has_computer__isnull=False)),
        computer_entry=Count("pk", filter=Q(has_computer__isnull=False, computer_at_entry=True)),
        computer_now=Count("pk", filter=Q(has_computer=True)),
        internet_group=Count("pk", filter=Q(has_internet__isnull=False)),
        internet_entry=Count("pk", filter=Q(has_internet__isnull=False, internet_at_entry=True)),
        internet_now=Count("pk", filter=Q(has_internet=True)),
        mobile_group=Count("pk", filter=~Q(plan_type="")),
        mobile_entry=Count("pk", filter=~Q(plan_type="") & Q(mobile_at_entry=True)),
        mobile_now=Count("pk", filter=Q(plan_type__in=with_mobile)),
    )
    n = row["paired"]
    entry, latest = row["entry_total"], row["latest_total"]
    return FollowUpFigures(
        followed_up=row["followed_up"],
        paired=n,
        entry_spending=numbers.money(entry / n) if n else None,
        latest_spending=numbers.money(latest / n) if n else None,
        average_reduction=numbers.money((entry - latest) / n) if n else None,
        relative_reduction=numbers.percentage(entry - latest, entry) if n else None,
        employed_or_training=Outcome(row["seeking"], 0, row["working"]),
        computer=Outcome(row["computer_group"], row["computer_entry"], row["computer_now"]),
        internet=Outcome(row["internet_group"], row["internet_entry"], row["internet_now"]),
        mobile=Outcome(row["mobile_group"], row["mobile_entry"], row["mobile_now"]),
    )


# --- one-to-one help ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SupportFigures:
    sessions: int
    people: int
    hours: Decimal
    by_site: list[dict]  # {"site_id", "site_name", "sessions", "people", "<topic>": sessions}
    by_topic: dict[str, int]  # sessions that dealt with each topic (a session may deal with two)


def support_figures(*, period: Period, sites=None, agency=None) -> SupportFigures:
    """Support sessions held in `period` at `sites` (where they were held), for people referred by
    `agency`, by site and topic: six queries. The sessions, their minutes and topics grouped by
    site and list of topics (a few rows per site; the whole months from the monthly summary,
    `beneficiaries.summaries`, the rest counted live), added up here; the people per site, read in
    order from an index (`support_site_person_date`), so their distinct count sorts nothing;
    the sites' names; and the people in all, once however many sites they went to (likewise
    from `support_person_date`)."""
    sessions = SupportSession.objects.filter(date__range=(period.start, period.end))
    sessions = _scoped(
        sessions, sites, agency, site="site", agency_path="beneficiary__enrolment_referral__agency"
    )
    summarised, live = summaries.split(period, PeopleMonth.SUPPORT)
    live_sessions = _scoped(
        SupportSession.objects.filter(_days(live, "date")),
        sites,
        agency,
        site="site",
        agency_path="beneficiary__enrolment_referral__agency",
    )
    summarised = _scoped(summarised, sites, agency, site="site", agency_path="agency")
    by_topics = [
        *live_sessions.values("site_id", "topics")
        .annotate(n=Count("pk"), minutes=Sum("duration_minutes"))
        .order_by(),
        *summarised.values("site_id", "topics")
        .annotate(n=Sum("count"), minutes=Sum("minutes"))
        .order_by(),
    ]
    counted = {}  # site id -> {"sessions", "<topic>"}
    minutes = 0
    for group in by_topics:
        site = counted.setdefault(group["site_id"], Counter())
        site["sessions"] += group["n"]
        for topic in set(group["topics"]):  # a session deals with a topic once
            site[topic] += group["n"]
        minutes += group["minutes"]
    people = list(
        sessions.values("site_id").annotate(people=Count("beneficiary", distinct=True)).order_by()
    )
    # A session recorded between the two reads is in one of them only: never an error.
    names = _names(ReceptionSite, [row["site_id"] for row in people])
    by_site = []
    for row in _by_name(people, names, "site"):
        site = counted.get(row["site_id"], Counter())
        topics_of_site = {topic: site[topic] for topic in SupportTopic.values}
        by_site.append({**row, "sessions": site["sessions"], **topics_of_site})
    return SupportFigures(
        sessions=sum(row["sessions"] for row in by_site),
        # Their distinct ids counted (not COUNT(DISTINCT)): read in order from an index
        # (`support_person_date`: person, day), no sort.
        people=sessions.values("beneficiary_id").distinct().count(),
        hours=numbers.rounded(Decimal(minutes) / 60, numbers.TENTH),
        by_site=by_site,
        by_topic={topic: sum(row[topic] for row in by_site) for topic in SupportTopic.values},
    )


@dataclass(frozen=True)
class OfferFigures:
    subscribed: int
    people: int
    average_price: Decimal | None
    by_kind: dict[str, dict]  # {kind: {"subscribed", "average_price"}}


def offer_figures(*, period: Period, sites=None, agency=None) -> OfferFigures:
    """Offers subscribed with a counsellor's help in `period` at `sites` (where they were
    recorded), for people referred by `agency`: one grouped query."""
    offers = OfferSubscription.objects.filter(subscribed_on__range=(period.start, period.end))
    offers = _scoped(
        offers, sites, agency, site="site", agency_path="beneficiary__enrolment_referral__agency"
    )
    rows = list(
        offers.values("kind")
        .annotate(
            n=Count("pk"),
            people=Count("beneficiary", distinct=True),
            total=Sum("monthly_price"),
        )
        .order_by("kind")
    )
    subscribed = sum(row["n"] for row in rows)
    total = sum((row["total"] for row in rows), Decimal("0.00"))
    return OfferFigures(
        subscribed=subscribed,
        # A person may subscribe to both kinds: counted once per kind here, an upper bound.
        people=sum(row["people"] for row in rows),
        average_price=numbers.money(total / subscribed) if subscribed else None,
        by_kind={
            row["kind"]: {
                "subscribed": row["n"],
                "average_price": numbers.money(row["total"] / row["n"]),
            }
            for row in rows
        },
    )
