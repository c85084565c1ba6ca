"""Reads of the beneficiaries app that span relations or that other apps reuse: the till
(sales) finds people and checks eligibility here, the impact dashboard reads the figures."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import (
    Avg,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
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
)
from beneficiaries.models import Beneficiary, Consent, FollowUp, MediationCase, Referral
from beneficiaries.privacy import identity_digest, phone_digest
from connexions import numbers
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
    tolerated (trigram word similarity, served by a GIN index), the closest names first."""
    beneficiaries = Beneficiary.objects.visible_to(user).select_related("enrolled_site")
    query = " ".join((query or "").split())
    if not query:
        return beneficiaries.order_by("-enrolled_on", "-id")
    number = Beneficiary.id_from_number(query)
    phone = _phone_e164(query)
    if number is not None or phone is not None:
        exact = Q(pk=number) if number is not None else Q()
        if phone is not None:
            exact |= Q(phone=phone)
        return beneficiaries.filter(exact).order_by("last_name", "first_name", "id")
    if not any(c.isalpha() for c in query):
        return beneficiaries.none()
    typed = search_text(query)
    return (
        beneficiaries.annotate(
            search_name=SearchText("first_name", "last_name"),
            closeness=TrigramWordSimilarity(typed, SearchText("first_name", "last_name")),
        )
        .filter(search_name__trigram_word_similar=typed)
        .order_by("-closeness", "last_name", "first_name", "id")
    )


def _phone_e164(query: str) -> str | None:
    """The E.164 form of a typed French mobile number (06…, 6…, +33 6…, 0033 6…), or None."""
    digits = re.sub(r"[\s.\-()]", "", query)
    if not re.fullmatch(r"\+?\d{9,15}", digits):
        return None
    try:
        parsed = phonenumbers.parse(digits, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


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
        .filter(beneficiary__enrolled_site=site)
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


def latest_follow_up_spending():
    """Subquery: the spending recorded at the person's latest follow-up done."""
    return Subquery(
        FollowUp.objects.filter(beneficiary=OuterRef("pk"), done_on__isnull=False)
        .order_by("-done_on", "-id")
        .values("monthly_spending")[:1]
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
    with_reduction: int
    average_reduction: Decimal | None
    # The same people as the reduction (baseline and a follow-up): spending at entry and at
    # their latest follow-up, so the two averages compare the same group.
    paired_entry_spending: Decimal | None
    paired_latest_spending: Decimal | None

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
    under the site where they enrolled and the agency of the referral that enrolled them; the
    reduction compares the baseline spending with the latest follow-up's."""
    money = DecimalField(max_digits=9, decimal_places=2)
    reduction = ExpressionWrapper(F("monthly_spending") - F("latest_spending"), output_field=money)
    has_both = Q(monthly_spending__isnull=False, latest_spending__isnull=False)
    row = (
        _enrolled(period=period, sites=sites, agency=agency)
        .annotate(latest_spending=latest_follow_up_spending())
        .aggregate(
            enrolled=Count("pk"),
            no_mobile=Count("pk", filter=Q(has_mobile=False)),
            with_mobile=Count("pk", filter=Q(has_mobile=True)),
            prepaid=Count("pk", filter=Q(has_mobile=True, plan_type=PlanType.PREPAID)),
            job_seeking=Count("pk", filter=Q(employment_status=EmploymentStatus.JOB_SEEKING)),
            computer=Count("pk", filter=Q(has_computer=True)),
            internet=Count("pk", filter=Q(has_internet=True)),
            with_spending=Count("pk", filter=Q(monthly_spending__isnull=False)),
            average_spending=Avg("monthly_spending"),
            with_reduction=Count("pk", filter=has_both),
            average_reduction=Avg(reduction, filter=has_both),
            paired_entry_spending=Avg("monthly_spending", filter=has_both),
            paired_latest_spending=Avg("latest_spending", filter=has_both),
        )
    )
    for key in (
        "average_spending",
        "average_reduction",
        "paired_entry_spending",
        "paired_latest_spending",
    ):
        row[key] = None if row[key] is None else numbers.money(row[key])
    return EnrolmentFigures(**row)


def beneficiaries_by_site(*, period: Period, sites=None, agency=None) -> list[dict]:
    """Per enrolment site: people enrolled in `period`, and people active in it (eligible on at
    least one day of the period, whenever they enrolled), of whom those who had no mobile phone
    at enrolment. One grouped query; rows `{"site_id", "site_name", "enrolled", "active",
    "active_no_mobile"}` by site name."""
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
            active_no_mobile=Count("pk", filter=Q(has_mobile=False)),
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


def mediation_figures(*, period: Period, sites=None, agency=None) -> MediationFigures:
    """Mediation cases opened in `period` at `sites`, for people referred by `agency`: two
    queries. "Agreements" counts cases that reached an agreement (agreement or closed)."""
    cases = MediationCase.objects.filter(opened_on__range=(period.start, period.end))
    if sites is not None:
        cases = cases.filter(site__in=sites)
    if agency is not None:
        cases = cases.filter(beneficiary__enrolment_referral__agency=agency)
    reached = [MediationStatus.AGREEMENT, MediationStatus.CLOSED]
    totals = cases.aggregate(
        opened=Count("pk"),
        agreements=Count("pk", filter=Q(status__in=reached)),
        amount_owed=Sum("amount_owed", default=Decimal("0.00")),
        amount_written_off=Sum("amount_written_off", default=Decimal("0.00")),
    )
    by_status = {
        row["status"]: row["n"]
        for row in cases.values("status").annotate(n=Count("pk")).order_by("status")
    }
    return MediationFigures(by_status=by_status, **totals)


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
