from django.contrib import admin

from beneficiaries.enums import AuditAction
from beneficiaries.models import (
    Beneficiary,
    Consent,
    FollowUp,
    MediationCase,
    MediationNote,
    Referral,
    SupportSession,
)
from connexions.audit import audit_reads
from connexions.locking import Rank, lock_row, lock_rows


class AuditedReadsAdmin(admin.ModelAdmin):
    """Opening a change page or a list of these rows is a read of personal data: audited, one
    row per person shown (the person, or the referral for a referral)."""

    person_field = "beneficiary"  # the field that leads to the person; "" for the row itself

    def _person(self, obj):
        return getattr(obj, self.person_field) if self.person_field else obj

    def _audit(self, request, rows):
        audit_reads(
            actor=request.user,
            action=AuditAction.FILE_LISTED,
            objects=[self._person(row) for row in rows],
            via="admin",
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and original is not None:
            self._audit(request, [original])
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            self._audit(request, changelist.result_list)
        return response


class ReadOnlyAdmin(AuditedReadsAdmin):
    """Created and changed only through the services (duplicate check, consents, numbering,
    audit): the admin shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    person_field = ""
    list_display = ["last_name", "first_name", "agency", "site", "status", "submitted_at"]
    list_filter = ["status", "channel", "site", "agency"]
    search_fields = ["last_name", "first_name", "referrer_name", "referrer__email"]
    list_select_related = ["agency", "site"]
    autocomplete_fields = ["agency", "referrer", "recorded_by", "site", "decided_by"]
    raw_id_fields = ["beneficiary"]
    date_hierarchy = "submitted_at"


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    autocomplete_fields = ["recorded_by"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Beneficiary)
class BeneficiaryAdmin(ReadOnlyAdmin):
    person_field = ""
    list_display = [
        "number",
        "last_name",
        "first_name",
        "birth_date",
        "enrolled_site",
        "enrolled_on",
        "valid_until",
    ]
    list_filter = ["enrolled_site", "plan_type", "employment_status"]
    search_fields = ["last_name", "first_name", "phone", "=id"]
    list_select_related = ["enrolled_site"]
    autocomplete_fields = ["enrolled_site", "enrolled_by"]
    raw_id_fields = ["enrolment_referral"]
    date_hierarchy = "enrolled_on"
    inlines = [ConsentInline]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["beneficiary", "kind", "granted", "text_version", "recorded_at"]
    list_filter = ["kind", "granted", "text_version"]
    list_select_related = ["beneficiary"]
    raw_id_fields = ["beneficiary"]
    autocomplete_fields = ["recorded_by"]


@admin.register(SupportSession)
class SupportSessionAdmin(AuditedReadsAdmin):
    list_display = ["beneficiary", "date", "site", "counsellor", "duration_minutes"]
    list_filter = ["site"]
    list_select_related = ["beneficiary", "site", "counsellor"]
    raw_id_fields = ["beneficiary"]
    autocomplete_fields = ["site", "counsellor"]
    date_hierarchy = "date"


@admin.register(FollowUp)
class FollowUpAdmin(AuditedReadsAdmin):
    list_display = ["beneficiary", "due_on", "done_on", "monthly_spending"]
    list_filter = ["site"]
    list_select_related = ["beneficiary"]
    raw_id_fields = ["beneficiary"]
    autocomplete_fields = ["site", "recorded_by"]
    date_hierarchy = "due_on"

    def get_readonly_fields(self, request, obj=None):
        # A follow-up stays its person's: the chain of their follow-ups is kept per person
        # (beneficiaries/follow_up_chain.py).
        return ["beneficiary"] if obj is not None else []

    # The person locked first, as the services do (docs/architecture.md, "Lock order"): the
    # follow-ups' triggers lock the person, after the follow-up's own row otherwise.
    def save_model(self, request, obj, form, change):
        lock_row(Rank.BENEFICIARY, Beneficiary.objects, pk=obj.beneficiary_id)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        lock_row(Rank.BENEFICIARY, Beneficiary.objects, pk=obj.beneficiary_id)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        people = Beneficiary.objects.filter(pk__in=queryset.values("beneficiary"))
        lock_rows(Rank.BENEFICIARY, people)
        super().delete_queryset(request, queryset)


class MediationNoteInline(admin.TabularInline):
    model = MediationNote
    extra = 0
    autocomplete_fields = ["author"]


@admin.register(MediationCase)
class MediationCaseAdmin(AuditedReadsAdmin):
    list_display = ["beneficiary", "operator", "amount_owed", "status", "next_action_on", "site"]
    list_filter = ["status", "operator", "site"]
    list_select_related = ["beneficiary", "site"]
    raw_id_fields = ["beneficiary"]
    autocomplete_fields = ["site", "opened_by"]
    inlines = [MediationNoteInline]


@admin.register(MediationNote)
class MediationNoteAdmin(admin.ModelAdmin):
    list_display = ["case", "author", "written_at"]
    list_select_related = ["case", "author"]
    raw_id_fields = ["case"]
    autocomplete_fields = ["author"]
