"""`seed_demo`: idempotent, and the data each app needs to be shown (seeded once, see conftest)."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from beneficiaries.models import Beneficiary, FollowUp, MediationCase, Referral, SupportSession
from catalogue.enums import Acquisition, DeviceStatus, TransferStatus
from catalogue.models import (
    Device,
    DeviceStatusChange,
    Product,
    ScanCount,
    Transfer,
    Voucher,
)
from catalogue.validators import imei_is_valid
from connexions import perms
from connexions.codes import validate_siret
from connexions.demo import DEMO_PASSWORD
from connexions.enums import AccountRequestStatus
from connexions.models import AccountRequest, PartnerAgency, ReceptionSite, User
from sales.journal import verify_site_journal
from sales.models import Sale, SaleLine, TillSession
from workshops.enums import RegistrationStatus, SessionStatus
from workshops.models import PartnerCompany, Registration, WorkshopSession, WorkshopTopic

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"connexions", "beneficiaries", "catalogue", "sales", "workshops"}


def _business_rows():
    """Row counts of every project table except history and audit (which record the runs)."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        and not model._meta.label.endswith("Event")
        and model._meta.label != "connexions.AuditEvent"
    }


def test_seed_demo_is_idempotent():
    first = _business_rows()
    call_command("seed_demo", stdout=io.StringIO())
    assert _business_rows() == first
    call_command("catalogue_check_ledger", stdout=io.StringIO())


def test_demo_logins_and_seven_sites():
    assert ReceptionSite.objects.count() == 7
    demo = User.objects.get(email="conseiller@demo.connexions.fr")
    assert demo.check_password(DEMO_PASSWORD)
    assert demo.memberships.get().site.name == "Paris 19e — Emmaüs Défi"
    assert User.objects.get(email="ts.ccas@demo.connexions.fr").agency.name == "CCAS de Saint-Denis"
    assert User.objects.get(email="ts.pimms@demo.connexions.fr").agency.name == "PIMMS d'Antony"
    assert User.objects.get(email="admin@demo.connexions.fr").is_staff


def test_beneficiaries_spread_over_the_seven_sites():
    assert Beneficiary.objects.values("enrolled_site").distinct().count() == 7
    assert Beneficiary.objects.count() >= 35
    assert SupportSession.objects.exists()
    assert FollowUp.objects.filter(done_on__isnull=False).exists()
    assert MediationCase.objects.exists()
    assert Referral.objects.filter(status="pending").exists()


def test_catalogue_stock_at_every_site():
    for site in ReceptionSite.objects.all():
        assert Voucher.objects.filter(site=site, expires_on__gt=timezone.localdate()).exists()
        assert Device.objects.filter(site=site).exists()
    assert all(
        imei_is_valid(i) for i in Device.objects.exclude(imei=None).values_list("imei", flat=True)
    )
    topup = Product.objects.get(name="Recharge mobile SFR 15 €")
    assert (topup.solidarity_price, topup.face_value) == (2.50, 15)


def test_a_scanning_stocktake_a_repair_and_a_transfer_on_its_way_at_paris_19e():
    paris = ReceptionSite.objects.get(name__startswith="Paris 19e")
    counts = ScanCount.objects.filter(site=paris)
    assert counts.filter(stocktake__isnull=False).count() == 1
    assert counts.filter(stocktake__isnull=True).get().scans.exists()
    assert Device.objects.filter(site=paris, status=DeviceStatus.MISSING).count() == 1
    assert (
        DeviceStatusChange.objects.filter(site=paris, new_status=DeviceStatus.IN_REPAIR).count()
        == 2
    )
    assert Transfer.objects.filter(to_site=paris, status=TransferStatus.IN_TRANSIT).exists()
    assert Device.objects.filter(acquisition=Acquisition.DONATION, value__gt=0).exists()


def test_past_till_sessions_and_sales_at_every_site():
    assert Sale.objects.values("site").distinct().count() == 7
    assert not TillSession.objects.open().exists()
    assert TillSession.objects.filter(cash_difference__lt=0).exists()
    assert SaleLine.objects.filter(device__isnull=False).exists()
    for site in ReceptionSite.objects.all():
        assert verify_site_journal(site) is None


def test_workshops_at_several_sites():
    assert WorkshopTopic.objects.filter(title="Se protéger en ligne").exists()
    assert WorkshopTopic.objects.count() == 6
    assert WorkshopSession.objects.values("site").distinct().count() >= 3
    assert WorkshopSession.objects.filter(status=SessionStatus.HELD).exists()
    assert WorkshopSession.objects.filter(starts_at__gt=timezone.now()).exists()
    assert Registration.objects.filter(status=RegistrationStatus.PRESENT).exists()
    assert Registration.objects.filter(status=RegistrationStatus.WAITING).exists()
    assert PartnerCompany.objects.count() >= 3


def test_demo_agendas_have_availability_and_past_and_future_appointments():
    from workshops.enums import AppointmentStatus
    from workshops.models import Appointment, Availability

    demo = User.objects.get(email="conseiller@demo.connexions.fr")
    assert Availability.objects.filter(counsellor=demo).count() == 10
    site = demo.memberships.get().site
    now = timezone.now()
    past = Appointment.objects.filter(site=site, starts_at__lt=now)
    assert set(past.values_list("status", flat=True)) == {
        AppointmentStatus.DONE,
        AppointmentStatus.NO_SHOW,
    }
    assert Appointment.objects.filter(
        site=site, starts_at__gt=now, status=AppointmentStatus.BOOKED
    ).exists()


def test_demo_appointments_lie_inside_availability_and_opening_hours():
    from workshops.appointment_selectors import availability_refusal
    from workshops.models import Appointment

    appointments = Appointment.objects.select_related("site", "counsellor")
    assert appointments.exists()
    for appointment in appointments:
        assert not availability_refusal(
            site=appointment.site,
            counsellor=appointment.counsellor,
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
        ), appointment


def test_one_referent_per_agency_and_one_pending_request():
    for agency in PartnerAgency.objects.all():
        validate_siret(agency.siret)
        assert agency.email_domains and agency.address
        assert agency.social_workers.filter(is_referent=True, is_active=True).count() == 1
    pending = AccountRequest.objects.get(status=AccountRequestStatus.PENDING)
    referent = User.objects.get(email="ts.ccas@demo.connexions.fr")
    assert list(perms.account_requests_for(referent)) == [pending]
    assert not perms.account_requests_for(User.objects.get(email="ts.pimms@demo.connexions.fr"))
