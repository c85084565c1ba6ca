import pghistory
import pgtrigger
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from connexions.codes import validate_siret
from connexions.enums import (
    AccountRequestStatus,
    AgencyKind,
    AuditKind,
    NotificationKind,
    PartnerKind,
    SiteRole,
    UserKind,
)
from connexions.text import FREE_TEXT_MAX_LENGTH, bounded_text


class ReceptionSiteQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


@pghistory.track()
class ReceptionSite(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)
    address = models.CharField(_("address"), max_length=255)
    postal_code = models.CharField(_("postal code"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    phone = PhoneNumberField(_("phone"), blank=True)
    opening_hours = models.TextField(
        _("opening hours"), blank=True, max_length=FREE_TEXT_MAX_LENGTH
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ReceptionSiteQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("reception site")
        verbose_name_plural = _("reception sites")
        constraints = [bounded_text("opening_hours")]

    def __str__(self):
        return self.name


class PartnerAgencyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


@pghistory.track()
class PartnerAgency(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=AgencyKind.choices)
    siret = models.CharField(
        _("SIRET"), max_length=14, blank=True, validators=[validate_siret], db_index=True
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=100)
    # Account requests from these domains go to the agency's referents; others to programme admins.
    email_domains = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("e-mail domains"),
        default=list,
        blank=True,
        help_text=_("Domains of the agency's professional addresses, e.g. ccas-saint-denis.fr"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = PartnerAgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner agency")
        verbose_name_plural = _("partner agencies")
        constraints = [
            models.UniqueConstraint(
                fields=["siret"], condition=~Q(siret=""), name="agency_unique_siret"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        self.email_domains = sorted({d.strip().lower().lstrip("@") for d in self.email_domains})

    def accepts_domain(self, email: str) -> bool:
        return email.rsplit("@", 1)[-1].lower() in self.email_domains


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(kind=UserKind.PROGRAMME_ADMIN, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


@pghistory.track(exclude=["password", "last_login"])
class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: reception site staff, a social worker, or a programme admin.

    `is_staff` (Django admin access) belongs to programme admins only; staff roles at sites live in
    `SiteMembership`; a social worker belongs to exactly one agency.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    kind = models.CharField(_("kind of account"), max_length=20, choices=UserKind.choices)
    agency = models.ForeignKey(
        PartnerAgency,
        verbose_name=_("partner agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="social_workers",
    )
    phone = PhoneNumberField(_("phone"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    # A social worker who manages their agency's members (connexions/perms.py).
    is_referent = models.BooleanField(_("agency referent"), default=False)
    # The subject of the ProConnect identity, stored at the first ProConnect login.
    proconnect_sub = models.CharField(
        _("ProConnect subject"), max_length=255, null=True, blank=True, unique=True
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=UserKind.SOCIAL_WORKER, agency__isnull=False)
                | (~Q(kind=UserKind.SOCIAL_WORKER) & Q(agency__isnull=True)),
                name="user_agency_iff_social_worker",
                violation_error_message=_(
                    "A social worker belongs to exactly one agency; other accounts have none."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind=UserKind.PROGRAMME_ADMIN) | Q(is_staff=False, is_superuser=False),
                name="user_admin_access_only_programme_admin",
                violation_error_message=_("Only programme admins may use the administration."),
            ),
            models.CheckConstraint(
                condition=Q(is_referent=False) | Q(kind=UserKind.SOCIAL_WORKER),
                name="user_referent_is_social_worker",
                violation_error_message=_("Only social workers can be agency referents."),
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name

    @property
    def is_social_worker(self) -> bool:
        return self.kind == UserKind.SOCIAL_WORKER

    @property
    def is_programme_admin(self) -> bool:
        return self.kind == UserKind.PROGRAMME_ADMIN

    @property
    def is_site_staff(self) -> bool:
        return self.kind == UserKind.SITE_STAFF

    def clean(self):
        super().clean()
        self.email = self.email.lower()
        if self.kind == UserKind.PROGRAMME_ADMIN:
            self.is_staff = True
        else:
            self.is_staff = self.is_superuser = False
        if self.kind == UserKind.SOCIAL_WORKER and not self.agency_id:
            raise ValidationError({"agency": _("A social worker must belong to a partner agency.")})
        if self.kind != UserKind.SOCIAL_WORKER and self.agency_id:
            raise ValidationError({"agency": _("Only social workers belong to a partner agency.")})
        if self.kind != UserKind.SOCIAL_WORKER:
            self.is_referent = False
        if self.pk and self.kind != UserKind.SITE_STAFF and self.memberships.exists():
            raise ValidationError(
                {"kind": _("This user works at reception sites; remove those memberships first.")}
            )


@pghistory.track()
class SiteMembership(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    site = models.ForeignKey(
        ReceptionSite,
        verbose_name=_("reception site"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=SiteRole.choices)
    can_open_till = models.BooleanField(_("may open and close the till"), default=False)

    class Meta:
        ordering = ["site__name"]
        verbose_name = _("site membership")
        verbose_name_plural = _("site memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "site"], name="membership_unique_user_site"),
        ]
        triggers = [
            # Nobody is both staff and social worker: only site staff accounts hold memberships.
            pgtrigger.Trigger(
                name="membership_user_is_site_staff",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=pgtrigger.Func(
                    """
                    IF (SELECT kind FROM connexions_user WHERE id = NEW.user_id)
                        <> 'site_staff' THEN
                        RAISE EXCEPTION 'site membership requires a site staff account'
                            USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NEW;
                    """
                ),
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.site} ({self.get_role_display()})"

    def clean(self):
        super().clean()
        if self.user_id and self.user.kind != UserKind.SITE_STAFF:
            raise ValidationError(
                {"user": _("Only reception site staff accounts can work at a site.")}
            )


class AuditEvent(models.Model):
    """A business action or a read of a personal file. Append-only (database trigger)."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("actor"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=80, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=AuditKind.choices)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    site = models.ForeignKey(
        ReceptionSite,
        verbose_name=_("reception site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"])]
        triggers = [
            pgtrigger.Protect(
                name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class PasswordResetRequest(models.Model):
    """A reset e-mail asked for, kept one hour for the throttle (connexions/password_reset.py).
    The address is kept as a keyed digest only."""

    email_digest = models.CharField(max_length=64, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.ip_address or ''}"


class NotificationOptOut(models.Model):
    """A notification the user turned off (no row: on)."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notification_opt_outs"
    )
    kind = models.CharField(_("notification"), max_length=20, choices=NotificationKind.choices)

    class Meta:
        verbose_name = _("notification turned off")
        verbose_name_plural = _("notifications turned off")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_opt_out_once")
        ]

    def __str__(self):
        return f"{self.user_id}: {self.kind}"


class AccountRequest(models.Model):
    """A social worker asking for an account (connexions/onboarding.py): verified by e-mail (or
    by ProConnect), then approved by a referent of the agency or a programme admin."""

    email = models.EmailField(_("e-mail address"))
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    agency = models.ForeignKey(
        PartnerAgency,
        verbose_name=_("partner agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account_requests",
    )
    # "My agency is not listed": what the person typed, for a programme admin to act on.
    unlisted_agency = models.CharField(_("agency not listed"), max_length=255, blank=True)
    proconnect_sub = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AccountRequestStatus.choices,
        default=AccountRequestStatus.UNVERIFIED,
    )
    # True when the agency's referents decide; else programme admins (no referent, domain not
    # declared by the agency, agency not listed).
    for_referents = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refusal_reason = models.TextField(
        _("reason for refusal"), blank=True, max_length=FREE_TEXT_MAX_LENGTH
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="account_requests"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("account request")
        verbose_name_plural = _("account requests")
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(status__in=["unverified", "pending"]),
                name="account_request_one_open_per_email",
            ),
            bounded_text("refusal_reason"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} <{self.email}>"


class OnboardingAttempt(models.Model):
    """An account request posted, kept one hour for the throttle (connexions/onboarding.py).
    The address is kept as a keyed digest only."""

    email_digest = models.CharField(max_length=64, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.ip_address or ''}"


@pghistory.track()
class Partner(models.Model):
    """A funder or donor of the programme: an operator, a manufacturer, a local authority, a
    foundation, a company."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self):
        return self.name


@pghistory.track(exclude=["purpose"])
class Grant(models.Model):
    """Money a partner gives the programme for a period, for some sites or programme-wide (no
    site chosen)."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="grants"
    )
    amount = models.DecimalField(_("amount (EUR)"), max_digits=11, decimal_places=2)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    sites = models.ManyToManyField(
        ReceptionSite,
        verbose_name=_("reception sites"),
        blank=True,
        related_name="+",
        help_text=_("None: the whole programme."),
    )
    purpose = models.CharField(_("purpose"), max_length=255)

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="grant_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="grant_period_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.partner} — {self.starts_on:%Y}"
