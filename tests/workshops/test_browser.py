"""The workshop journey in a real Chromium: a counsellor creates a session, registers people
until the waiting list starts, cancels one, sees the first person waiting take the seat, takes
attendance and prints the attendance sheet."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.conftest import browser_login
from tests.workshops.factories import FacilitatorFactory, WorkshopTopicFactory
from workshops.models import Registration, WorkshopSession


@pytest.mark.browser
def test_session_waiting_list_attendance_journey(page, live_server, counsellor_a, site_a, shot_dir):
    WorkshopTopicFactory(title="Lire une facture")
    FacilitatorFactory(first_name="Hélène", last_name="Marchand", company__name="Télécom Solidaire")
    people = [
        BeneficiaryFactory(first_name=first, last_name="Dupont")
        for first in ("Amina", "Bruno", "Chloé")
    ]

    browser_login(page, live_server, counsellor_a.email)
    page.get_by_role("link", name="Ateliers").first.click()
    expect(page.get_by_role("heading", name=re.compile("Semaine du"))).to_be_visible()
    page.get_by_role("link", name="Nouvelle séance").first.click()
    page.locator("#id_topic").select_option(label="Lire une facture")
    page.locator("#id_first_day").fill(timezone.localdate().isoformat())
    page.locator("#id_start").fill("23:58")  # today, not started yet: people may register
    page.locator("#id_end").fill("23:59")
    page.locator("#id_room").fill("Salle 2")
    page.locator("#id_capacity").fill("2")
    page.get_by_label(re.compile("Hélène Marchand")).check()
    page.get_by_role("button", name="Créer").click()
    expect(page.get_by_text("La séance a été créée.")).to_be_visible()
    session = WorkshopSession.objects.get()

    for person in people:
        page.locator("#q").fill(person.number)
        page.get_by_role("button", name="Chercher").click()
        page.get_by_role("button", name=f"Inscrire {person.full_name}").click()
    expect(
        page.get_by_text("La séance est complète : Chloé Dupont est sur liste d'attente.")
    ).to_be_visible()
    expect(page.locator("#waiting")).to_contain_text("Chloé Dupont")
    page.screenshot(path=str(shot_dir / "workshop-session.png"), full_page=True)

    page.locator("#registered").get_by_role("row", name=re.compile("Amina Dupont")).get_by_role(
        "link", name="Annuler"
    ).click()
    expect(page.get_by_text("première personne de la liste d'attente")).to_be_visible()
    page.get_by_role("button", name="Annuler l'inscription").click()
    registered = page.locator("#registered")
    expect(registered).to_contain_text("Chloé Dupont")
    expect(registered).to_contain_text("depuis la liste d'attente")
    expect(page.locator("#waiting")).to_contain_text("Personne n'attend.")

    page.get_by_role("link", name="Faire l'appel").click()
    page.wait_for_load_state()  # the "everyone present" script is attached
    page.get_by_role("button", name="Tout le monde présent").click()
    expect(page.locator('#attendance-form input[value="present"]:checked')).to_have_count(2)
    page.get_by_role("row", name=re.compile("Bruno Dupont")).get_by_text("Absent").click()
    page.screenshot(path=str(shot_dir / "workshop-attendance.png"), full_page=True)
    page.get_by_role("button", name="Enregistrer les présences").click()
    expect(page.get_by_text("Les présences ont été enregistrées.")).to_be_visible()
    statuses = dict(
        Registration.objects.filter(session=session).values_list(
            "beneficiary__first_name", "status"
        )
    )
    assert statuses == {"Amina": "cancelled", "Bruno": "absent", "Chloé": "present"}

    sheet = page.get_by_role("link", name="Feuille d'émargement (PDF)")
    response = page.request.get(live_server.url + sheet.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    page.goto(f"{live_server.url}/ateliers/")
    expect(page.locator(".week-session", has_text="Lire une facture")).to_be_visible()
    page.screenshot(path=str(shot_dir / "workshop-week.png"), full_page=True)
