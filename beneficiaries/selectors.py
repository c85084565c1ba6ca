"""Reads of the beneficiaries app that span relations or that other apps reuse: the till
(sales) finds people and checks eligibility here, the impact dashboard reads the figures."""

from datetime import date

from django.conf import settings
from django.contrib.postgres.search import (
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.db.models import (
    CharField,
    Func,
    Q,
    Value,
)
from django.db.models.functions import Concat, Lower
from django.utils import timezone

from beneficiaries.enums import (
    ConsentKind,
    ReferralStatus,
)

# The figures for the impact dashboard and the partner reports (beneficiaries.figures).
from beneficiaries.figures import Outcome as Outcome
from beneficiaries.figures import active_people as active_people
from beneficiaries.figures import beneficiaries_by_site as beneficiaries_by_site
from beneficiaries.figures import enrolled_until as enrolled_until
from beneficiaries.figures import enrolment_figures as enrolment_figures
from beneficiaries.figures import follow_up_figures as follow_up_figures
from beneficiaries.figures import mediation_figures as mediation_figures
from beneficiaries.figures import offer_figures as offer_figures
from beneficiaries.figures import people_figures as people_figures
from beneficiaries.figures import referral_figures as referral_figures
from beneficiaries.figures import support_figures as support_figures
from beneficiaries.models import (
    Beneficiary,
    Consent,
    FollowUp,
    MediationCase,
)
from beneficiaries.privacy import identity_digest, phone_digest
from beneficiaries.search import closest_names, name_matches, phone_e164
from connexions.pagination import COUNT_CAP
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
