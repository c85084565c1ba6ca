import pghistory
import pgtrigger
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from connexions.enums import AgencyKind, AuditKind, PartnerKind, SiteRole, UserKind


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
    opening_hours = models.TextField(_("opening hours"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ReceptionSiteQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("reception site")
        verbose_name_plural = _("reception sites")

    def __str__(self):
        return self.name


class PartnerAgencyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


@pghistory.track()
class PartnerAgency(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=AgencyKind.choices)
    city = models.CharField(_("city"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    objects = PartnerAgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner agency")
        verbose_name_plural = _("partner agencies")

    def __str__(self):
        return self.name


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
