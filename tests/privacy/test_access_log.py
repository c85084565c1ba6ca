"""Every read of a person's data is audited, wherever it happens; programme admins read the
access log; search terms never reach a log."""

import csv
import io
import logging
import runpy

from django.conf import settings
from django.urls import reverse

from beneficiaries.enums import AuditAction
from connexions.enums import AuditKind
from connexions.models import AuditEvent
from tests.beneficiaries.factories import (
    BeneficiaryFactory,
    MediationCaseFactory,
    ReferralFactory,
    SupportSessionFactory,
)
from tests.conftest import client_for
from tests.sales.factories import open_till


def reads_of(person):
    return AuditEvent.objects.filter(
        kind=AuditKind.READ, object_type="beneficiaries.beneficiary", object_id=str(person.pk)
    )


def test_search_results_and_the_file_are_reads(client, counsellor_a):
    person = BeneficiaryFactory(last_name="Quincampoix")
    client_for(client, counsellor_a)
    client.get(reverse("beneficiaries:search"), {"q": "Quincampoix"})
    (listed,) = reads_of(person)
    assert listed.data == {"via": "search"} and listed.actor == counsellor_a
    assert "Quincampoix" not in str(AuditEvent.objects.values_list("data", flat=True))
    client.get(reverse("beneficiaries:detail", args=[person.pk]))
    assert reads_of(person).filter(action=AuditAction.FILE_VIEWED).count() == 1


def test_the_till_customer_panel_is_a_read(client, counsellor_a, manager_a, site_a):
    person = BeneficiaryFactory(last_name="Quincampoix")
    open_till(site_a, manager_a)
    client_for(client, counsellor_a)
    client.get(reverse("sales:customer_search"), {"q": "Quincampoix"})
    client.post(reverse("sales:cart_customer"), {"beneficiary": person.pk})
    client.post(reverse("sales:cart_scan"), {"code": BeneficiaryFactory().scan_code})
    assert [e.data["via"] for e in reads_of(person)] == ["till", "till"]
    assert AuditEvent.objects.filter(kind=AuditKind.READ, data__via="till").count() == 3


def test_django_admin_pages_of_people_are_reads_and_read_only(client, programme_admin):
    person = BeneficiaryFactory()
    support = SupportSessionFactory(beneficiary=person)
    case = MediationCaseFactory(beneficiary=person)
    referral = ReferralFactory()
    client_for(client, programme_admin)
    for url in (
        reverse("admin:beneficiaries_beneficiary_changelist"),
        reverse("admin:beneficiaries_beneficiary_change", args=[person.pk]),
        reverse("admin:beneficiaries_supportsession_change", args=[support.pk]),
        reverse("admin:beneficiaries_mediationcase_changelist"),
    ):
        assert client.get(url).status_code == 200, url
    assert reads_of(person).filter(data__via="admin").count() == 4
    client.get(reverse("admin:beneficiaries_referral_change", args=[referral.pk]))
    assert AuditEvent.objects.filter(
        kind=AuditKind.READ, object_type="beneficiaries.referral", object_id=str(referral.pk)
    ).exists()
    # Read-only: no add page, no change by post.
    assert client.get(reverse("admin:beneficiaries_beneficiary_add")).status_code == 403
    assert client.get(reverse("admin:beneficiaries_referral_add")).status_code == 403
    change = reverse("admin:beneficiaries_beneficiary_change", args=[person.pk])
    client.post(change, {"first_name": "Changé"})
    person.refresh_from_db()
    assert person.first_name != "Changé"
    del case


def test_programme_admins_read_the_access_log_filtered_paginated_and_as_csv(
    client, programme_admin, counsellor_a, counsellor_b
):
    person, other = BeneficiaryFactory(), BeneficiaryFactory()
    for user, who in ((counsellor_a, person), (counsellor_b, person), (counsellor_a, other)):
        client_for(client, user).get(reverse("beneficiaries:detail", args=[who.pk]))
    url = reverse("beneficiaries:access_log")
    assert client_for(client, counsellor_a).get(url).status_code == 403

    client_for(client, programme_admin)
    page = client.get(url, {"person": person.number, "user": counsellor_a.pk})
    assert page.status_code == 200
    assert list(page.context["page_obj"]) == list(
        reads_of(person).filter(actor=counsellor_a).order_by("-at", "-id")
    )
    assert client.get(url, {"person": "n'importe quoi"}).status_code == 200
    export = client.get(url, {"person": person.number, "format": "csv"})
    assert "no-store" in export["Cache-Control"]
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Quand", "Utilisateur", "Personne", "Point d'accueil", "Où"]
    assert sorted(row[1] for row in rows[1:]) == sorted([str(counsellor_a), str(counsellor_b)])
    assert {row[2] for row in rows[1:]} == {person.number}


def test_the_file_shows_its_latest_openings(client, counsellor_a, counsellor_b):
    person = BeneficiaryFactory()
    client_for(client, counsellor_b).get(reverse("beneficiaries:detail", args=[person.pk]))
    page = client_for(client, counsellor_a).get(reverse("beneficiaries:detail", args=[person.pk]))
    assert str(counsellor_b) in page.text.split("section-openings")[1]


def test_search_terms_never_reach_the_server_log():
    logger = logging.getLogger("django.server")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        logger.info('"%s" %s %s', "GET /beneficiaires/?q=Quincampoix+0612 HTTP/1.1", "200", "512")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == '"GET /beneficiaires/ HTTP/1.1" 200 512\n'
    access = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))["access_log_format"]
    assert "%(U)s" in access and "%(r)s" not in access and "%(q)s" not in access
