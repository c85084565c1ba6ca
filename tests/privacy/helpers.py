"""Where a person's identity can still be found: every table of the database, row by row."""

from django.db import connection

from beneficiaries.models import Beneficiary


def identity_strings(beneficiary: Beneficiary, *extra: str) -> list[str]:
    """What must disappear: names, birth date (day and month), phone, e-mail, city, notes."""
    b = beneficiary
    found = [b.first_name, b.last_name, b.birth_date.isoformat(), b.email, b.city, *extra]
    if b.phone:
        found += [b.phone.as_e164]
    return [text for text in found if text]


def tables_mentioning(text: str) -> list[str]:
    """The tables where some row's text contains `text` (case-insensitive)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'"
            " ORDER BY tablename"
        )
        tables = [name for (name,) in cursor.fetchall()]
        found = []
        for table in tables:
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {table} t WHERE t::text ILIKE %s)",
                [f"%{text}%"],
            )
            if cursor.fetchone()[0]:
                found.append(table)
    return found
