from django.contrib import admin

from workshops.models import (
    Absence,
    Appointment,
    Availability,
    Facilitator,
    Notification,
    OpeningHours,
    PartnerCompany,
    Registration,
    WorkshopSession,
    WorkshopTopic,
)


@admin.register(WorkshopTopic)
class WorkshopTopicAdmin(admin.ModelAdmin):
    list_display = ["title", "level", "duration_minutes", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["title"]


@admin.register(PartnerCompany)
class PartnerCompanyAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Facilitator)
class FacilitatorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "company", "email", "is_active"]
    list_filter = ["is_active", "company"]
    list_select_related = ["user", "company"]
    search_fields = ["last_name", "first_name", "user__last_name", "company__name"]
    autocomplete_fields = ["user", "company"]


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    raw_id_fields = ["beneficiary"]
    readonly_fields = ["queue_number", "registered_by", "attendance_by", "created_at"]


@admin.register(WorkshopSession)
class WorkshopSessionAdmin(admin.ModelAdmin):
    list_display = ["topic", "site", "starts_at", "capacity", "status"]
    list_filter = ["status", "site", "topic"]
    list_select_related = ["topic", "site"]
    search_fields = ["topic__title", "room"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["facilitators"]
    autocomplete_fields = ["topic", "site", "created_by"]
    inlines = [RegistrationInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["session", "beneficiary", "status", "queue_number", "created_at"]
    list_filter = ["status"]
    list_select_related = ["session__topic", "beneficiary"]
    raw_id_fields = ["session", "beneficiary"]
    autocomplete_fields = ["registered_by", "attendance_by"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["registration", "kind", "channel", "created_at", "sent_at", "error"]
    list_filter = ["kind", "channel"]
    raw_id_fields = ["registration"]


# --- agendas: set by programme admins ----------------------------------------------------------


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin):
    list_display = ["site", "weekday", "opens", "closes"]
    list_filter = ["site", "weekday"]


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    list_display = ["counsellor", "site", "weekday", "starts", "ends"]
    list_filter = ["site", "weekday"]
    autocomplete_fields = ["counsellor"]


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["counsellor", "starts_at", "ends_at", "reason"]
    list_filter = ["reason"]
    autocomplete_fields = ["counsellor"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "site", "counsellor", "kind", "status"]
    list_filter = ["site", "kind", "status"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["beneficiary", "referral", "rescheduled_from"]

    def has_add_permission(self, request):
        return False  # booked through the agenda, which checks free slots and tells the person
