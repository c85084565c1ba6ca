"""This app's own referral outcomes (enrolment, mediation), registered like any other app's."""

from collections import defaultdict

from django.utils.translation import gettext as _

from beneficiaries.enums import AgreementKind, MediationStatus
from beneficiaries.models import MediationCase
from beneficiaries.sections import Outcome

_SHARED_MEDIATION = {
    MediationStatus.AGREEMENT,
    MediationStatus.CLOSED,
    MediationStatus.FAILED,
}


def enrolment_outcomes(referrals) -> dict[int, list[Outcome]]:
    return {
        r.pk: [Outcome("enrolled", _("Enrolled"), r.decided_at.date() if r.decided_at else None)]
        for r in referrals
    }


def mediation_outcomes(referrals) -> dict[int, list[Outcome]]:
    """Finished mediations of the person (agreement reached, closed, failed): one query."""
    cases = defaultdict(list)
    rows = (
        MediationCase.objects.filter(
            beneficiary_id__in={r.beneficiary_id for r in referrals}, status__in=_SHARED_MEDIATION
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
            Outcome(code, label, row["closed_on"] or row["opened_on"])
        )
    return {r.pk: cases.get(r.beneficiary_id, []) for r in referrals}
