from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without blocking the counsellors' writes to a large table.
    atomic = False

    dependencies = [
        ("beneficiaries", "0013_followup_person_copy"),
    ]

    operations = [
        # Outside a transaction, so for the session: the build waits for the open transactions
        # and reads every session, longer than a page's limits allow; put back after.
        migrations.RunSQL(
            "SET statement_timeout = 0; SET lock_timeout = 0", migrations.RunSQL.noop
        ),
        AddIndexConcurrently(
            model_name="supportsession",
            index=models.Index(
                fields=["beneficiary", "date"], include=["site"], name="support_person_date"
            ),
        ),
        AddIndexConcurrently(
            model_name="supportsession",
            index=models.Index(fields=["date"], name="support_date"),
        ),
        # The foreign key's own index, which the new one leads with, dropped without blocking
        # either (its name is Django's, the same in every database).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="supportsession",
                    name="beneficiary",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="support_sessions",
                        to="beneficiaries.beneficiary",
                        verbose_name="beneficiary",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX CONCURRENTLY IF EXISTS "
                    "beneficiaries_supportsession_beneficiary_id_937309a4",
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS "
                    "beneficiaries_supportsession_beneficiary_id_937309a4 "
                    "ON beneficiaries_supportsession (beneficiary_id)",
                ),
            ],
        ),
        migrations.RunSQL("RESET statement_timeout; RESET lock_timeout", migrations.RunSQL.noop),
    ]
