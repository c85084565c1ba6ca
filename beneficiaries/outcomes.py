"""This app's own referral outcomes (enrolment, mediation), registered like any other app's."""

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.enums import AgreementKind, MediationStatus
from beneficiaries.models import MediationCase
from beneficiaries.sections import Outcome

_SHARED_MEDIATION = {
    MediationStatus.AGREEMENT,
    MediationStatus.CLOSED,
    MediationStatus.FAILED,
}


def accepted_on(referral):
    """The day the referral was accepted: what its referrer may see starts there."""
    return timezone.localdate(referral.decided_at) if referral.decided_at else None


def enrolment_outcomes(referrals) -> dict[int, list[Outcome]]:
    return {r.pk: [Outcome("enrolled", _("Enrolled"), accepted_on(r))] for r in referrals}


def mediation_outcomes(referrals) -> dict[int, list[Outcome]]:
    """Finished mediations of the person (agreement reached, closed, failed) opened since the
    referral was accepted: one query. A mediation the person had before, perhaps through another
    agency's referral, is not this referrer's to see."""
    since = {r.pk: accepted_on(r) for r in referrals if accepted_on(r)}
    if not since:
        return {r.pk: [] for r in referrals}
    cases = defaultdict(list)
    rows = (
        MediationCase.objects.filter(
            beneficiary_id__in={r.beneficiary_id for r in referrals},
            status__in=_SHARED_MEDIATION,
            opened_on__gte=min(since.values()),
        )
        .order_by("opened_on", "id")
        .values("beneficiary_id", "status", "agreement_kind", "closed_on", "opened_on")
    )
    for row in rows:
        label = _("Mediation with an operator: %(status)s") % {
            "status": MediationStatus(row["status"]).label.lower()
        }
        if row["agreement_kind"]:
            label += f" ({AgreementKind(row['agreement_kind']).label.lower()})"
        code = f"mediation.{row['status']}"
        cases[row["beneficiary_id"]].append(
            (row["opened_on"], Outcome(code, label, row["closed_on"] or row["opened_on"]))
        )
    return {
        r.pk: [
            outcome
            for opened_on, outcome in cases.get(r.beneficiary_id, [])
            if r.pk in since and opened_on >= since[r.pk]
        ]
        for r in referrals
    }
