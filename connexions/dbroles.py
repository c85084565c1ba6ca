"""The two database roles of a production install (docs/architecture.md, "Database roles").

The owner owns the schema and every object in it and runs migrations; the application role, used
by the web and worker processes, owns nothing and may only read and write rows. Append-only rows
are guarded by privileges, not only by triggers: pgtrigger's triggers skip themselves when the
session sets `pgtrigger.ignore`, which any role may set, so the application role gets no UPDATE or
DELETE privilege where a trigger forbids them. Each step runs only when needed, so the set-up is
safe to run twice, and the owner itself may re-run it after migrations.
"""

import re
from dataclasses import dataclass

import pgtrigger
from django.db import connection, transaction

SCHEMA = "public"
ROW_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
# A role name is spliced into SQL: only plain lower-case identifiers are accepted.
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# The application role's attributes (pg_roles column: keyword), whether it is created here or
# already exists: it logs in, and is nothing more.
APP_ROLE_ATTRIBUTES = {
    "rolcanlogin": "LOGIN",
    "rolsuper": "NOSUPERUSER",
    "rolcreaterole": "NOCREATEROLE",
    "rolcreatedb": "NOCREATEDB",
    "rolreplication": "NOREPLICATION",
    "rolbypassrls": "NOBYPASSRLS",
}
APP_ROLE_WANTED = {column: keyword == "LOGIN" for column, keyword in APP_ROLE_ATTRIBUTES.items()}
RELATION_KINDS = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "S": "SEQUENCE",
}
# Objects an extension created stay the extension's; a column's sequence follows its table.
NOT_EXTENSION_MEMBER = (
    "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"
)
NOT_COLUMN_SEQUENCE = (
    "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid"
    " AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))"
)


class RoleSetupError(Exception):
    pass


@dataclass(frozen=True)
class RoleSetup:
    owner: str
    app: str
    append_only_tables: list[str]


def withheld_privileges() -> dict[str, set[str]]:
    """Per table, the row privileges an unconditional `pgtrigger.Protect` forbids: UPDATE and
    DELETE on append-only tables (audit, journal, ledger, prices, stocktakes, history events),
    DELETE only on the journal heads and till sessions. Derived from the models, so a new
    protected model is covered without editing a list."""
    withheld: dict[str, set[str]] = {}
    for model, trigger in pgtrigger.registered():
        if isinstance(trigger, pgtrigger.Protect) and trigger.condition is None:
            operations = set(str(trigger.operation).split(" OR ")) & set(ROW_PRIVILEGES)
            withheld.setdefault(model._meta.db_table, set()).update(operations)
    return withheld


def setup_database_roles(
    *, owner: str, app: str, owner_password: str | None = None, app_password: str | None = None
) -> RoleSetup:
    for name in (owner, app):
        if not ROLE_NAME.fullmatch(name):
            raise RoleSetupError(f"Invalid role name {name!r}: use lower-case letters, digits, _.")
    if owner == app:
        raise RoleSetupError("The owner and the application role must differ.")
    with transaction.atomic(), connection.cursor() as cursor:
        _ensure_owner(cursor, owner, owner_password)
        _ensure_app_role(cursor, app, app_password)
        _hand_schema_to_owner(cursor, owner)
        append_only = _grant_app_role(cursor, owner, app)
    return RoleSetup(owner=owner, app=app, append_only_tables=append_only)


def _role(cursor, name):
    cursor.execute(
        f"SELECT {', '.join(APP_ROLE_ATTRIBUTES)} FROM pg_roles WHERE rolname = %s", [name]
    )
    row = cursor.fetchone()
    return dict(zip(APP_ROLE_ATTRIBUTES, row, strict=True)) if row else None


def _set_password(cursor, name, password):
    if password:
        cursor.execute(f"ALTER ROLE {name} PASSWORD %s", [password])


def _ensure_owner(cursor, owner, password):
    role = _role(cursor, owner)
    if role is None:
        cursor.execute(f"CREATE ROLE {owner} LOGIN")
    elif not role["rolcanlogin"]:
        cursor.execute(f"ALTER ROLE {owner} LOGIN")
    _set_password(cursor, owner, password)
    # CREATE on the database lets the owner's first migration create the (trusted) extensions.
    _grant_on_database(cursor, owner, ["CONNECT", "CREATE"])


def _grant_on_database(cursor, role, privileges):
    for privilege in privileges:
        cursor.execute(
            "SELECT current_database(), has_database_privilege(%s, current_database(), %s)",
            [role, privilege],
        )
        database, granted = cursor.fetchone()
        if not granted:
            quoted = connection.ops.quote_name(database)
            cursor.execute(f"GRANT {privilege} ON DATABASE {quoted} TO {role}")


def _ensure_app_role(cursor, app, password):
    role = _role(cursor, app)
    wanted = " ".join(APP_ROLE_ATTRIBUTES.values())
    if role is None:
        cursor.execute(f"CREATE ROLE {app} {wanted}")
    elif role != APP_ROLE_WANTED:
        cursor.execute(f"ALTER ROLE {app} {wanted}")
    _set_password(cursor, app, password)
    _grant_on_database(cursor, app, ["CONNECT"])
    # A member of another role would inherit its privileges: nothing here could vouch for them.
    cursor.execute(
        "SELECT string_agg(granted.rolname, ', ') FROM pg_auth_members m"
        " JOIN pg_roles member ON member.oid = m.member"
        " JOIN pg_roles granted ON granted.oid = m.roleid WHERE member.rolname = %s",
        [app],
    )
    memberships = cursor.fetchone()[0]
    if memberships:
        raise RoleSetupError(f"The application role {app} is a member of: {memberships}.")


def _hand_schema_to_owner(cursor, owner):
    """The owner owns the schema and everything in it but extensions' objects, so that its
    migrations may alter any table, and nothing is left owned by the application role."""
    cursor.execute(
        "SELECT nspowner::regrole::text <> %s FROM pg_namespace WHERE nspname = %s",
        [owner, SCHEMA],
    )
    if cursor.fetchone()[0]:
        cursor.execute(f"ALTER SCHEMA {SCHEMA} OWNER TO {owner}")
    # Nobody else creates objects in the schema (PostgreSQL before 15 lets everyone).
    cursor.execute(f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC")
    cursor.execute(
        "SELECT c.relkind, c.oid::regclass::text"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
        f" AND c.relowner::regrole::text <> %s AND {NOT_COLUMN_SEQUENCE}"
        f" AND {NOT_EXTENSION_MEMBER.format(oid='c.oid')}",
        [SCHEMA, owner],
    )
    statements = [
        f"ALTER {RELATION_KINDS[kind]} {name} OWNER TO {owner}" for kind, name in cursor.fetchall()
    ]
    cursor.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = %s AND p.proowner::regrole::text <> %s"
        f" AND {NOT_EXTENSION_MEMBER.format(oid='p.oid')}",
        [SCHEMA, owner],
    )
    statements += [f"ALTER ROUTINE {name} OWNER TO {owner}" for (name,) in cursor.fetchall()]
    for statement in statements:
        cursor.execute(statement)


def _grant_app_role(cursor, owner, app):
    """Row privileges on every table but those a trigger protects; sequences for inserts; the
    same by default on what later migrations create (a re-run then withholds the protected
    ones). No TRUNCATE, REFERENCES or TRIGGER anywhere."""
    rows = ", ".join(ROW_PRIVILEGES)
    for statement in (
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {app}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM PUBLIC, {app}",
        f"GRANT {rows} ON ALL TABLES IN SCHEMA {SCHEMA} TO {app}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {SCHEMA} FROM PUBLIC, {app}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {SCHEMA}"
        f" GRANT {rows} ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {SCHEMA}"
        f" GRANT USAGE, SELECT ON SEQUENCES TO {app}",
    ):
        cursor.execute(statement)
    existing = set(connection.introspection.table_names(cursor))
    append_only = []
    for table, privileges in sorted(withheld_privileges().items()):
        # A table a later migration creates is covered by the re-run after that migration.
        if table in existing:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"REVOKE {', '.join(sorted(privileges))} ON {quoted} FROM {app}")
            if {"UPDATE", "DELETE"} <= privileges:
                append_only.append(table)
    return append_only
