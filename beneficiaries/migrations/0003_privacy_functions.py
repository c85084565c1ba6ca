"""The only paths by which an append-only table loses personal data (docs/architecture.md,
"Personal data"). Each function runs with its owner's rights (SECURITY DEFINER: the owner role
in production), bypasses the tables' append-only triggers for its own statements only, and
changes nothing but what retention must:

- `privacy_scrub_beneficiary_history(person)` and `privacy_scrub_referral_history(ids)` copy the
  identity columns of the current, already anonymised row into that row's history events; a row
  not anonymised is refused (beneficiary) or skipped (referrals), so no caller can rewrite the
  history of a live file or write values of its own;
- `privacy_purge_read_audit(before)` deletes audit rows of kind `read` older than `before`, and
  refuses a limit less than six months old.
"""

from django.db import migrations

IGNORE_TRIGGERS = """
CREATE FUNCTION privacy_ignore_triggers(target regclass) RETURNS void
LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT set_config(
        'pgtrigger.ignore',
        coalesce(
            (SELECT '{' || string_agg(tgname, ',') || '}' FROM pg_trigger
             WHERE tgrelid = target AND NOT tgisinternal),
            ''
        ),
        true
    );
$$;
REVOKE ALL ON FUNCTION privacy_ignore_triggers(regclass) FROM PUBLIC;
"""

SCRUB_BENEFICIARY = """
CREATE FUNCTION privacy_scrub_beneficiary_history(person bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    current_row beneficiaries_beneficiary%ROWTYPE;
    changed integer;
BEGIN
    SELECT * INTO current_row FROM beneficiaries_beneficiary WHERE id = person;
    IF NOT FOUND OR current_row.anonymised_at IS NULL THEN
        RAISE EXCEPTION 'beneficiary % is not anonymised', person
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM privacy_ignore_triggers('beneficiaries_beneficiaryevent');
    UPDATE beneficiaries_beneficiaryevent SET
        first_name = current_row.first_name,
        last_name = current_row.last_name,
        birth_date = current_row.birth_date,
        phone = current_row.phone,
        email = current_row.email,
        city = current_row.city
    WHERE pgh_obj_id = person;
    GET DIAGNOSTICS changed = ROW_COUNT;
    PERFORM set_config('pgtrigger.ignore', '', true);
    RETURN changed;
END;
$$;
"""

SCRUB_REFERRALS = """
CREATE FUNCTION privacy_scrub_referral_history(referrals bigint[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    changed integer;
BEGIN
    PERFORM privacy_ignore_triggers('beneficiaries_referralevent');
    UPDATE beneficiaries_referralevent AS event SET
        first_name = referral.first_name,
        last_name = referral.last_name,
        birth_date = referral.birth_date,
        phone = referral.phone,
        email = referral.email,
        city = referral.city
    FROM beneficiaries_referral AS referral
    WHERE event.pgh_obj_id = referral.id
        AND referral.id = ANY(referrals)
        AND referral.anonymised_at IS NOT NULL;
    GET DIAGNOSTICS changed = ROW_COUNT;
    PERFORM set_config('pgtrigger.ignore', '', true);
    RETURN changed;
END;
$$;
"""

PURGE_READ_AUDIT = """
CREATE FUNCTION privacy_purge_read_audit(before timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    deleted integer;
BEGIN
    IF before > now() - interval '6 months' THEN
        RAISE EXCEPTION 'read-audit rows are kept at least six months'
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM privacy_ignore_triggers('connexions_auditevent');
    DELETE FROM connexions_auditevent WHERE kind = 'read' AND at < before;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    PERFORM set_config('pgtrigger.ignore', '', true);
    RETURN deleted;
END;
$$;
"""

DROP = """
DROP FUNCTION privacy_purge_read_audit(timestamptz);
DROP FUNCTION privacy_scrub_referral_history(bigint[]);
DROP FUNCTION privacy_scrub_beneficiary_history(bigint);
DROP FUNCTION privacy_ignore_triggers(regclass);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0002_anonymisation_fields"),
        ("connexions", "0003_password_reset_request"),
    ]

    operations = [
        migrations.RunSQL(
            IGNORE_TRIGGERS + SCRUB_BENEFICIARY + SCRUB_REFERRALS + PURGE_READ_AUDIT,
            reverse_sql=DROP,
        )
    ]
