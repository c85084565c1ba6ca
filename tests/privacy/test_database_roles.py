"""The application role reaches append-only rows only through the retention functions, and those
change nothing but what retention must."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from psycopg import errors

from beneficiaries.enums import AuditAction, ErasureReason
from beneficiaries.retention import beneficiary_anonymise
from connexions.enums import AuditKind
from connexions.models import AuditEvent
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.connexions.factories import UserFactory
from tests.connexions.test_database_roles import as_app, roles  # noqa: F401 (fixtures)

EVENTS = "beneficiaries_beneficiaryevent"


def test_the_application_role_cannot_rewrite_history_itself(as_app):  # noqa: F811
    person = BeneficiaryFactory(last_name="Quincampoix", birth_date=date(1984, 7, 23))
    for statement in (
        f"UPDATE {EVENTS} SET last_name = 'x' WHERE pgh_obj_id = {person.pk}",
        f"DELETE FROM {EVENTS} WHERE pgh_obj_id = {person.pk}",
        "SELECT privacy_ignore_triggers('beneficiaries_beneficiaryevent')",
    ):
        with pytest.raises(errors.InsufficientPrivilege):
            as_app.execute(statement)
    # A live file's history is refused; no read row younger than six months may go.
    with pytest.raises(errors.CheckViolation):
        as_app.execute("SELECT privacy_scrub_beneficiary_history(%s)", [person.pk])
    with pytest.raises(errors.CheckViolation):
        as_app.execute("SELECT privacy_purge_read_audit(now())")
    count = f"SELECT count(*) FROM {EVENTS} WHERE pgh_obj_id = %s AND last_name = 'Quincampoix'"
    assert as_app.execute(count, [person.pk]).fetchone()[0] >= 1


def test_the_application_role_runs_the_retention_functions(as_app):  # noqa: F811
    person = BeneficiaryFactory(last_name="Quincampoix")
    beneficiary_anonymise(
        beneficiary=person, reason=ErasureReason.PERSON_REQUEST, actor=UserFactory()
    )
    # Scrubbing again, as the application role, is allowed and finds nothing left to change.
    as_app.execute("SELECT privacy_scrub_beneficiary_history(%s)", [person.pk])
    count = f"SELECT count(*) FROM {EVENTS} WHERE last_name = 'Quincampoix'"
    assert as_app.execute(count).fetchone()[0] == 0

    old = AuditEvent.objects.create(
        action=AuditAction.FILE_VIEWED,
        kind=AuditKind.READ,
        at=timezone.now() - timedelta(days=400),
    )
    action = AuditEvent.objects.create(
        action=AuditAction.BENEFICIARY_ANONYMISED,
        kind=AuditKind.ACTION,
        at=timezone.now() - timedelta(days=400),
    )
    before = timezone.now() - timedelta(days=365)
    assert as_app.execute("SELECT privacy_purge_read_audit(%s)", [before]).fetchone()[0] == 1
    ids = set(AuditEvent.objects.values_list("pk", flat=True))
    assert old.pk not in ids and action.pk in ids
