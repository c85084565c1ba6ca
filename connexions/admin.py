from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from connexions import twofactor
from connexions.forms import UserChangeForm, UserCreationForm
from connexions.models import (
    AccountRequest,
    AuditEvent,
    Grant,
    Partner,
    PartnerAgency,
    ReceptionSite,
    SiteMembership,
    User,
)

admin.site.site_header = _("Connexions administration")
admin.site.site_title = _("Connexions")
admin.site.index_title = _("Programme administration")


class SiteMembershipInline(admin.TabularInline):
    model = SiteMembership
    extra = 0
    autocomplete_fields = ["site"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["last_name", "first_name"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "kind",
        "agency",
        "is_referent",
        "is_active",
    ]
    list_filter = ["kind", "is_active", "is_referent", "agency"]
    search_fields = ["email", "first_name", "last_name"]
    autocomplete_fields = ["agency"]
    inlines = [SiteMembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identity"), {"fields": ["first_name", "last_name", "phone"]}),
        (_("Role"), {"fields": ["kind", "agency", "is_referent", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "first_name",
                    "last_name",
                    "kind",
                    "agency",
                    "password1",
                    "password2",
                ],
            },
        )
    ]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = []
    actions = ["reset_second_factor"]

    @admin.action(description=_("Reset the second factor (lost phone)"))
    def reset_second_factor(self, request, queryset):
        users = list(queryset.exclude(pk=request.user.pk))
        for user in users:
            twofactor.reset(user=user, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d account will set up a new second factor at its next login.",
                "%(count)d accounts will set up a new second factor at their next login.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )


@admin.register(ReceptionSite)
class ReceptionSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "phone", "is_active"]
    list_filter = ["is_active", "city"]
    search_fields = ["name", "city", "address"]


@admin.register(PartnerAgency)
class PartnerAgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "siret", "city", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "city", "siret"]
    fields = ["name", "kind", "siret", "address", "city", "email_domains", "is_active"]


@admin.register(AccountRequest)
class AccountRequestAdmin(admin.ModelAdmin):
    """Read-only: requests are decided on the "Pending requests" page, where an admin may
    approve any of them (at an agency created here first, for "my agency is not listed")."""

    list_display = ["email", "first_name", "last_name", "agency", "unlisted_agency", "status"]
    list_filter = ["status", "for_referents"]
    search_fields = ["email", "last_name", "unlisted_agency"]
    list_select_related = ["agency"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SiteMembership)
class SiteMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "site", "role", "can_open_till"]
    list_filter = ["role", "site", "can_open_till"]
    search_fields = ["user__email", "user__last_name", "site__name"]
    autocomplete_fields = ["user", "site"]
    list_select_related = ["user", "site"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "kind", "action", "object_type", "object_id", "site"]
    list_filter = ["kind", "action", "site"]
    search_fields = ["action", "object_id", "actor__email"]
    list_select_related = ["actor", "site"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GrantInline(admin.StackedInline):
    model = Grant
    extra = 0
    filter_horizontal = ["sites"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    inlines = [GrantInline]


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ["partner", "amount", "starts_on", "ends_on", "purpose"]
    list_filter = ["partner__kind"]
    search_fields = ["partner__name", "purpose"]
    autocomplete_fields = ["partner"]
    filter_horizontal = ["sites"]
