import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction

from connexions.audit import audit_log
from connexions.enums import AuditKind, SiteRole, UserKind
from connexions.models import AuditEvent, SiteMembership, User
from tests.connexions.factories import SiteMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_social_worker_without_agency_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="x@example.org", kind=UserKind.SOCIAL_WORKER)


def test_staff_with_agency_is_refused_by_the_database(agency_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="x@example.org", kind=UserKind.SITE_STAFF, agency=agency_a)


def test_only_programme_admins_reach_django_admin_database_rule():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="x@example.org", kind=UserKind.SITE_STAFF, is_staff=True)


def test_a_social_worker_cannot_hold_a_site_membership(site_a, social_worker_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteMembership.objects.create(user=social_worker_a, site=site_a, role=SiteRole.COUNSELLOR)


def test_model_validation_explains_the_staff_social_worker_rule(agency_a, counsellor_a):
    counsellor_a.kind = UserKind.SOCIAL_WORKER
    counsellor_a.agency = agency_a
    with pytest.raises(ValidationError) as error:
        counsellor_a.full_clean()
    assert "kind" in error.value.message_dict


def test_one_membership_per_user_and_site(site_a, counsellor_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteMembershipFactory(user=counsellor_a, site=site_a)


def test_email_login_is_case_insensitive_at_creation():
    user = User.objects.create_user(
        "Marie.Curie@Example.org",
        "un-mot-de-passe-solide",
        first_name="Marie",
        last_name="Curie",
        kind=UserKind.SITE_STAFF,
    )
    assert user.email == "marie.curie@example.org"


def test_audit_events_are_append_only(counsellor_a, site_a):
    event = audit_log(actor=counsellor_a, action="test.action", obj=site_a, site=site_a)
    with pytest.raises(ProgrammingError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(ProgrammingError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.action == "test.action"
    assert event.object_type == "connexions.receptionsite"
    assert event.object_id == str(site_a.pk)


def test_audit_rows_carry_their_kind(counsellor_a, site_a):
    action = audit_log(actor=counsellor_a, action="test.action", obj=site_a)
    read = audit_log(actor=counsellor_a, action="test.read", obj=site_a, kind=AuditKind.READ)
    assert action.kind == AuditKind.ACTION
    assert list(AuditEvent.objects.filter(kind=AuditKind.READ)) == [read]


def test_the_migration_marks_old_read_rows_as_reads(counsellor_a, site_a):
    migration = importlib.import_module("connexions.migrations.0002_auditevent_kind")
    old_read = audit_log(actor=counsellor_a, action="beneficiaries.file_viewed", obj=site_a)
    old_action = audit_log(actor=counsellor_a, action="sales.sale", obj=site_a)
    migration.mark_old_reads(django_apps, None)
    old_read.refresh_from_db()
    old_action.refresh_from_db()
    assert (old_read.kind, old_action.kind) == (AuditKind.READ, AuditKind.ACTION)


def test_row_history_is_recorded_and_append_only(site_a):
    site_a.city = "Pantin"
    site_a.save()
    events = site_a.events.order_by("pgh_id")
    assert [e.city for e in events][-1] == "Pantin"
    with pytest.raises(ProgrammingError), transaction.atomic():
        events.update(city="falsifié")
    with connection.cursor() as cursor, pytest.raises(ProgrammingError), transaction.atomic():
        cursor.execute("DELETE FROM connexions_receptionsiteevent")


def test_row_history_keeps_no_password(counsellor_a):
    counsellor_a.set_password("un-autre-mot-de-passe-2026")
    counsellor_a.save()
    field_names = {f.name for f in counsellor_a.events.model._meta.get_fields()}
    assert "password" not in field_names


def test_user_factory_traits(programme_admin, social_worker_a, counsellor_a):
    assert programme_admin.is_staff and programme_admin.is_programme_admin
    assert social_worker_a.is_social_worker and social_worker_a.agency is not None
    assert counsellor_a.is_site_staff and not counsellor_a.is_staff
    assert UserFactory().kind == UserKind.SITE_STAFF
