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
    FAMILY_ALLOWANCE = "family_allowance", _("Family allowance office")
    ASSOCIATION = "association", _("Association")
    SHELTER = "shelter", _("Shelter")
    HOSPITAL = "hospital", _("Hospital")
    OTHER = "other", _("Other")


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
