"""A person with activity in every app, recorded through the services at chosen dates."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from beneficiaries import services as beneficiary_services
from beneficiaries.enums import TelecomOperator
from beneficiaries.models import Beneficiary, MediationCase, Referral
from sales.models import TillSession
from sales.refunds import refund_create
from sales.services import CartItem
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.sales.factories import checkout, open_till, stocked_site
from tests.workshops.factories import RegistrationFactory, WorkshopSessionFactory
from workshops.enums import MessageChannel, MessageKind, RegistrationStatus
from workshops.models import Notification

SUPPORT_NOTE = "note-accompagnement-confidentielle"
FOLLOW_UP_NOTE = "note-suivi-confidentielle"
MEDIATION_NOTE = "note-mediation-confidentielle"
REFERRAL_COMMENT = "commentaire-orientation-confidentiel"
SMS_ERROR = "gateway refused +33611223344"


def at(day: date, hour: int = 11) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@dataclass
class Activity:
    beneficiary: Beneficiary
    sale_ids: list
    texts: list  # free text written about the person, which must go too


def person_with_activity(*, site, staff, first_day: date, identity: dict) -> Activity:
    """Enrolled on `first_day`, then over the next three months: support, follow-up, mediation
    with notes, two purchases and a refund, a workshop attended with an SMS reminder, an admin
    log entry. `staff` may do everything at `site` (a programme admin). The notes name the
    first day, so each person's are their own."""
    tag = f"-{first_day:%Y%m%d}"
    support_note, follow_up_note = SUPPORT_NOTE + tag, FOLLOW_UP_NOTE + tag
    mediation_note, referral_comment = MEDIATION_NOTE + tag, REFERRAL_COMMENT + tag
    sms_error = f"{SMS_ERROR}{first_day:%d%m}"
    beneficiary = BeneficiaryFactory(
        enrolled_on=first_day,
        enrolled_site=site,
        enrolled_by=staff,
        enrolment_referral__comment=referral_comment,
        valid_until=first_day + timedelta(days=365),
        **identity,
    )
    Referral.objects.filter(pk=beneficiary.enrolment_referral_id).update(
        submitted_at=at(first_day - timedelta(days=7)), decided_at=at(first_day)
    )
    beneficiary_services.support_session_record(
        beneficiary=beneficiary,
        day=first_day + timedelta(days=10),
        topics=["reading_bill"],
        duration_minutes=30,
        notes=support_note,
        actor=staff,
        site=site,
    )
    beneficiary_services.follow_up_record(
        beneficiary=beneficiary,
        situation={"monthly_spending": Decimal("12.00"), "notes": follow_up_note},
        done_on=first_day + timedelta(days=70),
        actor=staff,
        site=site,
    )
    case = beneficiary_services.mediation_open(
        beneficiary=beneficiary,
        operator=TelecomOperator.SFR,
        amount_owed=Decimal("180.00"),
        next_action_on=None,
        note=mediation_note,
        actor=staff,
        site=site,
    )
    MediationCase.objects.filter(pk=case.pk).update(opened_on=first_day + timedelta(days=20))
    case.notes.update(written_at=at(first_day + timedelta(days=20)))

    topup, _phone, _devices = stocked_site(site, staff, vouchers=3, phones=0)
    if not TillSession.objects.filter(site=site, closed_at__isnull=True).exists():
        open_till(site, staff)
    sales = [
        checkout(
            site, beneficiary, [CartItem(topup, 1)], staff, now=at(first_day + timedelta(days=d))
        ).sale
        for d in (5, 40)
    ]
    refund_create(
        sale=sales[1],
        quantities={sales[1].lines.get().pk: 1},
        reason="faulty",
        note="erreur de produit",
        voucher_unused=True,
        actor=staff,
        now=at(first_day + timedelta(days=41)),
    )

    session = WorkshopSessionFactory(
        site=site,
        created_by=staff,
        starts_at=at(first_day + timedelta(days=60), 14),
        ends_at=at(first_day + timedelta(days=60), 16),
    )
    registration = RegistrationFactory(
        session=session, beneficiary=beneficiary, status=RegistrationStatus.PRESENT
    )
    registration.created_at = at(first_day + timedelta(days=50))
    registration.save(update_fields=["created_at"])
    Notification.objects.create(
        registration=registration,
        kind=MessageKind.REMINDER,
        channel=MessageChannel.SMS,
        created_at=at(first_day + timedelta(days=58)),
        error=sms_error,
    )
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Beneficiary),
        object_id=str(beneficiary.pk),
        object_repr=str(beneficiary),
        action_flag=CHANGE,
        change_message="[]",
        action_time=at(first_day + timedelta(days=80)),
    )
    return Activity(
        beneficiary=beneficiary,
        sale_ids=[sale.pk for sale in sales],
        texts=[support_note, follow_up_note, mediation_note, referral_comment, sms_error],
    )
