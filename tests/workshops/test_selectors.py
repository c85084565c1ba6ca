from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from connexions.periods import Period
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.conftest import client_for
from tests.workshops.factories import (
    FacilitatorFactory,
    PartnerCompanyFactory,
    RegistrationFactory,
    WorkshopSessionFactory,
    WorkshopTopicFactory,
)
from workshops.enums import SessionStatus
from workshops.models import (
    Facilitator,
    Notification,
    PartnerCompany,
    Registration,
    WorkshopSession,
    WorkshopTopic,
)
from workshops.selectors import workshop_figures

pytestmark = pytest.mark.django_db

PERIOD = Period(date(2026, 11, 1), date(2026, 11, 30))


def _session(site, topic, day, *, hours=2, status=SessionStatus.HELD, capacity=10):
    start = datetime(2026, 11, day, 14, tzinfo=timezone.get_current_timezone())
    return WorkshopSessionFactory(
        site=site,
        topic=topic,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        status=status,
        capacity=capacity,
        cancelled_at=start if status == SessionStatus.CANCELLED else None,
    )


def _people(session, *statuses, agency=None):
    for status in statuses:
        person = BeneficiaryFactory(**({"enrolment_referral__agency": agency} if agency else {}))
        RegistrationFactory(session=session, beneficiary=person, status=status)


def test_workshop_figures(site_a, site_b, agency_a, django_assert_num_queries):
    bill, phone = (
        WorkshopTopicFactory(title="Lire une facture"),
        WorkshopTopicFactory(title="Smartphone"),
    )
    orange = PartnerCompanyFactory(name="Télécom Solidaire")
    held = _session(site_a, bill, 3, hours=2, capacity=8)
    held.facilitators.add(
        FacilitatorFactory(company=orange),
        FacilitatorFactory(company=orange),
        FacilitatorFactory(staff=True),
    )
    _people(held, "present", "present", "present", "absent", "excused", agency=agency_a)
    _people(held, "cancelled")
    second = _session(site_a, phone, 10, hours=1.5, capacity=6)
    second.facilitators.add(FacilitatorFactory(company=orange))
    _people(second, "present", "absent")
    upcoming = _session(site_a, phone, 28, status=SessionStatus.SCHEDULED, capacity=4)
    _people(upcoming, "registered", "registered", "registered", "registered", "waiting", "waiting")
    cancelled = _session(site_a, bill, 20, status=SessionStatus.CANCELLED)
    _people(cancelled, "registered")
    _people(_session(site_b, bill, 5), "present")  # another site
    outside = _session(site_a, bill, 3)
    outside.starts_at -= timedelta(days=40)
    outside.ends_at -= timedelta(days=40)
    outside.save()

    with django_assert_num_queries(3):
        figures = workshop_figures(period=PERIOD, sites=[site_a])
    assert figures.sessions_held == 2
    assert figures.sessions_scheduled == 1
    assert figures.sessions_cancelled == 1
    assert figures.seats_offered == 8 + 6 + 4
    assert figures.registrations == 5 + 2 + 4
    assert (figures.present, figures.absent, figures.excused) == (4, 2, 1)
    assert figures.attendance_rate == Decimal("57.1")  # 4 of the 7 whose attendance was taken
    assert figures.no_show_rate == Decimal("28.6")  # 2 of 7: excused is not a no-show
    assert figures.waiting == 2
    assert [(t.title, t.sessions_held, t.registrations, t.present) for t in figures.by_topic] == [
        ("Lire une facture", 1, 5, 3),
        ("Smartphone", 1, 6, 1),
    ]
    assert figures.by_topic[0].attendance_rate == Decimal("60.0")
    # Two volunteers for 2 hours, one for 1 h 30; staff hours are not volunteer hours.
    assert figures.volunteer_hours == [{"company": "Télécom Solidaire", "hours": Decimal("5.5")}]

    everywhere = workshop_figures(period=PERIOD)
    assert everywhere.sessions_held == 3
    by_agency = workshop_figures(period=PERIOD, sites=[site_a], agency=agency_a)
    assert (by_agency.registrations, by_agency.present) == (5, 3)
    assert by_agency.sessions_held == 2  # sessions stay those of the sites


def test_no_session_no_rate(site_a):
    figures = workshop_figures(period=PERIOD, sites=[site_a])
    assert figures.attendance_rate is None
    assert figures.by_topic == []
    assert figures.volunteer_hours_total == Decimal("0.0")


def test_figures_page_shows_the_selector(client, manager_a, site_a):
    session = _session(site_a, WorkshopTopicFactory(title="Se protéger en ligne"), 3)
    _people(session, "present", "absent")
    client_for(client, manager_a)
    response = client.get(
        "/ateliers/chiffres/", {"start": "2026-11-01", "end": "2026-11-30", "site": site_a.pk}
    )
    assert response.context["figures"].present == 1
    assert "Se protéger en ligne" in response.content.decode()


MODELS = [WorkshopTopic, PartnerCompany, Facilitator, WorkshopSession, Registration, Notification]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_pages_for_programme_admins_only(client, programme_admin, counsellor_a, model):
    registration = RegistrationFactory()
    Notification.objects.create(registration=registration, kind="reminder", channel="sms")
    FacilitatorFactory()
    url = f"/admin/workshops/{model._meta.model_name}/"
    client_for(client, programme_admin)
    assert client.get(url).status_code == 200
    assert client.get(f"{url}{model.objects.first().pk}/change/").status_code == 200
    client_for(client, counsellor_a)
    assert client.get(url).status_code == 302
