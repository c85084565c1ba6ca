"""What this app holds about a person, for the privacy registry (beneficiaries/privacy.py):
the file itself, its referrals, consents, support sessions, follow-ups and mediation cases.

Anonymising keeps ids, the programme number, the enrolment site, the baseline situation, dates
and amounts (the impact figures are counted from them) and the birth year; it blanks names,
contacts, the city and every free text. The rows' history (pghistory event tables, append-only)
is scrubbed by SECURITY DEFINER functions that copy the anonymised values of the current row,
and refuse a row that is not anonymised (migration `privacy_functions`).
"""

from datetime import date

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Case, CharField, DateField, Func, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from beneficiaries.enums import DeclineReason, ReferralStatus
from beneficiaries.models import (
    Beneficiary,
    Consent,
    FollowUp,
    MediationCase,
    MediationNote,
    Referral,
    SupportSession,
)
from beneficiaries.privacy import identity_digest, latest_by_person, phone_digest

ANONYMOUS_FIRST_NAME = "Anonyme"


class _YearStart(Func):
    """January 1st of a date's year: the birth year is kept, the day is not."""

    template = "make_date(EXTRACT(YEAR FROM %(expressions)s)::int, 1, 1)"
    output_field = DateField()


def last_contact(person_ids: list[int]) -> dict[int, date]:
    """Enrolment, accepted referral, support session, follow-up, mediation case or note."""
    cases = MediationCase.objects.filter(beneficiary__in=person_ids)
    return latest_by_person(
        (Beneficiary.objects.filter(pk__in=person_ids), "id", "enrolled_on"),
        (
            Referral.objects.filter(beneficiary__in=person_ids, status=ReferralStatus.ACCEPTED),
            "beneficiary",
            "decided_at",
        ),
        (SupportSession.objects.filter(beneficiary__in=person_ids), "beneficiary", "date"),
        (FollowUp.objects.filter(beneficiary__in=person_ids), "beneficiary", "done_on"),
        (cases, "beneficiary", "opened_on"),
        (cases, "beneficiary", "closed_on"),
        (
            MediationNote.objects.filter(case__beneficiary__in=person_ids),
            "case__beneficiary",
            "written_at",
        ),
    )


def export(beneficiary: Beneficiary) -> dict:
    b = beneficiary
    return {
        "identity": {
            "number": b.number,
            "first_name": b.first_name,
            "last_name": b.last_name,
            "birth_date": b.birth_date,
            "phone": str(b.phone or ""),
            "email": b.email,
            "city": b.city,
            "anonymised_at": b.anonymised_at,
        },
        "enrolment": {
            "enrolled_on": b.enrolled_on,
            "site": b.enrolled_site.name,
            "valid_until": b.valid_until,
        },
        "situation": {
            "has_mobile": b.has_mobile,
            "plan_type": b.get_plan_type_display(),
            "operator": b.get_operator_display(),
            "monthly_spending": b.monthly_spending,
            "has_computer": b.has_computer,
            "has_internet": b.has_internet,
            "employment_status": b.get_employment_status_display(),
            "housing": b.get_housing_display(),
            "household_size": b.household_size,
        },
        "consents": [
            {
                "consent": c.get_kind_display(),
                "granted": c.granted,
                "text_version": c.text_version,
                "recorded_at": c.recorded_at,
            }
            for c in Consent.objects.filter(beneficiary=b)
        ],
        "referrals": [
            {
                "agency": r.agency.name,
                "site": r.site.name,
                "submitted_at": r.submitted_at,
                "status": r.get_status_display(),
                "needs": [str(n) for n in r.needs_display()],
                "comment": r.comment,
            }
            for r in Referral.objects.filter(beneficiary=b).select_related("agency", "site")
        ],
        "support_sessions": [
            {
                "date": s.date,
                "site": s.site.name,
                "topics": [str(t) for t in s.topics_display()],
                "duration_minutes": s.duration_minutes,
                "notes": s.notes,
            }
            for s in SupportSession.objects.filter(beneficiary=b).select_related("site")
        ],
        "follow_ups": [
            {
                "due_on": f.due_on,
                "done_on": f.done_on,
                "monthly_spending": f.monthly_spending,
                "notes": f.notes,
            }
            for f in FollowUp.objects.filter(beneficiary=b)
        ],
        "mediation_cases": [
            {
                "opened_on": m.opened_on,
                "operator": m.get_operator_display(),
                "amount_owed": m.amount_owed,
                "status": m.get_status_display(),
                "amount_written_off": m.amount_written_off,
                "closed_on": m.closed_on,
                "notes": [{"written_at": n.written_at, "text": n.text} for n in m.notes.all()],
            }
            for m in MediationCase.objects.filter(beneficiary=b).prefetch_related("notes")
        ],
    }


def anonymise_referrals(referrals) -> int:
    """Blank the person's identity and the free text of `referrals` (a queryset), then scrub
    their history. The referrer's own name and address (a professional's) stay."""
    ids = list(referrals.filter(anonymised_at__isnull=True).values_list("pk", flat=True))
    if not ids:
        return 0
    Referral.objects.filter(pk__in=ids).update(
        first_name=ANONYMOUS_FIRST_NAME,
        last_name=Concat(Value("orientation "), Cast("id", CharField())),
        birth_date=_YearStart("birth_date"),
        phone="",
        email="",
        city="",
        comment="",
        decline_comment=Case(
            When(decline_reason=DeclineReason.OTHER, then=Value("—")), default=Value("")
        ),
        anonymised_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT privacy_scrub_referral_history(%s::bigint[])", [ids])
    _scrub_admin_log(Referral, ids)
    return len(ids)


def anonymise(beneficiary: Beneficiary) -> None:
    b = beneficiary
    anonymise_referrals(Referral.objects.filter(beneficiary=b))
    SupportSession.objects.filter(beneficiary=b).exclude(notes="").update(notes="")
    FollowUp.objects.filter(beneficiary=b).exclude(notes="").update(notes="")
    MediationNote.objects.filter(case__beneficiary=b).update(text="")
    Beneficiary.objects.filter(pk=b.pk).update(
        identity_digest=identity_digest(b.first_name, b.last_name, b.birth_date),
        phone_digest=phone_digest(b.phone),
        first_name=ANONYMOUS_FIRST_NAME,
        last_name=b.number,
        birth_date=_YearStart("birth_date"),
        phone="",
        email="",
        city="",
        anonymised_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT privacy_scrub_beneficiary_history(%s)", [b.pk])
    _scrub_admin_log(Beneficiary, [b.pk])
    b.refresh_from_db()


def _scrub_admin_log(model, ids) -> None:
    """The Django admin's log keeps each object's `str()` (names) as it was."""
    content_type = ContentType.objects.get_for_model(model)
    for obj in model.objects.filter(pk__in=ids):
        LogEntry.objects.filter(content_type=content_type, object_id=str(obj.pk)).update(
            object_repr=str(obj)[:200]
        )
