from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class ReferralChannel(models.TextChoices):
    PORTAL = "portal", _("Social workers' portal")
    PHONE = "phone", _("Phone")
    PAPER = "paper", _("Paper form")


class SituationProfile(models.TextChoices):
    SEVERE_EXCLUSION = "severe_exclusion", _("Severe exclusion")
    INTEGRATION = "integration", _("Socio-professional integration")
    BUDGET_FRAGILITY = "budget_fragility", _("Budget fragility")


class Need(models.TextChoices):
    PHONE = "phone", _("A phone")
    TOP_UPS = "top_ups", _("Top-ups")
    COMPUTER = "computer", _("A computer")
    HOME_INTERNET = "home_internet", _("Home internet")
    WORKSHOPS = "workshops", _("Workshops")
    BILLS = "bills", _("Help with bills")
    MEDIATION = "mediation", _("Mediation with an operator")


class DeclineReason(models.TextChoices):
    UNREACHABLE = "unreachable", _("Person unreachable")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    DUPLICATE = "duplicate", _("Duplicate referral")
    PERSON_DECLINED = "person_declined", _("The person declined")
    OTHER = "other", _("Other")


class PlanType(models.TextChoices):
    PREPAID = "prepaid", _("Prepaid")
    CONTRACT = "contract", _("Contract")
    NONE = "none", _("None")


class TelecomOperator(models.TextChoices):
    ORANGE = "orange", "Orange"
    SFR = "sfr", "SFR"
    BOUYGUES = "bouygues", "Bouygues Telecom"
    FREE = "free", "Free"
    LA_POSTE = "la_poste", "La Poste Mobile"
    LEBARA = "lebara", "Lebara"
    LYCAMOBILE = "lycamobile", "Lycamobile"
    SYMA = "syma", "Syma Mobile"
    OTHER = "other", _("Other operator")


class EmploymentStatus(models.TextChoices):
    JOB_SEEKING = "job_seeking", _("Job-seeking")
    EMPLOYED = "employed", _("Employed")
    TRAINING = "training", _("In training")
    INACTIVE = "inactive", _("Inactive")
    RETIRED = "retired", _("Retired")


class HousingSituation(models.TextChoices):
    TENANT = "tenant", _("Tenant")
    SOCIAL_HOUSING = "social_housing", _("Social housing tenant")
    HOSTED = "hosted", _("Hosted by family or friends")
    SHELTER = "shelter", _("Shelter or emergency housing")
    HOMELESS = "homeless", _("No fixed abode")
    OWNER = "owner", _("Owner")
    OTHER = "other", _("Other")


class ConsentKind(models.TextChoices):
    DATA_PROCESSING = "data_processing", _("Processing of personal data")
    SMS_REMINDERS = "sms_reminders", _("SMS reminders")
    SHARE_OUTCOMES = "share_outcomes", _("Sharing outcomes with the referrer")


class SupportTopic(models.TextChoices):
    CHOOSING_OFFER = "choosing_offer", _("Choosing an offer")
    CANCELLING_CONTRACT = "cancelling_contract", _("Cancelling a contract")
    READING_BILL = "reading_bill", _("Reading a bill")
    DEVICE_SETUP = "device_setup", _("Setting up a device")
    ONLINE_PROCEDURES = "online_procedures", _("Online procedures")
    OTHER = "other", _("Other")


class MediationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONTACTED = "contacted", _("Operator contacted")
    AGREEMENT = "agreement", _("Agreement reached")
    CLOSED = "closed", _("Closed")
    FAILED = "failed", _("Failed")


class AgreementKind(models.TextChoices):
    PAYMENT_PLAN = "payment_plan", _("Payment plan")
    PARTIAL_WRITE_OFF = "partial_write_off", _("Partial write-off")
    FULL_WRITE_OFF = "full_write_off", _("Full write-off")


class OfferKind(models.TextChoices):
    SOCIAL_MOBILE = "social_mobile", _("Social mobile tariff")
    HOME_INTERNET = "home_internet", _("Home internet social tariff")


class AuditAction(StrEnum):
    """Audit action names (`<app>.<entity>.<past participle>`, see connexions.enums)."""

    REFERRAL_SUBMITTED = "beneficiaries.referral.submitted"
    REFERRAL_WITHDRAWN = "beneficiaries.referral.withdrawn"
    REFERRAL_DECLINED = "beneficiaries.referral.declined"
    REFERRAL_EXPIRED = "beneficiaries.referral.expired"
    REFERRAL_EXPIRY_WARNED = "beneficiaries.referral.expiry_warned"
    REFERRAL_LINKED = "beneficiaries.referral.linked"
    BENEFICIARY_ENROLLED = "beneficiaries.beneficiary.enrolled"
    CONSENTS_UPDATED = "beneficiaries.consents.updated"
    FILE_VIEWED = "beneficiaries.file.viewed"
    # A person's name shown in a list: search results, the till's customer panel, the admin.
    FILE_LISTED = "beneficiaries.file.listed"
    SUPPORT_SESSION_RECORDED = "beneficiaries.support_session.recorded"
    FOLLOW_UP_RECORDED = "beneficiaries.follow_up.recorded"
    MEDIATION_CASE_OPENED = "beneficiaries.mediation_case.opened"
    MEDIATION_CASE_UPDATED = "beneficiaries.mediation_case.updated"
    MEDIATION_NOTE_ADDED = "beneficiaries.mediation_note.added"
    OFFER_SUBSCRIBED = "beneficiaries.offer_subscription.recorded"
    BENEFICIARY_ANONYMISED = "beneficiaries.beneficiary.anonymised"
    SUBJECT_ACCESS_EXPORTED = "beneficiaries.subject_access.exported"
    CONSENT_WITHDRAWN = "beneficiaries.consent.withdrawn"


class ErasureReason(models.TextChoices):
    """Why a person's data was anonymised (recorded in the audit, with the programme number
    only)."""

    RETENTION = "retention", _("Retention period over")
    PERSON_REQUEST = "person_request", _("Request from the person (right to erasure)")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent to data processing withdrawn")
    OTHER_LEGAL = "other_legal", _("Other legal obligation")


# The referral state machine: from a status, the statuses it may move to.
REFERRAL_TRANSITIONS = {
    ReferralStatus.PENDING: {
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.WITHDRAWN,
        ReferralStatus.EXPIRED,
    },
    ReferralStatus.ACCEPTED: set(),
    ReferralStatus.DECLINED: set(),
    ReferralStatus.WITHDRAWN: set(),
    ReferralStatus.EXPIRED: set(),
}

# Mediation with an operator: from a status, the statuses it may move to.
MEDIATION_TRANSITIONS = {
    MediationStatus.OPEN: {MediationStatus.CONTACTED, MediationStatus.FAILED},
    MediationStatus.CONTACTED: {MediationStatus.AGREEMENT, MediationStatus.FAILED},
    MediationStatus.AGREEMENT: {MediationStatus.CLOSED, MediationStatus.FAILED},
    MediationStatus.CLOSED: set(),
    MediationStatus.FAILED: set(),
}
