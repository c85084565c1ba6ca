"""The access log: who saw which person's data, for programme admins (filter by person and by
user, paginated, CSV), and a file's latest openings for its counsellors. It reads the audit
rows of kind `read`, never by action name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary, Referral
from connexions.enums import AuditKind
from connexions.models import AuditEvent, User

PERSON_TYPES = (Beneficiary._meta.label_lower, Referral._meta.label_lower)
WHERE = {"search": _("search results"), "till": _("till"), "admin": _("Django admin")}
READS_KEPT_NOTE = _("Reads are kept 12 months (RETENTION_READ_AUDIT_MONTHS).")


class AccessLogFilter(forms.Form):
    person = forms.CharField(label=_("Member number"), required=False, max_length=20)
    user = forms.ModelChoiceField(
        label=_("User"), queryset=User.objects.order_by("email"), required=False
    )

    def clean_person(self):
        raw = self.cleaned_data["person"].strip()
        if not raw:
            return None
        pk = Beneficiary.id_from_number(raw)
        if pk is None:
            raise forms.ValidationError(_("Enter a member number such as CS-000123."))
        return pk


def access_log(*, person_id: int | None = None, user=None):
    reads = AuditEvent.objects.filter(kind=AuditKind.READ, object_type__in=PERSON_TYPES)
    if person_id is not None:
        reads = reads.filter(object_type=PERSON_TYPES[0], object_id=str(person_id))
    if user is not None:
        reads = reads.filter(actor=user)
    return reads.select_related("actor", "site").order_by("-at", "-id")


def subject(event: AuditEvent) -> str:
    """Whose data was read, without a name: the member number or the referral's number."""
    if event.object_type == PERSON_TYPES[0] and event.object_id.isdigit():
        return f"{Beneficiary.NUMBER_PREFIX}-{int(event.object_id):06d}"
    return f"{_('Referral')} #{event.object_id}"


def where(event: AuditEvent) -> str:
    return str(WHERE.get(event.data.get("via"), _("beneficiary file page")))


def csv_rows(reads):
    for event in reads.iterator():
        yield (
            event.at,
            str(event.actor) if event.actor else "",
            subject(event),
            event.site.name if event.site else "",
            where(event),
        )
