import re
from datetime import date, timedelta

import pghistory
import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from beneficiaries import follow_up_chain
from beneficiaries import models_summary as summary
from beneficiaries.enums import (
    REFERRAL_TRANSITIONS,
    ConsentKind,
    DeclineReason,
    EmploymentStatus,
    HousingSituation,
    Need,
    PlanType,
    ReferralChannel,
    ReferralStatus,
    SituationProfile,
    SupportTopic,
    TelecomOperator,
)
from connexions.codes import normalise_scanned_code
from connexions.models import PartnerAgency, ReceptionSite, User
from connexions.perms import Action, can, sees_every_site, sites_for
from connexions.search import trigram_distance_index, trigram_index
from connexions.text import FREE_TEXT_MAX_LENGTH, bounded_text

# A referral is "new" for this long after it arrives (the digest goes out once a day).
NEW_REFERRAL_HOURS = 24


def new_referrals_since(now=None):
    return (now or timezone.now()) - timedelta(hours=NEW_REFERRAL_HOURS)


def stale_triggers(name: str, func: str, fields) -> list:
    """The triggers marking a closed month stale when its rows change: on insert and delete,
    and on an update of one of `fields` (what the summary groups or counts)."""
    return [
        pgtrigger.Trigger(
            name=f"{name}_month_stale",
            when=pgtrigger.After,
            operation=pgtrigger.Insert | pgtrigger.Delete,
            func=func,
        ),
        pgtrigger.Trigger(
            name=f"{name}_month_stale_update",
            when=pgtrigger.After,
            operation=pgtrigger.Update,
            condition=pgtrigger.AnyChange(*fields),
            func=func,
        ),
    ]


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A social worker: their agency's referrals; staff: those of their sites' inboxes;
        programme admins: all."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if sees_every_site(user):
            return self
        if user.is_social_worker:
            return self.filter(agency_id=user.agency_id)
        return self.filter(site__in=sites_for(user, Action.SUPPORT))

    def pending(self):
        return self.filter(status=ReferralStatus.PENDING)

    def new(self, now=None):
        """Pending referrals received in the last NEW_REFERRAL_HOURS: what the daily digest
        counts and the staff's home page announces."""
        return self.pending().filter(submitted_at__gte=new_referrals_since(now))

    def at_sites(self, sites):
        return self.filter(site__in=sites)


@pghistory.track(exclude=["comment", "decline_comment"])
class Referral(models.Model):
    """A social worker's request that a reception site enrol a person ("orientation")."""

    agency = models.ForeignKey(
        PartnerAgency,
        verbose_name=_("partner agency"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    referrer = models.ForeignKey(
        User,
        verbose_name=_("referring social worker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    # A referral received by phone or on paper names a referrer who may have no account.
    referrer_name = models.CharField(_("referrer's name"), max_length=150, blank=True)
    referrer_email = models.EmailField(_("referrer's e-mail"), blank=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=ReferralChannel.choices, default="portal"
    )
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        ReceptionSite,
        verbose_name=_("reception site"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    phone = PhoneNumberField(_("mobile phone"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    city = models.CharField(_("city"), max_length=100)
    profile = models.CharField(
        _("situation profile"), max_length=20, choices=SituationProfile.choices
    )
    needs = ArrayField(
        models.CharField(max_length=20, choices=Need.choices), verbose_name=_("needs")
    )
    comment = models.TextField(_("comment"), blank=True, max_length=FREE_TEXT_MAX_LENGTH)
    consent_attested_at = models.DateTimeField(_("consent attested at"))
    # The social worker attests that the person agreed to receive SMS about their appointments.
    sms_consent_attested = models.BooleanField(_("agreed to SMS"), default=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReferralStatus.choices,
        default=ReferralStatus.PENDING,
        db_index=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decline_reason = models.CharField(
        _("decline reason"), max_length=20, choices=DeclineReason.choices, blank=True
    )
    decline_comment = models.TextField(
        _("decline comment"), blank=True, max_length=FREE_TEXT_MAX_LENGTH
    )
    beneficiary = models.ForeignKey(
        "Beneficiary",
        verbose_name=_("beneficiary"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    # When the referrer and the site's managers were told that it would soon expire unanswered
    # (once: expire_referrals skips a referral already warned).
    expiry_warned_at = models.DateTimeField(_("expiry warning sent at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["site", "status", "submitted_at"]),
            models.Index(  # the inbox: a site's pending referrals, a small share of them all
                fields=["site", "submitted_at", "id"],
                condition=Q(status=ReferralStatus.PENDING),
                name="referral_pending_inbox",
            ),
        ]
        # Changes to a closed month's referrals mark it stale in the summary (models_summary).
        triggers = stale_triggers("referral", summary.STALE_REFERRAL, summary.REFERRAL_FIELDS)
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ReferralStatus.ACCEPTED, beneficiary__isnull=False)
                | (~Q(status=ReferralStatus.ACCEPTED) & Q(beneficiary__isnull=True)),
                name="referral_accepted_iff_beneficiary",
            ),
            models.CheckConstraint(
                condition=(Q(status=ReferralStatus.DECLINED) & ~Q(decline_reason=""))
                | (~Q(status=ReferralStatus.DECLINED) & Q(decline_reason="")),
                name="referral_declined_iff_reason",
            ),
            models.CheckConstraint(
                condition=~Q(decline_reason=DeclineReason.OTHER) | ~Q(decline_comment=""),
                name="referral_other_reason_has_comment",
            ),
            models.CheckConstraint(
                condition=Q(referrer__isnull=False) | ~Q(referrer_name=""),
                name="referral_names_referrer",
            ),
            models.CheckConstraint(condition=Q(needs__len__gt=0), name="referral_has_needs"),
            bounded_text("comment"),
            bounded_text("decline_comment"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} ({self.get_status_display()})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def referrer_display(self) -> str:
        return str(self.referrer) if self.referrer_id else self.referrer_name

    @property
    def notification_email(self) -> str:
        return self.referrer.email if self.referrer_id else self.referrer_email

    def can_become(self, status: str) -> bool:
        return status in REFERRAL_TRANSITIONS[ReferralStatus(self.status)]

    def needs_display(self) -> list[str]:
        return [Need(code).label for code in self.needs]


class BeneficiaryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see beneficiaries of every site (a person may come to any reception point, and
        the till of any site scans their card); social workers never see beneficiary files."""
        if can(user, Action.SUPPORT) or can(user, Action.SELL):
            return self
        return self.none()

    def sharing_outcomes(self):
        return self.filter(
            Exists(
                Consent.objects.filter(
                    beneficiary=OuterRef("pk"), kind=ConsentKind.SHARE_OUTCOMES, granted=True
                )
            )
        )

    def eligible_on(self, day):
        """The SQL form of `Beneficiary.is_eligible_on`."""
        return self.filter(valid_until__gte=day)


_MEMBER_NUMBER = re.compile(r"^(?:CS-?)?(\d{1,9})$")


@pghistory.track()
class Beneficiary(models.Model):
    """An enrolled person. Their programme number derives from the id: `CS-000123`."""

    NUMBER_PREFIX = "CS"

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("birth date"), db_index=True)
    phone = PhoneNumberField(_("mobile phone"), blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    city = models.CharField(_("city"), max_length=100)
    enrolled_on = models.DateField(_("enrolled on"), db_index=True)
    enrolled_site = models.ForeignKey(
        ReceptionSite,
        verbose_name=_("enrolment site"),
        on_delete=models.PROTECT,
        related_name="enrolled_beneficiaries",
    )
    enrolled_by = models.ForeignKey(
        User, verbose_name=_("enrolled by"), on_delete=models.PROTECT, related_name="+"
    )
    enrolment_referral = models.OneToOneField(
        Referral,
        verbose_name=_("enrolment referral"),
        on_delete=models.PROTECT,
        related_name="enrolled_beneficiary",
    )
    valid_until = models.DateField(_("eligible until"))
    # Baseline situation at enrolment: the programme's impact figures are counted from these.
    has_mobile = models.BooleanField(_("has a mobile phone"))
    plan_type = models.CharField(_("plan type"), max_length=10, choices=PlanType.choices)
    operator = models.CharField(
        _("operator"), max_length=20, choices=TelecomOperator.choices, blank=True
    )
    monthly_spending = models.DecimalField(
        _("monthly telecom spending (EUR)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
    )
    has_computer = models.BooleanField(_("has a computer"))
    has_internet = models.BooleanField(_("has internet at home"))
    employment_status = models.CharField(
        _("employment status"), max_length=20, choices=EmploymentStatus.choices
    )
    housing = models.CharField(
        _("housing situation"), max_length=20, choices=HousingSituation.choices
    )
    household_size = models.PositiveSmallIntegerField(_("household size"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Set by anonymisation (beneficiaries/privacy.py), with keyed digests of the identity that
    # was erased, so a returning person is still recognised; never shown.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    identity_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        indexes = [
            trigram_index("first_name", "last_name", name="beneficiary_name_trgm"),
            # "last first": see connexions/search.py
            trigram_distance_index("last_name", "first_name", name="beneficiary_name_closest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_spending__isnull=True) | Q(monthly_spending__gte=0),
                name="beneficiary_spending_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(household_size__gte=1), name="beneficiary_household_at_least_one"
            ),
            models.CheckConstraint(
                condition=Q(has_mobile=True) | Q(plan_type=PlanType.NONE),
                name="beneficiary_no_mobile_no_plan",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("enrolled_on")),
                name="beneficiary_valid_after_enrolment",
            ),
        ]
        triggers = [
            # Each follow-up carries a copy of the person's enrolment (follow_up_chain.COPIED).
            pgtrigger.Trigger(
                name="beneficiary_follow_ups_copy",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(*follow_up_chain.COPIED),
                func=follow_up_chain.RECOPY,
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.number})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def number(self) -> str:
        return f"{self.NUMBER_PREFIX}-{self.pk:06d}"

    @property
    def scan_code(self) -> str:
        """What the card's barcode holds: no dash, since a scanner on an AZERTY keyboard would
        type the dash as a digit."""
        return f"{self.NUMBER_PREFIX}{self.pk:06d}"

    @classmethod
    def id_from_number(cls, raw: str) -> int | None:
        """The id in a member number as typed or scanned (`CS-000123`, `cs000123`, `000123`,
        `123`, or a scanner's AZERTY symbols), or None if `raw` is not one."""
        found = _MEMBER_NUMBER.match(normalise_scanned_code(raw))
        return int(found.group(1)) if found else None

    def is_eligible_on(self, day: date) -> bool:
        return self.valid_until >= day

    @property
    def is_eligible(self) -> bool:
        """Eligibility today, for templates (which cannot pass a date)."""
        return self.is_eligible_on(timezone.localdate())


@pghistory.track()
class Consent(models.Model):
    """The person's current answer to one consent question, with the text version they saw."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("beneficiary"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    kind = models.CharField(_("consent"), max_length=20, choices=ConsentKind.choices)
    granted = models.BooleanField(_("granted"))
    text_version = models.CharField(_("text version"), max_length=20)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "kind"], name="consent_unique_kind"),
            models.CheckConstraint(
                condition=~Q(kind=ConsentKind.DATA_PROCESSING) | Q(granted=True),
                name="consent_data_processing_granted",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.granted}"


@pghistory.track(exclude=["notes"])
class SupportSession(models.Model):
    """One-to-one help given by a counsellor."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("beneficiary"),
        on_delete=models.PROTECT,
        related_name="support_sessions",
        db_index=False,  # support_person_date below leads with it
    )
    site = models.ForeignKey(
        ReceptionSite, verbose_name=_("reception site"), on_delete=models.PROTECT, related_name="+"
    )
    counsellor = models.ForeignKey(
        User, verbose_name=_("counsellor"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    topics = ArrayField(
        models.CharField(max_length=30, choices=SupportTopic.choices), verbose_name=_("topics")
    )
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    notes = models.TextField(_("notes"), blank=True, max_length=FREE_TEXT_MAX_LENGTH)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("support session")
        verbose_name_plural = _("support sessions")
        indexes = [  # people supported, per site and in all: read in order, no sort (figures.py)
            models.Index(fields=["site", "beneficiary", "date"], name="support_site_person_date"),
            models.Index(
                fields=["beneficiary", "date"], include=["site"], name="support_person_date"
            ),
            # the days the dashboard counts live (beneficiaries.summaries)
            models.Index(fields=["date"], name="support_date"),
        ]
        # Changes to a closed month's sessions mark it stale in the summary (models_summary).
        triggers = stale_triggers("support", summary.STALE_SUPPORT, summary.SUPPORT_FIELDS)
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="support_duration_positive"
            ),
            models.CheckConstraint(condition=Q(topics__len__gt=0), name="support_has_topics"),
            bounded_text("notes"),
        ]

    def __str__(self):
        return f"{self.beneficiary_id} — {self.date}"

    def topics_display(self) -> list[str]:
        return [SupportTopic(code).label for code in self.topics]


from beneficiaries.models_follow_up import FollowUp, FollowUpQuerySet  # noqa: E402, F401
from beneficiaries.models_mediation import (  # noqa: E402, F401  (models of this app)
    MediationCase,
    MediationCaseQuerySet,
    MediationNote,
)
from beneficiaries.models_summary import (  # noqa: E402, F401  (models of this app)
    PeopleMonth,
    PeopleMonthsCovered,
    PeopleMonthStale,
)
from beneficiaries.offers import OfferSubscription  # noqa: E402, F401  (a model of this app)
