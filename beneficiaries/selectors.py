"""Reads of the beneficiaries app that span relations or that other apps reuse: the till
(sales) finds people and checks eligibility here, the impact dashboard reads the figures."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import (
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.db.models import (
    Avg,
    CharField,
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Concat, Lower, TruncMonth
from django.utils import timezone

from beneficiaries.enums import (
    ConsentKind,
    EmploymentStatus,
    MediationStatus,
    PlanType,
    ReferralStatus,
    SupportTopic,
)
from beneficiaries.models import (
    Beneficiary,
    Consent,
    FollowUp,
    MediationCase,
    OfferSubscription,
    Referral,
    SupportSession,
)
from beneficiaries.privacy import identity_digest, phone_digest
from beneficiaries.search import closest_names, name_matches, phone_e164
from connexions import numbers
from connexions.pagination import COUNT_CAP
from connexions.periods import Period
from connexions.search import SearchText, search_text


class Unaccent(Func):
    function = "unaccent"
    output_field = CharField()


def _normalised_name(first_name, last_name):
    return Unaccent(Lower(Concat(first_name, Value(" "), last_name, output_field=CharField())))


# --- finding people ----------------------------------------------------------------------------


def possible_duplicates(*, first_name: str, last_name: str, birth_date: date, phone=None):
    """Beneficiaries of every site who may be this person: same normalised name and birth date,
    or same phone, or a close name (trigram similarity) and the same birth date."""
    typed = _normalised_name(Value(first_name.strip()), Value(last_name.strip()))
    candidates = Beneficiary.objects.annotate(
        normalised_name=_normalised_name("first_name", "last_name"),
        name_similarity=TrigramSimilarity(_normalised_name("first_name", "last_name"), typed),
    )
    same_birth = Q(birth_date=birth_date) & (
        Q(normalised_name=typed) | Q(name_similarity__gte=settings.DUPLICATE_NAME_SIMILARITY)
    )
    match = same_birth | Q(phone=phone) if phone else same_birth
    # An anonymised file keeps only keyed digests of who the person was.
    match |= Q(identity_digest=identity_digest(first_name, last_name, birth_date))
    if phone:
        match |= Q(phone_digest=phone_digest(phone))
    return (
        candidates.filter(match)
        .select_related("enrolled_site")
        .order_by("-name_similarity", "last_name", "first_name")
    )


def same_person_ids(beneficiary: Beneficiary):
    """The ids (a subquery) of the person and of the anonymised files that were the same person
    (same digest of name and birth date, or of phone): purchase limits count them together."""
    match = Q(pk=beneficiary.pk)
    if beneficiary.anonymised_at is None:
        earlier = Q(identity_digest=identity_digest(*_identity(beneficiary)))
        if beneficiary.phone:
            earlier |= Q(phone_digest=phone_digest(beneficiary.phone))
        match |= earlier & Q(anonymised_at__isnull=False)
    return Beneficiary.objects.filter(match).values("pk")


def _identity(person):
    return person.first_name, person.last_name, person.birth_date


def beneficiary_by_member_number(raw: str, *, user=None):
    """The beneficiary whose member number was scanned or typed, or None. With `user`, only
    among those they may see."""
    pk = Beneficiary.id_from_number(raw)
    if pk is None:
        return None
    queryset = Beneficiary.objects.visible_to(user) if user is not None else Beneficiary.objects
    return queryset.select_related("enrolled_site").filter(pk=pk).first()


def beneficiary_search(user, query: str = ""):
    """Staff search across every site: by member number (the primary key) or mobile phone (its
    E.164 form), both exact and indexed; else by name, accents and case folded, one typo
    tolerated (trigram word similarity), the closest names first: among the matches, or among
    the `COUNT_CAP` + 1 closest when there are more (the list then says to refine the search)."""
    beneficiaries = Beneficiary.objects.visible_to(user).select_related("enrolled_site")
    query = " ".join((query or "").split())
    if not query:
        return beneficiaries.order_by("-enrolled_on", "-id")
    number = Beneficiary.id_from_number(query)
    phone = phone_e164(query)
    if number is not None or phone is not None:
        exact = Q(pk=number) if number is not None else Q()
        if phone is not None:
            exact |= Q(phone=phone)
        return beneficiaries.filter(exact).order_by("last_name", "first_name", "id")
    if not any(c.isalpha() for c in query) or beneficiaries.query.is_empty():
        return beneficiaries.none()
    typed = search_text(query)
    ids = list(name_matches(typed).values_list("pk", flat=True)[: COUNT_CAP + 1])
    if len(ids) > COUNT_CAP:
        ids = list(closest_names(typed).values_list("pk", flat=True)[: COUNT_CAP + 1])
    return (
        beneficiaries.filter(pk__in=ids)
        .annotate(closeness=TrigramWordSimilarity(typed, SearchText("first_name", "last_name")))
        .order_by("-closeness", "last_name", "first_name", "id")
    )


def shares_outcomes(beneficiary: Beneficiary) -> bool:
    return Consent.objects.filter(
        beneficiary=beneficiary, kind=ConsentKind.SHARE_OUTCOMES, granted=True
    ).exists()


# --- lists -------------------------------------------------------------------------------------


def follow_ups_due(site, today: date | None = None):
    """Planned follow-ups not yet done, due by today, of people enrolled at `site`."""
    today = today or timezone.localdate()
    return (
        FollowUp.objects.due(today)
        .filter(enrolled_site=site)
        .select_related("beneficiary")
        .order_by("due_on", "id")
    )


def mediation_actions_due(site, today: date | None = None):
    today = today or timezone.localdate()
    return (
        MediationCase.objects.actions_due(today)
        .filter(site=site)
        .select_related("beneficiary")
        .order_by("next_action_on", "id")
    )


# --- aggregate figures (impact dashboard) ------------------------------------------------------


def _enrolled(*, period: Period, sites, agency):
    beneficiaries = Beneficiary.objects.filter(enrolled_on__range=(period.start, period.end))
    if sites is not None:
        beneficiaries = beneficiaries.filter(enrolled_site__in=sites)
    if agency is not None:
        beneficiaries = beneficiaries.filter(enrolment_referral__agency=agency)
    return beneficiaries


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


def enrolment_figures(*, period: Period, sites=None, agency=None) -> EnrolmentFigures:
    """People enrolled in `period` (at `sites`, referred by `agency`): one query. A person counts
    under the site where they enrolled and the agency of the referral that enrolled them. The
    spending reduction is `follow_up_figures`: its cohort is not the people enrolled."""
    row = _enrolled(period=period, sites=sites, agency=agency).aggregate(
        enrolled=Count("pk"),
        no_mobile=Count("pk", filter=Q(has_mobile=False)),
        with_mobile=Count("pk", filter=Q(has_mobile=True)),
        prepaid=Count("pk", filter=Q(has_mobile=True, plan_type=PlanType.PREPAID)),
        job_seeking=Count("pk", filter=Q(employment_status=EmploymentStatus.JOB_SEEKING)),
        computer=Count("pk", filter=Q(has_computer=True)),
        internet=Count("pk", filter=Q(has_internet=True)),
        with_spending=Count("pk", filter=Q(monthly_spending__isnull=False)),
        average_spending=Avg("monthly_spending"),
    )
    if row["average_spending"] is not None:
        row["average_spending"] = numbers.money(row["average_spending"])
    return EnrolmentFigures(**row)


def enrolled_until(day: date, *, sites=None, agency=None) -> int:
    """People enrolled since the programme's launch, up to `day` (the "since launch" row)."""
    people = Beneficiary.objects.filter(enrolled_on__lte=day)
    if sites is not None:
        people = people.filter(enrolled_site__in=sites)
    if agency is not None:
        people = people.filter(enrolment_referral__agency=agency)
    return people.count()


def beneficiaries_by_site(*, period: Period, sites=None, agency=None) -> list[dict]:
    """Per enrolment site: people enrolled in `period`, and people active in it (eligible on at
    least one day of the period, whenever they enrolled). One grouped query; rows
    `{"site_id", "site_name", "enrolled", "active"}` by site name."""
    people = Beneficiary.objects.filter(enrolled_on__lte=period.end, valid_until__gte=period.start)
    if sites is not None:
        people = people.filter(enrolled_site__in=sites)
    if agency is not None:
        people = people.filter(enrolment_referral__agency=agency)
    return list(
        people.values(site_id=F("enrolled_site_id"), site_name=F("enrolled_site__name"))
        .annotate(
            enrolled=Count("pk", filter=Q(enrolled_on__gte=period.start)),
            active=Count("pk"),
        )
        .order_by("site_name")
    )


def enrolments_by_month(*, period: Period, sites=None, agency=None) -> list[dict]:
    """People enrolled in `period`, by month of enrolment: one grouped query; rows
    `{"month": date (first day), "enrolled"}` in order."""
    return list(
        _enrolled(period=period, sites=sites, agency=agency)
        .annotate(month=TruncMonth("enrolled_on"))
        .values("month")
        .annotate(enrolled=Count("pk"))
        .order_by("month")
    )


@dataclass(frozen=True)
class ReferralFigures:
    total: int
    by_status: dict[str, int]
    by_decline_reason: dict[str, int]
    by_profile: dict[str, int]
    by_agency: list[dict]  # [{"agency_id", "agency_name", "total", "accepted"}], largest first


def referral_figures(*, period: Period, sites=None, agency=None) -> ReferralFigures:
    """Referrals submitted in `period` to `sites` (their reception site) from `agency`:
    four grouped queries."""
    start, end = period.bounds()
    referrals = Referral.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    if sites is not None:
        referrals = referrals.filter(site__in=sites)
    if agency is not None:
        referrals = referrals.filter(agency=agency)

    def grouped(field):
        rows = referrals.exclude(**{field: ""}).values(field).annotate(n=Count("pk"))
        return {row[field]: row["n"] for row in rows.order_by(field)}

    by_status = grouped("status")
    by_agency = list(
        referrals.values("agency_id", agency_name=F("agency__name"))
        .annotate(total=Count("pk"), accepted=Count("pk", filter=Q(status=ReferralStatus.ACCEPTED)))
        .order_by("-total", "agency_name")
    )
    return ReferralFigures(
        total=sum(by_status.values()),
        by_status=by_status,
        by_decline_reason=grouped("decline_reason"),
        by_profile=grouped("profile"),
        by_agency=by_agency,
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
    if sites is not None:
        cases = cases.filter(site__in=sites)
    if agency is not None:
        cases = cases.filter(beneficiary__enrolment_referral__agency=agency)
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
    `FOLLOW_UP_MIN_DAYS` after their enrolment, for those whose latest one falls in `period`.
    That one is the follow-up of the period no later one of the period follows (by day, then
    id): an earlier one is older, and a later one qualifies too. So only the period's
    follow-ups are read, joined with themselves (an anti-join), never every person."""
    earliest = ExpressionWrapper(
        F("beneficiary__enrolled_on") + timedelta(days=settings.FOLLOW_UP_MIN_DAYS),
        output_field=DateField(),
    )
    in_period = FollowUp.objects.filter(done_on__range=(period.start, period.end))
    later = in_period.filter(beneficiary=OuterRef("beneficiary")).filter(
        Q(done_on__gt=OuterRef("done_on")) | Q(done_on=OuterRef("done_on"), pk__gt=OuterRef("pk"))
    )
    latest = in_period.filter(done_on__gte=earliest).exclude(Exists(later))
    if sites is not None:
        latest = latest.filter(beneficiary__enrolled_site__in=sites)
    if agency is not None:
        latest = latest.filter(beneficiary__enrolment_referral__agency=agency)
    return latest


def follow_up_figures(*, period: Period, sites=None, agency=None) -> FollowUpFigures:
    """The people followed up in `period`, whatever their enrolment date: those whose latest
    follow-up up to the end of the period, among those at least `FOLLOW_UP_MIN_DAYS` after
    enrolment, falls in the period (a follow-up on the enrolment day measures nothing, and a
    past period's figures do not change). Spending at entry and at that follow-up, for those
    with a spending at entry; outcomes at entry vs at that follow-up, for those whose follow-up
    recorded them. A person counts under their enrolment site and agency. One query."""
    cohort = _latest_follow_ups(period=period, sites=sites, agency=agency)
    paired = Q(beneficiary__monthly_spending__isnull=False)
    money = DecimalField(max_digits=11, decimal_places=2)
    seeking = Q(beneficiary__employment_status=EmploymentStatus.JOB_SEEKING) & ~Q(
        employment_status=""
    )
    working = [EmploymentStatus.EMPLOYED, EmploymentStatus.TRAINING]
    with_mobile = [PlanType.PREPAID, PlanType.CONTRACT]
    row = cohort.aggregate(
        followed_up=Count("pk"),
        paired=Count("pk", filter=paired),
        entry_total=Sum("beneficiary__monthly_spending", filter=paired, output_field=money),
        latest_total=Sum("monthly_spending", filter=paired, output_field=money),
        seeking=Count("pk", filter=seeking),
        working=Count("pk", filter=seeking & Q(employment_status__in=working)),
        computer_group=Count("pk", filter=Q(has_computer__isnull=False)),
        computer_entry=Count(
            "pk", filter=Q(has_computer__isnull=False, beneficiary__has_computer=True)
        ),
        computer_now=Count("pk", filter=Q(has_computer=True)),
        internet_group=Count("pk", filter=Q(has_internet__isnull=False)),
        internet_entry=Count(
            "pk", filter=Q(has_internet__isnull=False, beneficiary__has_internet=True)
        ),
        internet_now=Count("pk", filter=Q(has_internet=True)),
        mobile_group=Count("pk", filter=~Q(plan_type="")),
        mobile_entry=Count("pk", filter=~Q(plan_type="") & Q(beneficiary__has_mobile=True)),
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
    `agency`, by site and topic: two queries."""
    sessions = SupportSession.objects.filter(date__range=(period.start, period.end))
    if sites is not None:
        sessions = sessions.filter(site__in=sites)
    if agency is not None:
        sessions = sessions.filter(beneficiary__enrolment_referral__agency=agency)
    topics = {
        topic.value: Count("pk", filter=Q(topics__contains=[topic.value])) for topic in SupportTopic
    }
    by_site = list(
        sessions.values("site_id", site_name=F("site__name"))
        .annotate(sessions=Count("pk"), people=Count("beneficiary", distinct=True), **topics)
        .order_by("site_name")
    )
    totals = sessions.aggregate(
        people=Count("beneficiary", distinct=True), minutes=Sum("duration_minutes", default=0)
    )
    return SupportFigures(
        sessions=sum(row["sessions"] for row in by_site),
        people=totals["people"],
        hours=numbers.rounded(Decimal(totals["minutes"]) / 60, numbers.TENTH),
        by_site=by_site,
        by_topic={topic: sum(row[topic] for row in by_site) for topic in topics},
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
    if sites is not None:
        offers = offers.filter(site__in=sites)
    if agency is not None:
        offers = offers.filter(beneficiary__enrolment_referral__agency=agency)
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


def outcomes_for_referrals(referrals) -> dict[int, list]:
    """Outcomes the referrer may see, for a page of referrals: only accepted referrals whose
    person agreed to share outcomes with the referrer, and only outcomes dated from the day the
    referral was accepted. One query plus one per provider."""
    from beneficiaries.outcomes import accepted_on
    from beneficiaries.sections import referral_outcomes

    referrals = list(referrals)
    accepted = [r for r in referrals if r.status == ReferralStatus.ACCEPTED and r.beneficiary_id]
    sharing = (
        set(
            Consent.objects.filter(
                beneficiary_id__in={r.beneficiary_id for r in accepted},
                kind=ConsentKind.SHARE_OUTCOMES,
                granted=True,
            ).values_list("beneficiary_id", flat=True)
        )
        if accepted
        else set()
    )
    shared = [r for r in accepted if r.beneficiary_id in sharing]
    # The consent belongs to the person, who may have been referred before by another agency:
    # whatever a provider returns, a referrer sees nothing dated before their own referral was
    # accepted (nor anything undated).
    since = {r.pk: accepted_on(r) for r in shared}
    return {
        referral_id: [o for o in found if o.on is not None and o.on >= since[referral_id]]
        for referral_id, found in referral_outcomes(shared).items()
        if referral_id in since
    }
