"""The agendas through the test client: booking from the entry points, day and week views,
status changes leading to the prefilled records, the file's section, the calendar feed, and who
may see what."""

from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone

from beneficiaries.enums import ReferralStatus
from tests.beneficiaries.factories import BeneficiaryFactory, ReferralFactory
from tests.conftest import client_for
from tests.workshops.factories import availability
from workshops.appointment_services import appointment_book, calendar_feed_for
from workshops.enums import AppointmentKind, AppointmentStatus
from workshops.models import Appointment

pytestmark = pytest.mark.django_db

# Day view: session, user, memberships (the current site and the switcher's sites come from
# them), the site asked for, the appointments with their people and counsellors in one query; the
# session is not saved (renewed at most once a minute). The week view makes one fewer.
DAY_QUERIES = 7
WEEK_QUERIES = 6


def _tomorrow_at(hour, minute=0):
    return (timezone.localtime() + timedelta(days=1)).replace(
        hour=hour, minute=minute, second=0, microsecond=0
    )


@pytest.fixture
def agenda(site_a, counsellor_a):
    availability(counsellor_a, site_a, weekdays=range(7))
    return counsellor_a


def _book(site, counsellor, kind=AppointmentKind.SUPPORT, hour=10, **person):
    person = person or {"beneficiary": BeneficiaryFactory(enrolled_site=site)}
    return appointment_book(
        site=site,
        counsellor=counsellor,
        kind=kind,
        starts_at=_tomorrow_at(hour),
        actor=counsellor,
        **person,
    )


def test_inbox_proposes_an_appointment_and_booking_takes_the_first_free_slot(
    client, site_a, agenda, counsellor_a
):
    referral = ReferralFactory(site=site_a, first_name="Aïcha", last_name="Traoré")
    client = client_for(client, counsellor_a)
    inbox = client.get("/orientations/a-traiter/").content.decode()
    assert f"/rendez-vous/nouveau/?orientation={referral.pk}" in inbox
    assert "Proposer un rendez-vous" in inbox
    page = client.get(f"/rendez-vous/nouveau/?orientation={referral.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Entretien d&#x27;inscription" in html and "Aïcha Traoré" in html
    first_slot = page.context["slots"][0]
    response = client.post(
        f"/rendez-vous/nouveau/?orientation={referral.pk}", {"slot": first_slot.key}
    )
    appointment = Appointment.objects.get()
    assert response.url == f"/rendez-vous/{appointment.pk}/"
    assert appointment.referral == referral and appointment.kind == AppointmentKind.ENROLMENT
    assert appointment.starts_at == first_slot.starts_at


def test_a_slot_taken_meanwhile_gives_a_french_refusal(client, site_a, agenda, counsellor_a):
    person = BeneficiaryFactory(enrolled_site=site_a)
    client = client_for(client, counsellor_a)
    url = f"/rendez-vous/nouveau/?beneficiaire={person.pk}"
    slot = client.get(url).context["slots"][0]
    _book(
        site_a, counsellor_a, hour=slot.starts_at.astimezone(timezone.get_current_timezone()).hour
    )
    Appointment.objects.update(starts_at=slot.starts_at, ends_at=slot.ends_at)
    response = client.post(url, {"slot": slot.key})
    assert response.status_code == 200
    assert "Ce créneau vient d&#x27;être pris" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_a_slot_outside_availability_posted_anyway_is_refused_in_french(
    client, site_a, agenda, counsellor_a
):
    from datetime import UTC

    person = BeneficiaryFactory(enrolled_site=site_a)
    late = _tomorrow_at(20).astimezone(UTC).isoformat()
    response = client_for(client, counsellor_a).post(
        f"/rendez-vous/nouveau/?beneficiaire={person.pk}", {"slot": f"{counsellor_a.pk}@{late}"}
    )
    assert response.status_code == 200
    assert "ne reçoit pas de public à Paris 19e — test à ce moment-là" in (
        response.content.decode().replace("&#x27;", "'")
    )
    assert not Appointment.objects.exists()


def test_follow_ups_and_mediation_lists_link_to_booking(client, site_a, counsellor_a):
    from tests.beneficiaries.factories import FollowUpFactory

    follow_up = FollowUpFactory(
        beneficiary=BeneficiaryFactory(enrolled_site=site_a), due_on=timezone.localdate()
    )
    client = client_for(client, counsellor_a)
    page = client.get("/beneficiaires/suivis-a-faire/").content.decode()
    assert (
        f"/rendez-vous/nouveau/?beneficiaire={follow_up.beneficiary_id}&amp;type=follow_up" in page
    )


def test_day_and_week_views(client, site_a, agenda, counsellor_a, django_assert_max_num_queries):
    _book(site_a, counsellor_a, hour=10)
    _book(site_a, counsellor_a, hour=11)
    client = client_for(client, counsellor_a)
    day = client.get(f"/rendez-vous/?jour={_tomorrow_at(0).date().isoformat()}")
    assert day.status_code == 200 and len(day.context["appointments"]) == 2
    week = client.get(f"/rendez-vous/semaine/?semaine={_tomorrow_at(0).date().isoformat()}")
    assert week.status_code == 200
    assert sum(len(items) for _day, items in week.context["days"]) == 2


@pytest.mark.parametrize("count", [2, 8])
def test_day_and_week_views_pin_their_query_counts(
    client, site_a, agenda, counsellor_a, manager_a, count, django_assert_num_queries
):
    """The same number of queries whatever the number of appointments, people enrolled or
    not, and counsellors."""
    availability(manager_a, site_a, weekdays=range(7))
    for i in range(count):
        person = (
            {"beneficiary": BeneficiaryFactory(enrolled_site=site_a)}
            if i % 2
            else {"referral": ReferralFactory(site=site_a)}
        )
        _book(site_a, [counsellor_a, manager_a][i % 2], hour=9 + i // 2, **person)
    client = client_for(client, counsellor_a)
    day = _tomorrow_at(0).date().isoformat()
    with django_assert_num_queries(DAY_QUERIES):
        response = client.get(f"/rendez-vous/?site={site_a.pk}&jour={day}")
    assert len(response.context["appointments"]) == count
    for who in (counsellor_a, manager_a):
        with django_assert_num_queries(WEEK_QUERIES):
            response = client.get(f"/rendez-vous/semaine/?conseiller={who.pk}&semaine={day}")
        assert sum(len(items) for _day, items in response.context["days"]) == count // 2


def test_a_counsellor_sees_and_books_only_at_their_sites(
    client, site_a, site_b, agenda, counsellor_a, counsellor_b
):
    appointment = _book(site_a, counsellor_a)
    other = client_for(client, counsellor_b)
    assert other.get(f"/rendez-vous/{appointment.pk}/").status_code == 404
    assert other.get(f"/rendez-vous/?site={site_a.pk}").status_code == 404
    referral = ReferralFactory(site=site_a)
    assert other.get(f"/rendez-vous/nouveau/?orientation={referral.pk}").status_code == 404


@pytest.mark.parametrize("who", ["social_worker_a", None])
def test_social_workers_and_anonymous_have_no_agenda(request, client, who, site_a, agenda):
    user = request.getfixturevalue(who) if who else None
    response = client_for(client, user).get("/rendez-vous/")
    assert response.status_code in (302, 403)


def test_the_social_worker_sees_date_and_site_only_with_consent(
    client, site_a, agenda, counsellor_a, social_worker_a
):
    # A city of our choosing: a generated one may contain the counsellor's name checked below.
    sharing = BeneficiaryFactory(
        enrolled_site=site_a,
        share_outcomes=True,
        city="Lille",
        enrolment_referral__agency=social_worker_a.agency,
        enrolment_referral__city="Lille",
    )
    referral = sharing.enrolment_referral
    type(referral).objects.filter(pk=referral.pk).update(referrer=social_worker_a)
    _book(site_a, counsellor_a, beneficiary=sharing)
    page = client_for(client, social_worker_a).get(f"/orientations/{referral.pk}/").content.decode()
    assert f"Rendez-vous le {_tomorrow_at(10):%-d}" in page and site_a.name in page
    assert "Accompagnement individuel" not in page and counsellor_a.last_name not in page
    from beneficiaries.models import Consent

    Consent.objects.filter(beneficiary=sharing, kind="share_outcomes").update(granted=False)
    page = client_for(client, social_worker_a).get(f"/orientations/{referral.pk}/").content.decode()
    assert "Rendez-vous le" not in page


def test_arrived_then_enrol_and_done_opens_the_prefilled_record(
    client, site_a, agenda, counsellor_a
):
    # Yesterday at 10:00, inside the counsellor's availability whatever the time of the run.
    start = (timezone.localtime() - timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    booked = {"site": site_a, "counsellor": counsellor_a, "actor": counsellor_a}
    referral = ReferralFactory(site=site_a)
    enrolment = appointment_book(
        kind=AppointmentKind.ENROLMENT,
        starts_at=start,
        referral=referral,
        now=start - timedelta(days=1),
        **booked,
    )
    support = appointment_book(
        kind=AppointmentKind.SUPPORT,
        starts_at=start + timedelta(hours=1),
        beneficiary=BeneficiaryFactory(enrolled_site=site_a),
        now=start - timedelta(days=1),
        **booked,
    )
    client = client_for(client, counsellor_a)
    client.post(f"/rendez-vous/{enrolment.pk}/statut/", {"status": "arrived"})
    page = client.get(f"/rendez-vous/{enrolment.pk}/").content.decode()
    assert f"/beneficiaires/inscription/{referral.pk}/" in page
    client.post(f"/rendez-vous/{support.pk}/statut/", {"status": "arrived"})
    response = client.post(f"/rendez-vous/{support.pk}/statut/", {"status": "done"})
    assert response.url == (
        f"/beneficiaires/{support.beneficiary_id}/accompagnement/"
        f"?date={(start + timedelta(hours=1)).date().isoformat()}&duree=45"
    )
    form = client.get(response.url).context["form"]
    assert form.initial["duration_minutes"] == 45
    refused = client.post(f"/rendez-vous/{support.pk}/statut/", {"status": "no_show"}, follow=True)
    assert "ne peut pas passer" in refused.content.decode()


def test_the_file_lists_appointments_and_messages_without_their_text(
    client, site_a, agenda, counsellor_a, django_capture_on_commit_callbacks
):
    person = BeneficiaryFactory(enrolled_site=site_a, share_outcomes=True, phone="+33612345678")
    with django_capture_on_commit_callbacks(execute=True):
        _book(site_a, counsellor_a, beneficiary=person)
    page = client_for(client, counsellor_a).get(f"/beneficiaires/{person.pk}/").content.decode()
    assert "Accompagnement individuel" in page and "Envoyé" in page
    assert "votre RDV" not in page


def test_calendar_feed_parses_holds_no_names_and_its_token_resets(
    client, site_a, agenda, counsellor_a
):
    person = BeneficiaryFactory(enrolled_site=site_a, first_name="Aïcha", last_name="Traoré")
    appointment = _book(site_a, counsellor_a, beneficiary=person)
    cancelled = _book(site_a, counsellor_a, hour=12)
    Appointment.objects.filter(pk=cancelled.pk).update(status=AppointmentStatus.CANCELLED_BY_SITE)
    token = calendar_feed_for(counsellor_a).token
    feed = client.get(f"/rendez-vous/agenda/{token}.ics")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(feed.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert [(e.decoded("dtstart"), str(e["summary"])) for e in events] == [
        (appointment.starts_at, "Accompagnement individuel")
    ]
    text = feed.content.decode()
    assert "Traoré" not in text and "Aïcha" not in text and "Traor" not in text
    client_for(client, counsellor_a).post("/rendez-vous/mon-agenda/nouvelle-adresse/")
    assert client.get(f"/rendez-vous/agenda/{token}.ics").status_code == 404


def test_a_referral_closed_cannot_be_booked(client, site_a, agenda, counsellor_a):
    referral = ReferralFactory(site=site_a, status=ReferralStatus.WITHDRAWN)
    response = client_for(client, counsellor_a).get(
        f"/rendez-vous/nouveau/?orientation={referral.pk}"
    )
    assert response.status_code == 404


def test_no_show_rates_on_the_site_managers_figures_and_the_impact_dashboard(
    client, site_a, agenda, counsellor_a, manager_a
):
    from connexions.impact.report import impact_report
    from connexions.periods import Period

    for hour, status in ((9, "no_show"), (10, "done"), (11, "arrived"), (12, "no_show")):
        appointment = _book(site_a, counsellor_a, hour=hour)
        Appointment.objects.filter(pk=appointment.pk).update(status=status)
    day = _tomorrow_at(0).date()
    page = client_for(client, manager_a).get(
        "/ateliers/chiffres/", {"start": day.isoformat(), "end": day.isoformat(), "site": site_a.pk}
    )
    assert page.context["no_shows"] == [
        {
            "site": site_a.name,
            "kind": "Accompagnement individuel",
            "settled": 4,
            "no_shows": 2,
            "rate": 50.0,
        }
    ]
    assert 'id="appointment-no-shows"' in page.content.decode()
    table = impact_report(period=Period(day, day), sites=[site_a]).table("rendez-vous-absences")
    assert [cell.value for cell in table.rows[0][2:4]] == [4, 2]


@pytest.mark.parametrize("model", ["openinghours", "availability", "absence", "appointment"])
def test_programme_admins_manage_agendas_in_the_admin(client, programme_admin, model, agenda):
    client = client_for(client, programme_admin)
    assert client.get(f"/admin/workshops/{model}/").status_code == 200
