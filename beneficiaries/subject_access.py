"""The person's copy of their data (GDPR art. 15): a ZIP holding `donnees.json` (everything the
registry's providers hold, machine-readable) and `donnees.pdf` (the same in plain French), with
the list of who opened the file and when."""

import io
import json
import zipfile
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.enums import AuditAction
from beneficiaries.models import Beneficiary
from beneficiaries.privacy import person_export
from connexions.audit import audit_log
from connexions.enums import AuditKind
from connexions.models import AuditEvent
from connexions.pdf import render_pdf

# Labels of the export's keys in the PDF (the JSON keeps the keys).
LABELS = {
    "identity": _("Identity"),
    "enrolment": _("Enrolment"),
    "situation": _("Situation at enrolment"),
    "consents": _("Consents"),
    "referrals": _("Referrals"),
    "support_sessions": _("Support sessions"),
    "follow_ups": _("Follow-ups"),
    "mediation_cases": _("Mediation cases"),
    "number": _("Member number"),
    "first_name": _("first name"),
    "last_name": _("last name"),
    "birth_date": _("birth date"),
    "phone": _("mobile phone"),
    "email": _("e-mail"),
    "city": _("city"),
    "anonymised_at": _("anonymised at"),
    "enrolled_on": _("enrolled on"),
    "valid_until": _("eligible until"),
    "site": _("reception site"),
    "has_mobile": _("has a mobile phone"),
    "plan_type": _("plan type"),
    "operator": _("operator"),
    "monthly_spending": _("monthly telecom spending (EUR)"),
    "has_computer": _("has a computer"),
    "has_internet": _("has internet at home"),
    "employment_status": _("employment status"),
    "housing": _("housing situation"),
    "household_size": _("household size"),
    "consent": _("consent"),
    "granted": _("granted"),
    "text_version": _("text version"),
    "recorded_at": _("recorded at"),
    "agency": _("partner agency"),
    "submitted_at": _("submitted at"),
    "status": _("status"),
    "needs": _("needs"),
    "comment": _("comment"),
    "date": _("date"),
    "topics": _("topics"),
    "duration_minutes": _("duration (minutes)"),
    "notes": _("notes"),
    "due_on": _("due on"),
    "done_on": _("done on"),
    "opened_on": _("opened on"),
    "amount_owed": _("amount owed (EUR)"),
    "amount_written_off": _("amount written off (EUR)"),
    "closed_on": _("closed on"),
    "written_at": _("written at"),
    "text": _("note"),
    "receipt": _("Receipt"),
    "at": _("at"),
    "total": _("total"),
    "lines": _("Lines"),
    "refunds": _("Refunds"),
    "product": _("product"),
    "quantity": _("quantity"),
    "unit_price": _("unit price"),
    "amount": _("amount"),
    "topic": _("topic"),
    "starts_at": _("starts at"),
    "messages": _("Messages sent"),
    "kind": _("kind"),
    "channel": _("channel"),
    "sent_at": _("sent at"),
    "file_openings": _("Who opened the file"),
    "actor": _("actor"),
}


def file_openings(beneficiary: Beneficiary, limit: int | None = None):
    """Reads of the person's file, latest first, with who read it."""
    reads = (
        AuditEvent.objects.filter(
            kind=AuditKind.READ,
            object_type=Beneficiary._meta.label_lower,
            object_id=str(beneficiary.pk),
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )
    return reads[:limit] if limit else reads


def subject_access_data(beneficiary: Beneficiary) -> dict:
    data = person_export(beneficiary)
    data["file_openings"] = {
        "title": str(LABELS["file_openings"]),
        "data": [
            {"at": event.at, "actor": str(event.actor) if event.actor else ""}
            for event in file_openings(beneficiary)
        ],
    }
    return data


def _label(key: str) -> str:
    return str(LABELS.get(key, key.replace("_", " ")))


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, list):
        return "; ".join(_text(item) for item in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{_label(k)} : {_text(v)}" for k, v in value.items())
    return formats.localize(value)


def _table(rows: list[dict], title: str = "") -> dict:
    headers = list(rows[0]) if rows else []
    return {
        "title": title,
        "headers": [_label(h) for h in headers],
        "rows": [[_text(row[h]) for h in headers] for row in rows],
    }


def readable_sections(data: dict) -> list[dict]:
    """The export as the PDF shows it: per provider, blocks of fields or tables, in French."""
    sections = []
    for entry in data.values():
        content, blocks = entry["data"], []
        parts = content.items() if isinstance(content, dict) else [("", content)]
        for key, value in parts:
            title = _label(key) if key else ""
            if isinstance(value, dict):
                fields = [(_label(k), _text(v)) for k, v in value.items()]
                blocks.append({"title": title, "fields": fields})
            else:
                blocks.append({"title": title, "table": _table(value)})
        sections.append({"title": entry["title"], "blocks": blocks})
    return sections


@transaction.atomic(durable=True)
def subject_access_export(*, beneficiary: Beneficiary, actor, site) -> bytes:
    """The ZIP's bytes; the export is audited (who, when, whose file)."""
    data = subject_access_data(beneficiary)
    made_at = timezone.now()
    document = render_pdf(
        "beneficiaries/subject_access.html",
        {"beneficiary": beneficiary, "sections": readable_sections(data), "made_at": made_at},
    )
    payload = json.dumps(
        {"number": beneficiary.number, "made_at": made_at, "data": data},
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        indent=2,
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("donnees.json", payload)
        archive.writestr("donnees.pdf", document)
    audit_log(actor=actor, action=AuditAction.SUBJECT_ACCESS_EXPORTED, obj=beneficiary, site=site)
    return buffer.getvalue()
