"""The appointment journey in a real Chromium: from the referral inbox a counsellor proposes an
appointment and books the enrolment interview in the first free slot; the person arrives and is
enrolled; the counsellor books the follow-up due three months later."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from beneficiaries.models import Beneficiary
from tests.beneficiaries.factories import ReferralFactory
from tests.conftest import browser_login
from tests.workshops.factories import availability
from workshops.enums import AppointmentKind, AppointmentStatus
from workshops.models import Appointment


@pytest.mark.browser
def test_referral_to_enrolment_interview_to_follow_up_journey(
    page, live_server, counsellor_a, site_a, shot_dir
):
    # Available every day, all day: the first free slot is within the next hour (a person may
    # be marked arrived from 12 hours before).
    availability(counsellor_a, site_a, weekdays=range(7), starts="00:00", ends="23:59")
    referral = ReferralFactory(
        site=site_a,
        first_name="Aïcha",
        last_name="Traoré",
        phone="+33698765432",
        sms_consent_attested=True,
    )

    browser_login(page, live_server, counsellor_a.email)
    page.goto(f"{live_server.url}/orientations/a-traiter/")
    page.get_by_role("row", name=re.compile("Aïcha Traoré")).get_by_role(
        "link", name="Proposer un rendez-vous"
    ).click()
    expect(page.get_by_role("heading", name="Prendre rendez-vous")).to_be_visible()
    expect(page.get_by_text("Prochains créneaux libres : Entretien d'inscription")).to_be_visible()
    expect(page.get_by_role("radio").first).to_be_checked()  # the first free slot
    page.screenshot(path=str(shot_dir / "appointment-booking.png"), full_page=True)
    page.get_by_role("button", name="Réserver ce créneau").click()
    expect(page.get_by_text("Le rendez-vous est pris.")).to_be_visible()
    interview = Appointment.objects.get()
    assert interview.kind == AppointmentKind.ENROLMENT and interview.referral == referral

    page.get_by_role("button", name="Arrivé").click()
    expect(page.get_by_text("Rendez-vous : arrivé.")).to_be_visible()
    page.get_by_role("link", name="Inscrire la personne").click()
    expect(page.locator("#id_first_name")).to_have_value("Aïcha")
    page.locator("#id_has_mobile_0").check()
    page.locator("#id_plan_type").select_option("prepaid")
    page.locator("#id_operator").select_option("sfr")
    page.locator("#id_monthly_spending").fill("38,50")
    page.locator("#id_employment_status").select_option("job_seeking")
    page.locator("#id_housing").select_option("hosted")
    page.locator("#id_household_size").fill("3")
    page.locator("#id_consent_data_processing").check()
    page.locator("#id_consent_sms_reminders").check()
    page.get_by_role("button", name="Inscrire").click()
    expect(page.get_by_text("est inscrit(e) sous le numéro")).to_be_visible()
    person = Beneficiary.objects.get()

    # The file lists the interview; the follow-up due in three months is booked from there.
    follow_up = person.follow_ups.order_by("due_on").first()
    assert follow_up.due_on >= timezone.localdate() + timedelta(days=85)
    expect(page.get_by_text("Entretien d'inscription")).to_be_visible()
    page.get_by_role("link", name="Prendre rendez-vous").click()
    page.locator("#book-kind").select_option("follow_up")
    page.locator("#book-from").fill(follow_up.due_on.isoformat())
    page.get_by_role("button", name="Voir les créneaux libres").click()
    expect(page.get_by_text("Prochains créneaux libres : Entretien de suivi")).to_be_visible()
    page.get_by_role("button", name="Réserver ce créneau").click()
    expect(page.get_by_text("Le rendez-vous est pris.")).to_be_visible()
    page.screenshot(path=str(shot_dir / "appointment-follow-up.png"), full_page=True)

    booked = Appointment.objects.get(kind=AppointmentKind.FOLLOW_UP)
    assert booked.beneficiary == person and booked.status == AppointmentStatus.BOOKED
    assert timezone.localtime(booked.starts_at).date() == follow_up.due_on
    interview.refresh_from_db()
    assert interview.status == AppointmentStatus.ARRIVED
