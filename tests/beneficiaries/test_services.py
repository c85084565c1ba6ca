import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from beneficiaries import services
from beneficiaries.enums import (
    AgreementKind,
    AuditAction,
    ConsentKind,
    DeclineReason,
    MediationStatus,
    ReferralChannel,
    ReferralStatus,
)
from beneficiaries.models import Beneficiary, Consent, FollowUp, MediationCase, Referral
from connexions.models import AuditEvent
from connexions.periods import add_months
from tests.beneficiaries.factories import (
    ALL_CONSENTS,
    BeneficiaryFactory,
    MediationCaseFactory,
    baseline,
    person,
)

pytestmark = pytest.mark.django_db


def submit(social_worker, site, **overrides):
    return services.referral_submit(
        actor=social_worker, site=site, person=person(**overrides), consent_attested=True
    )


# --- referrals ---------------------------------------------------------------------------------


def test_social_worker_submits_for_their_agency(social_worker_a, site_a):
    referral = submit(social_worker_a, site_a)
    assert referral.agency == social_worker_a.agency
    assert referral.referrer == social_worker_a
    assert referral.status == ReferralStatus.PENDING
    assert referral.channel == ReferralChannel.PORTAL
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM beneficiaries_referral WHERE id = %s", [referral.pk])
        assert cursor.fetchone() == ("+33612345678",)  # stored E.164
    assert AuditEvent.objects.filter(
        action=AuditAction.REFERRAL_SUBMITTED, object_id=referral.pk
    ).exists()


def test_submission_without_attestation_is_refused(social_worker_a, site_a):
    with pytest.raises(services.ReferralError):
        services.referral_submit(
            actor=social_worker_a, site=site_a, person=person(), consent_attested=False
        )
    assert not Referral.objects.exists()


def test_staff_record_a_phone_referral_naming_agency_and_referrer(counsellor_a, site_a, agency_b):
    referral = services.referral_submit(
        actor=counsellor_a,
        site=site_a,
        person=person(),
        consent_attested=True,
        agency=agency_b,
        referrer_name="Mme Petit",
        channel=ReferralChannel.PHONE,
    )
    assert referral.agency == agency_b
    assert referral.referrer is None
    assert referral.referrer_display == "Mme Petit"


def test_staff_cannot_record_a_referral_for_another_site(counsellor_a, site_b, agency_b):
    with pytest.raises(PermissionDenied):
        services.referral_submit(
            actor=counsellor_a,
            site=site_b,
            person=person(),
            consent_attested=True,
            agency=agency_b,
            referrer_name="Mme Petit",
            channel=ReferralChannel.PAPER,
        )


def test_withdraw_then_every_transition_is_refused(social_worker_a, counsellor_a, site_a):
    referral = submit(social_worker_a, site_a)
    services.referral_withdraw(referral=referral, actor=social_worker_a)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN
    with pytest.raises(services.ReferralError, match="déjà retirée"):
        services.referral_withdraw(referral=referral, actor=social_worker_a)
    with pytest.raises(services.ReferralError):
        services.referral_decline(
            referral=referral, reason=DeclineReason.UNREACHABLE, actor=counsellor_a
        )
    with pytest.raises(services.ReferralError):
        services.beneficiary_enrol(
            referral=referral,
            person=person(),
            baseline=baseline(),
            consents=ALL_CONSENTS,
            confirmed_new=True,
            actor=counsellor_a,
            site=site_a,
        )
    assert not Beneficiary.objects.exists()


def test_only_the_referring_agency_may_withdraw(
    social_worker_a, social_worker_b, programme_admin, site_a
):
    referral = submit(social_worker_a, site_a)
    with pytest.raises(services.ReferralError, match="autre structure"):
        services.referral_withdraw(referral=referral, actor=social_worker_b)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING
    services.referral_withdraw(referral=referral, actor=programme_admin)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN


def test_decline_emails_the_referrer_after_commit(
    social_worker_a, counsellor_a, site_a, django_capture_on_commit_callbacks
):
    referral = submit(social_worker_a, site_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_decline(
            referral=referral, reason=DeclineReason.NOT_ELIGIBLE, actor=counsellor_a
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert referral.decided_by == counsellor_a
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [social_worker_a.email]
    assert message.subject == "Connexions : orientation refusée (Aïcha T.)"
    assert "Non éligible" in message.body
    assert f"/orientations/{referral.pk}/" in message.body


def test_decline_other_needs_a_comment(social_worker_a, counsellor_a, site_a):
    referral = submit(social_worker_a, site_a)
    with pytest.raises(services.ReferralError):
        services.referral_decline(referral=referral, reason=DeclineReason.OTHER, actor=counsellor_a)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING


def test_counsellor_of_another_site_cannot_decline(social_worker_a, counsellor_b, site_a):
    referral = submit(social_worker_a, site_a)
    with pytest.raises(PermissionDenied):
        services.referral_decline(
            referral=referral, reason=DeclineReason.UNREACHABLE, actor=counsellor_b
        )


def test_database_refuses_an_accepted_referral_without_beneficiary(social_worker_a, site_a):
    referral = submit(social_worker_a, site_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.ACCEPTED)


# --- expiry ------------------------------------------------------------------------------------


def test_expire_referrals_is_idempotent_and_emails_once(
    social_worker_a, site_a, settings, django_capture_on_commit_callbacks
):
    settings.REFERRAL_EXPIRY_DAYS = 30
    old = submit(social_worker_a, site_a, first_name="Ancien")
    Referral.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=31))
    recent = submit(social_worker_a, site_a, first_name="Récent")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_referrals", stdout=io.StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_referrals", stdout=io.StringIO())
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == ReferralStatus.EXPIRED
    assert recent.status == ReferralStatus.PENDING
    assert len(mail.outbox) == 1
    assert "orientation expirée" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action=AuditAction.REFERRAL_EXPIRED).count() == 1


# --- enrolment ---------------------------------------------------------------------------------


def enrol(referral, actor, site, confirmed_new=False, **overrides):
    return services.beneficiary_enrol(
        referral=referral,
        person=person(**overrides),
        baseline=baseline(),
        consents=ALL_CONSENTS,
        confirmed_new=confirmed_new,
        actor=actor,
        site=site,
    )


def test_enrolment_accepts_the_referral_and_plans_follow_ups(
    social_worker_a, counsellor_a, site_a, settings
):
    settings.FOLLOW_UP_MONTHS = [3, 6]
    settings.ELIGIBILITY_MONTHS = 12
    referral = submit(social_worker_a, site_a)
    beneficiary = enrol(referral, counsellor_a, site_a)
    referral.refresh_from_db()
    today = timezone.localdate()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.beneficiary == beneficiary
    assert beneficiary.enrolment_referral == referral
    assert beneficiary.number == f"CS-{beneficiary.pk:06d}"
    assert beneficiary.valid_until == add_months(today, 12)
    assert sorted(beneficiary.follow_ups.values_list("due_on", flat=True)) == [
        add_months(today, 3),
        add_months(today, 6),
    ]
    assert set(beneficiary.consents.values_list("kind", "granted")) == {
        (kind, True) for kind in ConsentKind.values
    }
    assert Consent.objects.filter(text_version=settings.CONSENT_TEXT_VERSION).count() == 3


def test_enrolment_without_data_processing_consent_is_refused(
    social_worker_a, counsellor_a, site_a
):
    referral = submit(social_worker_a, site_a)
    with pytest.raises(services.BeneficiaryError):
        services.beneficiary_enrol(
            referral=referral,
            person=person(),
            baseline=baseline(),
            consents={ConsentKind.DATA_PROCESSING: False},
            confirmed_new=True,
            actor=counsellor_a,
            site=site_a,
        )
    assert not Beneficiary.objects.exists()


def test_no_mobile_means_no_plan(social_worker_a, counsellor_a, site_a):
    referral = submit(social_worker_a, site_a)
    beneficiary = services.beneficiary_enrol(
        referral=referral,
        person=person(),
        baseline=baseline(has_mobile=False, plan_type="prepaid"),
        consents=ALL_CONSENTS,
        confirmed_new=False,
        actor=counsellor_a,
        site=site_a,
    )
    assert beneficiary.plan_type == "none"
    assert beneficiary.operator == ""


@pytest.mark.parametrize(
    "overrides",
    [
        # same person, name typed with other accents and case
        {"first_name": "AICHA", "last_name": "traore", "phone": ""},
        # same phone, other name
        {"first_name": "Awa", "last_name": "Diallo", "birth_date": date(1990, 1, 1)},
        # close name (typo), same birth date
        {"first_name": "Aicha", "last_name": "Traori", "phone": ""},
    ],
    ids=["normalised-name", "phone", "trigram"],
)
def test_duplicate_check_across_all_sites(
    overrides, social_worker_a, social_worker_b, counsellor_a, counsellor_b, site_a, site_b
):
    enrol(submit(social_worker_a, site_a), counsellor_a, site_a)
    second = submit(social_worker_b, site_b, **overrides)
    with pytest.raises(services.BeneficiaryError, match="déjà inscrite"):
        enrol(second, counsellor_b, site_b, **overrides)
    assert Beneficiary.objects.count() == 1
    enrol(second, counsellor_b, site_b, confirmed_new=True, **overrides)
    assert Beneficiary.objects.count() == 2


def test_different_person_is_not_a_duplicate(social_worker_a, counsellor_a, site_a):
    enrol(submit(social_worker_a, site_a), counsellor_a, site_a)
    other = {
        "first_name": "Jean",
        "last_name": "Martin",
        "phone": "",
        "birth_date": date(1985, 4, 12),
    }
    enrol(submit(social_worker_a, site_a, **other), counsellor_a, site_a, **other)
    assert Beneficiary.objects.count() == 2


def test_linking_a_referral_renews_eligibility(social_worker_a, counsellor_a, site_a):
    beneficiary = BeneficiaryFactory(
        first_name="Aïcha",
        last_name="Traoré",
        birth_date=date(1985, 4, 12),
        enrolled_site=site_a,
        enrolled_on=timezone.localdate() - timedelta(days=400),
        valid_until=timezone.localdate() - timedelta(days=35),
    )
    assert not beneficiary.is_eligible
    referral = submit(social_worker_a, site_a)
    services.referral_accept_for_existing(
        referral=referral, beneficiary=beneficiary, actor=counsellor_a, site=site_a
    )
    beneficiary.refresh_from_db()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.beneficiary == beneficiary
    assert beneficiary.is_eligible
    assert beneficiary.valid_until == add_months(timezone.localdate(), 12)


# --- support, follow-ups, mediation ------------------------------------------------------------


def test_support_session_recorded(counsellor_a, site_a):
    beneficiary = BeneficiaryFactory()
    session = services.support_session_record(
        beneficiary=beneficiary,
        day=timezone.localdate(),
        topics=["reading_bill", "choosing_offer"],
        duration_minutes=45,
        notes="A lu sa facture.",
        actor=counsellor_a,
        site=site_a,
    )
    assert session.counsellor == counsellor_a
    assert session.topics_display() == ["Lire une facture", "Choisir une offre"]


def test_follow_up_completes_the_earliest_planned_one(counsellor_a, site_a):
    beneficiary = BeneficiaryFactory()
    first = FollowUp.objects.create(beneficiary=beneficiary, due_on=timezone.localdate())
    FollowUp.objects.create(beneficiary=beneficiary, due_on=timezone.localdate() + timedelta(90))
    done = services.follow_up_record(
        beneficiary=beneficiary,
        situation={"monthly_spending": Decimal("12.50"), "notes": "Forfait résilié"},
        actor=counsellor_a,
        site=site_a,
    )
    assert done.pk == first.pk
    assert done.done_on == timezone.localdate()
    with pytest.raises(services.BeneficiaryError):
        services.follow_up_record(
            beneficiary=beneficiary,
            follow_up=first,
            situation={"monthly_spending": Decimal("10")},
            actor=counsellor_a,
            site=site_a,
        )


def test_follow_up_refuses_negative_spending(counsellor_a, site_a):
    beneficiary = BeneficiaryFactory()
    with pytest.raises(services.BeneficiaryError):
        services.follow_up_record(
            beneficiary=beneficiary,
            situation={"monthly_spending": Decimal("-1")},
            actor=counsellor_a,
            site=site_a,
        )
    assert not FollowUp.objects.filter(done_on__isnull=False).exists()


def test_mediation_moves_along_its_state_machine(counsellor_a, site_a):
    case = MediationCaseFactory()
    with pytest.raises(services.BeneficiaryError):
        services.mediation_update(
            case=case,
            status=MediationStatus.CLOSED,
            agreement_kind=AgreementKind.FULL_WRITE_OFF,
            actor=counsellor_a,
            site=site_a,
        )
    services.mediation_update(
        case=case, status=MediationStatus.CONTACTED, actor=counsellor_a, site=site_a
    )
    with pytest.raises(services.BeneficiaryError, match="mensualité"):
        services.mediation_update(
            case=case,
            status=MediationStatus.AGREEMENT,
            agreement_kind=AgreementKind.PAYMENT_PLAN,
            actor=counsellor_a,
            site=site_a,
        )
    case = services.mediation_update(
        case=case,
        status=MediationStatus.AGREEMENT,
        agreement_kind=AgreementKind.PARTIAL_WRITE_OFF,
        amount_written_off=Decimal("100.00"),
        monthly_instalment=Decimal("20.00"),
        instalment_months=7,
        note="Accord obtenu",
        actor=counsellor_a,
        site=site_a,
    )
    assert case.amount_written_off == Decimal("100.00")
    assert case.notes.count() == 1
    case = services.mediation_update(
        case=case,
        status=MediationStatus.CLOSED,
        agreement_kind=AgreementKind.PARTIAL_WRITE_OFF,
        amount_written_off=Decimal("100.00"),
        actor=counsellor_a,
        site=site_a,
    )
    assert case.closed_on == timezone.localdate()
    assert case.next_action_on is None


def test_mediation_write_off_cannot_exceed_amount_owed(counsellor_a, site_a):
    case = MediationCaseFactory(status=MediationStatus.CONTACTED)
    with pytest.raises(services.BeneficiaryError):
        services.mediation_update(
            case=case,
            status=MediationStatus.AGREEMENT,
            agreement_kind=AgreementKind.PARTIAL_WRITE_OFF,
            amount_written_off=Decimal("999.00"),
            actor=counsellor_a,
            site=site_a,
        )


@pytest.mark.parametrize("status", [MediationStatus.CLOSED, MediationStatus.FAILED])
def test_a_finished_mediation_only_takes_notes(counsellor_a, site_a, status):
    case = MediationCaseFactory(
        status=status,
        agreement_kind=AgreementKind.PAYMENT_PLAN if status == MediationStatus.CLOSED else "",
        monthly_instalment=Decimal("20.00") if status == MediationStatus.CLOSED else None,
        instalment_months=12 if status == MediationStatus.CLOSED else None,
        next_action_on=None,
        closed_on=timezone.localdate() - timedelta(days=3),
    )
    for change in (
        {"status": status, "agreement_kind": AgreementKind.FULL_WRITE_OFF},
        {"status": status, "amount_written_off": Decimal("100.00")},
        {"status": status, "next_action_on": timezone.localdate()},
        {"status": status, "note": "Juste une note"},
    ):
        with pytest.raises(services.BeneficiaryError, match="terminée"):
            services.mediation_update(case=case, actor=counsellor_a, site=site_a, **change)
    before = MediationCase.objects.values().get(pk=case.pk)
    services.mediation_note_add(
        case=case, text="L'opérateur a confirmé.", actor=counsellor_a, site=site_a
    )
    assert MediationCase.objects.values().get(pk=case.pk) == before
    assert [n.text for n in case.notes.all()] == ["L'opérateur a confirmé."]
    assert AuditEvent.objects.filter(action=AuditAction.MEDIATION_NOTE_ADDED).count() == 1
    with pytest.raises(services.BeneficiaryError):
        services.mediation_note_add(case=case, text="  ", actor=counsellor_a, site=site_a)


@pytest.mark.parametrize(
    "terms",
    [
        {"agreement_kind": AgreementKind.PARTIAL_WRITE_OFF},
        {"amount_written_off": Decimal("50.00")},
        {"monthly_instalment": Decimal("20.00"), "instalment_months": 6},
    ],
)
def test_agreement_terms_only_once_an_agreement_is_reached(counsellor_a, site_a, terms):
    case = MediationCaseFactory()
    with pytest.raises(services.BeneficiaryError, match="accord"):
        services.mediation_update(
            case=case, status=MediationStatus.CONTACTED, actor=counsellor_a, site=site_a, **terms
        )
    case.refresh_from_db()
    assert (case.status, case.agreement_kind, case.amount_written_off) == (
        MediationStatus.OPEN,
        "",
        Decimal("0.00"),
    )


def test_social_worker_cannot_use_staff_services(social_worker_a, site_a):
    beneficiary = BeneficiaryFactory()
    with pytest.raises(PermissionDenied):
        services.support_session_record(
            beneficiary=beneficiary,
            day=timezone.localdate(),
            topics=["other"],
            duration_minutes=10,
            actor=social_worker_a,
            site=site_a,
        )
