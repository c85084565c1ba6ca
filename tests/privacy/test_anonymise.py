"""Erasure of one person, through the registry: every table and history row loses their identity
and the free text about them; ids, dates and amounts stay."""

import io
import json
import zipfile
from datetime import date

import pghistory.models
import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from beneficiaries.enums import AuditAction, ErasureReason
from beneficiaries.models import Beneficiary, Referral
from beneficiaries.privacy import person_data_providers
from beneficiaries.retention import ErasureError, beneficiary_anonymise
from beneficiaries.selectors import possible_duplicates
from catalogue.models import PurchaseLimit
from connexions.models import AuditEvent
from sales.models import Sale
from sales.selectors import limit_statuses
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.conftest import client_for
from tests.privacy.helpers import identity_strings, tables_mentioning
from tests.privacy.people import person_with_activity

IDENTITY = {
    "first_name": "Zéphyrine",
    "last_name": "Quincampoix",
    "birth_date": date(1984, 7, 23),
    "phone": "+33612345678",
    "email": "zephyrine.q@example.org",
    "city": "Montreuil-Bellay",
}


def test_every_model_pointing_at_a_person_is_covered_by_a_provider():
    covered = {model for provider in person_data_providers() for model in provider.models}
    people = {
        apps.get_model("beneficiaries", "Beneficiary"),
        apps.get_model("beneficiaries", "Referral"),
    }
    missing = []
    for model in apps.get_models():
        if issubclass(model, pghistory.models.Event):
            # History rows: scrubbed with the row they track (their tracked model is covered).
            model = model.pgh_tracked_model
        points_at_a_person = any(
            field.is_relation
            and field.many_to_one
            and field.related_model in people
            or field.one_to_one
            and field.concrete
            and field.related_model in people
            for field in model._meta.get_fields()
        )
        if (points_at_a_person or model in people) and model not in covered:
            missing.append(model._meta.label)
    assert not missing, f"register these models with a PersonData provider: {missing}"


@pytest.fixture
def activity(programme_admin, site_a):
    return person_with_activity(
        site=site_a, staff=programme_admin, first_day=date(2024, 1, 8), identity=IDENTITY
    )


def test_anonymising_leaves_no_identity_in_any_table(activity, programme_admin):
    person = activity.beneficiary
    strings = identity_strings(person, *activity.texts)
    assert all(tables_mentioning(text) for text in strings)

    beneficiary_anonymise(
        beneficiary=person, reason=ErasureReason.PERSON_REQUEST, actor=programme_admin
    )

    assert {text: tables_mentioning(text) for text in strings} == {text: [] for text in strings}
    person.refresh_from_db()
    assert person.anonymised_at is not None
    assert (person.first_name, person.last_name) == ("Anonyme", person.number)
    assert person.birth_date == date(1984, 1, 1)
    # What the figures need stays.
    assert person.enrolled_on == date(2024, 1, 8)
    assert person.monthly_spending is not None and person.has_mobile
    assert Sale.objects.filter(beneficiary=person).count() == 2
    assert LogEntry.objects.get(object_id=str(person.pk)).object_repr == str(person)
    audit = AuditEvent.objects.get(action=AuditAction.BENEFICIARY_ANONYMISED)
    assert audit.data == {"number": person.number, "reason": ErasureReason.PERSON_REQUEST}
    assert audit.actor == programme_admin


def test_anonymising_twice_is_refused(activity, programme_admin):
    beneficiary_anonymise(
        beneficiary=activity.beneficiary, reason=ErasureReason.PERSON_REQUEST, actor=programme_admin
    )
    with pytest.raises(ErasureError):
        beneficiary_anonymise(
            beneficiary=activity.beneficiary,
            reason=ErasureReason.PERSON_REQUEST,
            actor=programme_admin,
        )


def test_the_history_functions_refuse_a_file_that_is_not_anonymised(db):
    person = BeneficiaryFactory(**IDENTITY)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT privacy_scrub_beneficiary_history(%s)", [person.pk])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT privacy_scrub_referral_history(%s::bigint[])",
            [[person.enrolment_referral_id]],
        )
        assert cursor.fetchone()[0] == 0
    assert tables_mentioning("Quincampoix")


def test_a_returning_person_is_recognised_and_their_limits_still_count(activity, programme_admin):
    old = activity.beneficiary
    PurchaseLimit.objects.create(kind="mobile_topup", max_count=3, window_days=5000)
    beneficiary_anonymise(
        beneficiary=old, reason=ErasureReason.PERSON_REQUEST, actor=programme_admin
    )

    typed = {k: IDENTITY[k] for k in ("first_name", "last_name", "birth_date")}
    assert list(possible_duplicates(**{**typed, "first_name": "zephyrine"})) == [old]
    assert list(
        possible_duplicates(**{**typed, "birth_date": date(1984, 7, 24)}, phone="+33612345678")
    ) == [old]

    returning = BeneficiaryFactory(**{**IDENTITY, "first_name": "ZÉPHYRINE"})
    (status,) = limit_statuses(returning)
    # Two top-ups bought, one refunded: one still counts against the returning person.
    assert status.status.used == 1
    stranger = BeneficiaryFactory(first_name="Autre", last_name="Personne")
    assert limit_statuses(stranger)[0].status.used == 0


def test_a_programme_admin_erases_from_the_file_with_a_reason_and_a_confirmation(
    client, programme_admin, counsellor_a
):
    person = BeneficiaryFactory(**IDENTITY)
    url = reverse("beneficiaries:erase", args=[person.pk])
    assert client_for(client, counsellor_a).get(url).status_code == 403
    client_for(client, programme_admin)
    assert "Effacer" in client.get(reverse("beneficiaries:detail", args=[person.pk])).text
    assert client.get(url).status_code == 200

    response = client.post(url, {"reason": ErasureReason.PERSON_REQUEST})
    assert response.status_code == 200
    assert Beneficiary.objects.get(pk=person.pk).anonymised_at is None

    response = client.post(url, {"reason": ErasureReason.PERSON_REQUEST, "confirm": "on"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.anonymised_at is not None
    assert not Referral.objects.filter(last_name="Quincampoix").exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.BENEFICIARY_ANONYMISED, actor=programme_admin
    ).exists()


def test_the_person_gets_every_section_of_their_data_as_a_zip(
    client, activity, programme_admin, counsellor_a, social_worker_a
):
    person = activity.beneficiary
    url = reverse("beneficiaries:data_export", args=[person.pk])
    assert client_for(client, social_worker_a).get(url).status_code == 403
    client_for(client, counsellor_a).get(reverse("beneficiaries:detail", args=[person.pk]))

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["donnees.json", "donnees.pdf"]
    data = json.loads(archive.read("donnees.json"))["data"]
    file = data["beneficiaries.file"]["data"]
    assert file["identity"]["last_name"] == "Quincampoix"
    assert file["identity"]["phone"] == "06 12 34 56 78"
    for section in ("consents", "referrals", "support_sessions", "follow_ups", "mediation_cases"):
        assert len(file[section]) >= 1, section
    assert file["mediation_cases"][0]["notes"][0]["text"].startswith("note-mediation")
    assert file["consents"][0]["text_version"] == "test"
    purchases = data["sales.purchases"]["data"]
    assert len(purchases) == 2 and len(purchases[1]["refunds"]) == 1
    (workshop,) = data["workshops.registrations"]["data"]
    assert workshop["messages"][0]["channel"] == "SMS"
    assert [o["actor"] for o in data["file_openings"]["data"]] == [str(counsellor_a)]
    assert archive.read("donnees.pdf").startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action=AuditAction.SUBJECT_ACCESS_EXPORTED, actor=counsellor_a, object_id=str(person.pk)
    ).exists()
