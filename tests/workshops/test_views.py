import html
import io
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from connexions.models import AuditEvent
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.conftest import client_for
from tests.workshops.factories import (
    FacilitatorFactory,
    RegistrationFactory,
    WorkshopSessionFactory,
    WorkshopTopicFactory,
)
from workshops import services
from workshops.enums import AuditAction, RegistrationStatus, SessionStatus
from workshops.models import Facilitator, Registration, WorkshopSession, WorkshopTopic

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def session_a(site_a):
    return WorkshopSessionFactory(site=site_a, topic=WorkshopTopicFactory(title="Lire une facture"))


def _session_urls(session):
    return [
        f"/ateliers/seances/{session.pk}/",
        f"/ateliers/seances/{session.pk}/modifier/",
        f"/ateliers/seances/{session.pk}/annuler/",
        f"/ateliers/seances/{session.pk}/presences/",
        f"/ateliers/seances/{session.pk}/emargement.pdf",
    ]


# --- who may and who may not -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/ateliers/",
        "/ateliers/seances/",
        "/ateliers/seances/nouvelle/",
        "/ateliers/themes/",
        "/ateliers/animateurs/",
        "/ateliers/animateurs/nouveau/",
    ],
)
def test_staff_pages(client, counsellor_a, social_worker_a, url):
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client_for(client, social_worker_a)
    assert client.get(url).status_code == 403
    client_for(client, counsellor_a)
    response = client.get(url)
    assert response.status_code == 200
    assert "Ateliers" in _text(response)


def test_sessions_of_another_site_are_not_found(client, counsellor_b, session_a):
    registration = RegistrationFactory(session=session_a)
    client_for(client, counsellor_b)
    for url in _session_urls(session_a):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/ateliers/seances/{session_a.pk}/inscrire/",
        {"beneficiary": BeneficiaryFactory().pk},
    )
    assert response.status_code == 404
    assert client.get(f"/ateliers/inscriptions/{registration.pk}/annuler/").status_code == 404
    assert client.post(f"/ateliers/inscriptions/{registration.pk}/annuler/").status_code == 404
    assert Registration.objects.get().status == RegistrationStatus.REGISTERED


def test_social_worker_sees_no_session(client, social_worker_a, session_a):
    client_for(client, social_worker_a)
    for url in _session_urls(session_a):
        assert client.get(url).status_code in (403, 404), url


def test_session_list_only_shows_own_sites(client, counsellor_a, session_a, site_b):
    other = WorkshopSessionFactory(site=site_b, topic=WorkshopTopicFactory(title="Se protéger"))
    client_for(client, counsellor_a)
    page = client.get("/ateliers/seances/").context["page_obj"]
    assert list(page) == [session_a]
    assert other not in client.get("/ateliers/seances/", {"q": "proteger"}).context["page_obj"]


def test_session_list_filters(client, counsellor_a, session_a, site_a):
    WorkshopSessionFactory(site=site_a, topic=WorkshopTopicFactory(title="Résilier un contrat"))
    client_for(client, counsellor_a)
    found = client.get("/ateliers/seances/", {"q": "resilier"}).context["page_obj"]
    assert [s.topic.title for s in found] == ["Résilier un contrat"]
    day = timezone.localtime(session_a.starts_at).date()
    found = client.get(
        "/ateliers/seances/", {"start": day.isoformat(), "end": day.isoformat(), "status": ""}
    ).context["page_obj"]
    assert len(found) == 2
    empty = client.get("/ateliers/seances/", {"status": "cancelled"})
    assert "Aucune séance ne correspond." in _text(empty)


# --- creating a session ------------------------------------------------------------------------


def test_create_a_weekly_series(client, counsellor_a, site_a):
    topic = WorkshopTopicFactory()
    volunteer = FacilitatorFactory()
    client_for(client, counsellor_a)
    response = client.post(
        "/ateliers/seances/nouvelle/",
        {
            "topic": topic.pk,
            "site": site_a.pk,
            "first_day": "2026-12-01",
            "start": "14:00",
            "end": "16:00",
            "room": "Salle 2",
            "capacity": "8",
            "facilitators": [volunteer.pk],
            "weeks": "6",
        },
    )
    assert response.status_code == 302
    assert WorkshopSession.objects.filter(site=site_a, capacity=8).count() == 6


def test_bad_session_input_gives_a_french_error_and_creates_nothing(
    client, counsellor_a, site_a, site_b
):
    client_for(client, counsellor_a)
    data = {
        "topic": WorkshopTopicFactory().pk,
        "site": site_a.pk,
        "first_day": "2026-12-01",
        "start": "16:00",
        "end": "14:00",
        "capacity": "0",
        "weeks": "1",
    }
    response = client.post("/ateliers/seances/nouvelle/", data)
    assert response.status_code == 200
    content = _text(response)
    assert "La séance doit se terminer après son début." in content
    assert "supérieure ou égale à 1" in content
    response = client.post("/ateliers/seances/nouvelle/", {**data, "site": site_b.pk})
    assert "Sélectionnez un choix valide" in _text(response)
    assert not WorkshopSession.objects.exists()


# --- registering, cancelling, attendance -------------------------------------------------------


def test_register_until_the_waiting_list_then_cancel(client, counsellor_a, site_a):
    session = WorkshopSessionFactory(site=site_a, capacity=1)
    first, second = BeneficiaryFactory(last_name="Premier"), BeneficiaryFactory(last_name="Second")
    client_for(client, counsellor_a)
    search = _text(client.get(f"/ateliers/seances/{session.pk}/", {"q": "Premier"}))
    assert f"Inscrire {first.full_name}" in search
    url = f"/ateliers/seances/{session.pk}/inscrire/"
    response = client.post(url, {"beneficiary": first.pk}, follow=True)
    assert f"{first.full_name} est inscrit(e)." in _text(response)
    response = client.post(url, {"beneficiary": second.pk}, follow=True)
    assert "liste d'attente" in _text(response)
    response = client.post(url, {"beneficiary": second.pk}, follow=True)
    assert "est déjà dans cette séance" in _text(response)
    seat = Registration.objects.get(beneficiary=first)
    confirm = _text(client.get(f"/ateliers/inscriptions/{seat.pk}/annuler/"))
    assert "première personne de la liste d'attente" in confirm
    client.post(f"/ateliers/inscriptions/{seat.pk}/annuler/")
    assert Registration.objects.get(beneficiary=second).status == RegistrationStatus.REGISTERED


def test_register_by_scanned_member_number(client, counsellor_a, site_a):
    session = WorkshopSessionFactory(site=site_a)
    person = BeneficiaryFactory()
    client_for(client, counsellor_a)
    response = client.get(f"/ateliers/seances/{session.pk}/", {"q": person.scan_code})
    assert [b for b, _already in response.context["candidates"]] == [person]


def test_cancel_the_session_through_a_confirmation_page(client, counsellor_a, session_a):
    client_for(client, counsellor_a)
    page = _text(client.get(f"/ateliers/seances/{session_a.pk}/annuler/"))
    assert "Annuler la séance" in page
    response = client.post(f"/ateliers/seances/{session_a.pk}/annuler/", {"reason": ""})
    assert "Ce champ est obligatoire." in _text(response)
    client.post(f"/ateliers/seances/{session_a.pk}/annuler/", {"reason": "Salle en travaux"})
    session_a.refresh_from_db()
    assert session_a.status == SessionStatus.CANCELLED


def test_take_attendance_on_one_screen(client, counsellor_a, site_a):
    session = WorkshopSessionFactory(site=site_a, starts_at=timezone.now() - timedelta(hours=1))
    registrations = [
        services.registration_create(
            session=session,
            beneficiary=BeneficiaryFactory(),
            actor=counsellor_a,
            now=session.starts_at - timedelta(days=1),
        )
        for _ in range(3)
    ]
    client_for(client, counsellor_a)
    page = _text(client.get(f"/ateliers/seances/{session.pk}/presences/"))
    assert "Tout le monde présent" in page
    response = client.post(
        f"/ateliers/seances/{session.pk}/presences/",
        {
            f"r{r.pk}": status
            for r, status in zip(registrations, ["present", "absent", "excused"], strict=True)
        },
    )
    assert response.status_code == 302
    assert [Registration.objects.get(pk=r.pk).status for r in registrations] == [
        "present",
        "absent",
        "excused",
    ]
    response = client.post(f"/ateliers/seances/{session.pk}/presences/", {})
    assert "Indiquez la présence d'au moins une personne." in _text(response)


def test_attendance_sheet_pdf_lists_the_people_with_a_signature_column(
    client, counsellor_a, session_a
):
    person = BeneficiaryFactory(first_name="Aïcha", last_name="Traoré")
    services.registration_create(session=session_a, beneficiary=person, actor=counsellor_a)
    client_for(client, counsellor_a)
    response = client.get(f"/ateliers/seances/{session_a.pk}/emargement.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "TRAORÉ Aïcha" in text
    assert "Signature" in text
    assert "Lire une facture" in text


# --- query counts ------------------------------------------------------------------------------


def _fill_week(site, sessions, people):
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    for n in range(sessions):
        start = datetime.combine(
            monday + timedelta(days=n % 7), time(9 + n % 8), tzinfo=timezone.get_current_timezone()
        )
        session = WorkshopSessionFactory(
            site=site, starts_at=start, ends_at=start + timedelta(hours=1), capacity=people
        )
        session.facilitators.add(FacilitatorFactory(), FacilitatorFactory(staff=True))
        for _ in range(people):
            RegistrationFactory(session=session)
        RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    return session


@pytest.mark.parametrize(("sessions", "people"), [(1, 1), (9, 6)])
def test_week_view_query_count_is_flat(
    client, counsellor_a, site_a, sessions, people, django_assert_num_queries
):
    _fill_week(site_a, sessions, people)
    client_for(client, counsellor_a)
    # session, user, memberships (with their sites, which the navigation's site switcher
    # reuses), the week's sessions with their counts, the site choices
    with django_assert_num_queries(6):
        response = client.get("/ateliers/")
    assert sum(len(day_sessions) for _day, day_sessions in response.context["days"]) == sessions


@pytest.mark.parametrize("people", [1, 12])
def test_session_page_query_count_is_flat(
    client, counsellor_a, site_a, people, django_assert_num_queries
):
    session = _fill_week(site_a, 1, people)
    client_for(client, counsellor_a)
    with django_assert_num_queries(7):
        response = client.get(f"/ateliers/seances/{session.pk}/")
    assert len(response.context["seated"]) == people


# --- topics, facilitators, figures -------------------------------------------------------------


def test_only_programme_admins_manage_topics(client, counsellor_a, programme_admin):
    client_for(client, counsellor_a)
    assert client.get("/ateliers/themes/nouveau/").status_code == 403
    client_for(client, programme_admin)
    response = client.post(
        "/ateliers/themes/nouveau/",
        {"title": "Lire une facture", "duration_minutes": "90", "level": "beginner"},
    )
    assert response.status_code == 302
    assert WorkshopTopic.objects.get().title == "Lire une facture"


TOPIC_EDIT = {"title": "Lire une facture d'énergie", "duration_minutes": "60", "level": "beginner"}


def test_programme_admin_edits_a_topic(client, programme_admin):
    topic = WorkshopTopicFactory(title="Lire une facture")
    client_for(client, programme_admin)
    url = f"/ateliers/themes/{topic.pk}/modifier/"
    assert "Lire une facture" in _text(client.get(url))
    assert client.post(url, TOPIC_EDIT).status_code == 302
    topic.refresh_from_db()
    assert (topic.title, topic.duration_minutes) == ("Lire une facture d'énergie", 60)
    assert AuditEvent.objects.filter(
        action=AuditAction.TOPIC_SAVED, object_id=str(topic.pk), actor=programme_admin
    ).exists()
    assert client.get("/ateliers/themes/999999/modifier/").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 302), ("counsellor_a", 403), ("manager_a", 403), ("social_worker_a", 403)],
)
def test_only_programme_admins_edit_a_topic(request, client, who, status):
    topic = WorkshopTopicFactory(title="Lire une facture")
    client_for(client, request.getfixturevalue(who) if who else None)
    url = f"/ateliers/themes/{topic.pk}/modifier/"
    assert client.get(url).status_code == status
    assert client.post(url, TOPIC_EDIT).status_code == status
    topic.refresh_from_db()
    assert topic.title == "Lire une facture"
    assert not AuditEvent.objects.filter(action=AuditAction.TOPIC_SAVED).exists()


def _volunteer_edit(volunteer) -> dict:
    return {
        "first_name": volunteer.first_name,
        "last_name": "Martin",
        "company_name": volunteer.company.name,
        "phone": "06 12 34 56 78",
        "is_active": "on",
    }


@pytest.mark.parametrize("who", ["counsellor_a", "manager_a", "programme_admin"])
def test_staff_who_run_workshops_edit_a_facilitator(request, client, who):
    volunteer = FacilitatorFactory(last_name="Durand")
    user = request.getfixturevalue(who)
    client_for(client, user)
    url = f"/ateliers/animateurs/{volunteer.pk}/modifier/"
    assert "Durand" in _text(client.get(url))
    assert client.post(url, _volunteer_edit(volunteer)).status_code == 302
    volunteer.refresh_from_db()
    assert (volunteer.last_name, volunteer.phone) == ("Martin", "06 12 34 56 78")
    assert AuditEvent.objects.filter(
        action=AuditAction.FACILITATOR_SAVED, object_id=str(volunteer.pk), actor=user
    ).exists()


@pytest.mark.parametrize(("who", "status"), [(None, 302), ("social_worker_a", 403)])
def test_others_may_not_edit_a_facilitator(request, client, who, status):
    volunteer = FacilitatorFactory(last_name="Durand")
    client_for(client, request.getfixturevalue(who) if who else None)
    url = f"/ateliers/animateurs/{volunteer.pk}/modifier/"
    assert client.get(url).status_code == status
    assert client.post(url, _volunteer_edit(volunteer)).status_code == status
    volunteer.refresh_from_db()
    assert volunteer.last_name == "Durand"


def test_staff_of_another_site_cannot_be_made_a_facilitator(client, counsellor_a, counsellor_b):
    """The staff member chosen must work at one of the editor's sites."""
    facilitator = FacilitatorFactory()
    client_for(client, counsellor_a)
    response = client.post(
        f"/ateliers/animateurs/{facilitator.pk}/modifier/",
        {"user": counsellor_b.pk, "is_active": "on"},
    )
    assert response.status_code == 200
    facilitator.refresh_from_db()
    assert facilitator.user is None


def test_record_a_volunteer_with_their_company(client, counsellor_a):
    client_for(client, counsellor_a)
    response = client.post(
        "/ateliers/animateurs/nouveau/",
        {"first_name": "Paul", "last_name": "Durand", "company_name": "Orange", "is_active": "on"},
    )
    assert response.status_code == 302
    volunteer = Facilitator.objects.get()
    assert volunteer.company.name == "Orange"
    response = client.post("/ateliers/animateurs/nouveau/", {"first_name": "Sans nom"})
    assert "ou indiquez le nom du bénévole et son entreprise" in _text(response)
    listing = _text(client.get("/ateliers/animateurs/", {"q": "orange"}))
    assert "Bénévole, Orange" in listing


def test_figures_page_for_site_managers_only(client, counsellor_a, manager_a, social_worker_a):
    for user in (counsellor_a, social_worker_a):
        client_for(client, user)
        assert client.get("/ateliers/chiffres/").status_code == 403
    client_for(client, manager_a)
    response = client.get("/ateliers/chiffres/")
    assert response.status_code == 200
    assert "séances tenues" in _text(response)


# --- the beneficiary file and the referrer's outcomes ------------------------------------------


def test_beneficiary_file_shows_the_workshops(client, counsellor_a, session_a):
    person = BeneficiaryFactory()
    RegistrationFactory(session=session_a, beneficiary=person, status="present")
    client_for(client, counsellor_a)
    content = _text(client.get(f"/beneficiaires/{person.pk}/"))
    assert 'id="section-workshops"' in content
    assert "Lire une facture" in content
    assert "Présent" in content


def test_referrer_sees_attended_workshops_only_when_the_person_agreed(
    client, social_worker_a, agency_a, session_a
):
    sharing = BeneficiaryFactory(
        share_outcomes=True,
        enrolment_referral__agency=agency_a,
        enrolment_referral__referrer=social_worker_a,
    )
    private = BeneficiaryFactory(
        share_outcomes=False,
        enrolment_referral__agency=agency_a,
        enrolment_referral__referrer=social_worker_a,
    )
    for person in (sharing, private):
        RegistrationFactory(session=session_a, beneficiary=person, status="present")
    RegistrationFactory(beneficiary=sharing, status="absent")  # never disclosed
    client_for(client, social_worker_a)
    shown = client.get(f"/orientations/{sharing.enrolment_referral_id}/").context["outcomes"]
    assert [(o.code, o.label) for o in shown if o.code.startswith("workshops")] == [
        ("workshops.attended", "Atelier suivi : Lire une facture")
    ]
    hidden = client.get(f"/orientations/{private.enrolment_referral_id}/").context["outcomes"]
    assert hidden == []


def test_every_action_is_audited(client, counsellor_a, session_a):
    client_for(client, counsellor_a)
    client.post(
        f"/ateliers/seances/{session_a.pk}/inscrire/", {"beneficiary": BeneficiaryFactory().pk}
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.REGISTRATION_SEATED, actor=counsellor_a
    ).exists()


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, url, data",
    [
        ("get", "/ateliers/", {"site": "abc"}),
        ("get", "/ateliers/animateurs/", {"q": "Mar\x00tin"}),
        ("get", "/ateliers/seances/{pk}/", {"q": "Dup\x00ont"}),
        ("post", "/ateliers/seances/{pk}/inscrire/", {"beneficiary": "abc"}),
    ],
)
def test_bad_input_is_no_server_error(client, counsellor_a, session_a, method, url, data):
    client_for(client, counsellor_a)
    audit_before = AuditEvent.objects.count()
    response = getattr(client, method)(url.format(pk=session_a.pk), data)
    assert response.status_code in (200, 404)
    assert AuditEvent.objects.count() == audit_before
    assert not Registration.objects.exists()
