from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class UserKind(models.TextChoices):
    SITE_STAFF = "site_staff", _("Reception site staff")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    PROGRAMME_ADMIN = "programme_admin", _("Programme admin")


class SiteRole(models.TextChoices):
    COUNSELLOR = "counsellor", _("Counsellor")
    SITE_MANAGER = "site_manager", _("Site manager")


class AgencyKind(models.TextChoices):
    CCAS = "ccas", _("Municipal social services (CCAS)")
    JOB_CENTRE = "job_centre", _("Job centre")
    DEPARTMENT = "department", _("Department social services")
    FAMILY_ALLOWANCE = "family_allowance", _("Family allowance office")
    ASSOCIATION = "association", _("Association")
    SHELTER = "shelter", _("Shelter")
    HOSPITAL = "hospital", _("Hospital")
    OTHER = "other", _("Other")


class AccountRequestStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("E-mail not verified yet")
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    EXPIRED = "expired", _("Expired")


class PartnerKind(models.TextChoices):
    """Who supports the programme (funders and donors, not the referring agencies)."""

    OPERATOR = "operator", _("Telecom operator")
    MANUFACTURER = "manufacturer", _("Manufacturer")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    FOUNDATION = "foundation", _("Foundation")
    COMPANY = "company", _("Company")


class AuditKind(models.TextChoices):
    """Reads of personal files are kept apart from actions: retention and the access log select
    them by this column, never by action names."""

    READ = "read", _("read of a personal file")
    ACTION = "action", _("action")


class AuditAction(StrEnum):
    """Audit action names, `<app>.<entity>.<past participle>`; each app has its own. Rows
    written before this scheme keep their old names."""

    USER_LOGGED_IN = "auth.user.logged_in"
    SECOND_FACTOR_ENROLLED = "auth.second_factor.enrolled"
    SECOND_FACTOR_RESET = "auth.second_factor.reset"
    PROCONNECT_LOGGED_IN = "auth.user.logged_in_proconnect"
    ACCOUNT_REQUESTED = "onboarding.request.created"
    ACCOUNT_REQUEST_VERIFIED = "onboarding.request.verified"
    ACCOUNT_REQUEST_APPROVED = "onboarding.request.approved"
    ACCOUNT_REQUEST_REFUSED = "onboarding.request.refused"
    ACCOUNT_REQUEST_EXPIRED = "onboarding.request.expired"
    MEMBER_DEACTIVATED = "onboarding.member.deactivated"
    REFERENT_HANDED_OVER = "onboarding.referent.handed_over"


class NotificationKind(models.TextChoices):
    """E-mails a user may turn off in "Mes notifications" (all are on by default)."""

    REFERRAL_DIGEST = "referral_digest", _("A daily digest of the new referrals at my sites")
    REFERRAL_NEWS = (
        "referral_news",
        _(
            "News of the referrals I sent: accepted, declined, about to expire, expired, an "
            "appointment booked"
        ),
    )
    REFERRAL_EXPIRING = (
        "referral_expiring",
        _("Referrals at my sites about to expire unanswered (site managers)"),
    )
