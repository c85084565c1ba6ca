from django.db import migrations

# See connexions/search.py. Names are schema-qualified so that the function works whatever the
# search_path (a restore, autovacuum) and stays inlinable (no SET clause).
CREATE = """
CREATE OR REPLACE FUNCTION connexions_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1) $$;
"""


def create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(n.nspname) FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
        )
        schema = cursor.fetchone()[0]
    schema_editor.execute(CREATE.format(schema=schema))


def drop(apps, schema_editor):
    schema_editor.execute("DROP FUNCTION IF EXISTS connexions_unaccent(text)")


class Migration(migrations.Migration):
    dependencies = [("connexions", "0003_password_reset_request")]

    operations = [migrations.RunPython(create, drop)]
