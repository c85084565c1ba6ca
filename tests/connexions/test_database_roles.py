"""The application role of a production install cannot change append-only rows, whatever it sets.

Tests run as a superuser; these connect a second time, as the application role the command made.
"""

import secrets
from io import StringIO

import pghistory.models
import psycopg
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import errors

from connexions.dbroles import withheld_privileges
from sales.models import JournalHead
from tests.connexions.factories import ReceptionSiteFactory

AUDIT = "connexions_auditevent"
INSERT_AUDIT = (
    f"INSERT INTO {AUDIT} (at, action, kind, object_type, object_id, data)"
    " VALUES (now(), 'connexions.role.checked', 'action', '', '', '{}') RETURNING id"
)


@pytest.fixture
def roles(transactional_db):
    """Two roles made by the command, run twice; dropped at the end (roles are cluster-wide)."""
    suffix = secrets.token_hex(4)
    owner, app = f"cx_test_owner_{suffix}", f"cx_test_app_{suffix}"
    password = secrets.token_urlsafe(16)  # used where the server asks for one, ignored on trust
    try:
        for _ in range(2):
            call_command(
                "setup_database_roles",
                owner=owner,
                app=app,
                app_password=password,
                stdout=StringIO(),
            )
        yield owner, app, password
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolname FROM pg_roles WHERE rolname IN (%s, %s)", [owner, app])
            for (role,) in cursor.fetchall():
                cursor.execute(f"REASSIGN OWNED BY {role} TO CURRENT_USER")
                cursor.execute(f"DROP OWNED BY {role}")
                cursor.execute(f"DROP ROLE {role}")


@pytest.fixture
def as_app(roles):
    _, app, password = roles
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=app,
        password=password,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
    ) as app_connection:
        yield app_connection


def test_append_only_tables_are_derived_from_the_protecting_triggers():
    withheld = withheld_privileges()
    events = [
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and not model._meta.proxy
    ]
    assert events
    ledger = ["sales_sale", "sales_saleline", "sales_payment", "sales_refund"]
    ledger += ["sales_refundline", "catalogue_stockmovement", "catalogue_productprice"]
    ledger += ["catalogue_stocktake", "catalogue_stocktakeline", AUDIT]
    for table in ledger + events:
        assert withheld[table] == {"UPDATE", "DELETE"}, table
    # The journal head and the till session change, but are never deleted.
    assert withheld["sales_journalhead"] == withheld["sales_tillsession"] == {"DELETE"}
    assert "catalogue_countedstock" not in withheld


@pytest.mark.parametrize(
    ("owner", "app"), [("cx_owner", "cx_owner"), ("cx_owner", "app; DROP TABLE x"), ("", "cx")]
)
def test_the_command_refuses_unusable_role_names(owner, app):
    with pytest.raises(CommandError):
        call_command("setup_database_roles", owner=owner, app=app, stdout=StringIO())


def test_no_truncate_trigger_anywhere(db):
    """The test flush empties tables with TRUNCATE: a trigger on it would break every test."""
    with connection.cursor() as cursor:
        # Bit 5 of tgtype marks a TRUNCATE trigger.
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgtype & 32 <> 0")
        assert cursor.fetchall() == []


def test_the_application_role_owns_nothing_and_may_truncate_nothing(roles):
    owner, app, _ = roles
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls OR NOT rolcanlogin"
            " FROM pg_roles WHERE rolname = %s",
            [app],
        )
        assert cursor.fetchone() == (False,)
        cursor.execute(
            "SELECT c.relname, c.relowner::regrole::text, has_table_privilege(%s, c.oid,"
            " 'UPDATE'), has_table_privilege(%s, c.oid, 'DELETE'),"
            " has_table_privilege(%s, c.oid, 'TRUNCATE, REFERENCES, TRIGGER')"
            " FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'",
            [app, app, app],
        )
        tables = {name: rest for name, *rest in cursor.fetchall()}
    assert {table_owner for table_owner, *_ in tables.values()} == {owner}
    assert not any(other for *_, other in tables.values())
    for table, withheld in withheld_privileges().items():
        _, may_update, may_delete, _ = tables[table]
        assert may_update == ("UPDATE" not in withheld), table
        assert may_delete == ("DELETE" not in withheld), table


def test_the_application_role_cannot_change_an_append_only_row(as_app):
    audit_id = as_app.execute(INSERT_AUDIT).fetchone()[0]
    assert as_app.execute(f"SELECT count(*) FROM {AUDIT} WHERE id = %s", [audit_id]).fetchone()
    update = f"UPDATE {AUDIT} SET action = 'connexions.role.forged' WHERE id = {audit_id}"
    for statement in (update, f"DELETE FROM {AUDIT} WHERE id = {audit_id}", f"TRUNCATE {AUDIT}"):
        with pytest.raises(errors.InsufficientPrivilege):
            as_app.execute(statement)
    with pytest.raises(errors.InsufficientPrivilege):
        as_app.execute("SET session_replication_role = replica")
    # pgtrigger's triggers skip themselves for the names in this setting, which any role may
    # set; the missing privilege still refuses the update.
    as_app.execute(f"SET pgtrigger.ignore = '{{{audit_trigger_name()}}}'")
    with pytest.raises(errors.InsufficientPrivilege):
        as_app.execute(update)
    with pytest.raises(errors.InsufficientPrivilege):
        as_app.execute(f"ALTER TABLE {AUDIT} DISABLE TRIGGER ALL")
    assert as_app.execute(f"SELECT action FROM {AUDIT} WHERE id = {audit_id}").fetchone() == (
        "connexions.role.checked",
    )
    # Control: for a role with the privilege, the setting does get past the trigger.
    as_app.execute("RESET pgtrigger.ignore")
    with connection.cursor() as cursor:
        cursor.execute(f"SET pgtrigger.ignore = '{{{audit_trigger_name()}}}'")
        cursor.execute(update)
        cursor.execute("RESET pgtrigger.ignore")
    assert as_app.execute(f"SELECT action FROM {AUDIT} WHERE id = {audit_id}").fetchone() == (
        "connexions.role.forged",
    )


def audit_trigger_name():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [AUDIT],
        )
        (name,) = cursor.fetchone()
    return name


def test_the_application_role_updates_ordinary_rows_and_the_journal_head(as_app):
    site = ReceptionSiteFactory()
    head = JournalHead.objects.create(site=site)
    updated = as_app.execute(
        "UPDATE connexions_receptionsite SET city = 'Lyon' WHERE id = %s", [site.pk]
    )
    assert updated.rowcount == 1
    updated = as_app.execute(
        "UPDATE sales_journalhead SET last_number = 1 WHERE id = %s", [head.pk]
    )
    assert updated.rowcount == 1
    with pytest.raises(errors.InsufficientPrivilege):
        as_app.execute("DELETE FROM sales_journalhead WHERE id = %s", [head.pk])
