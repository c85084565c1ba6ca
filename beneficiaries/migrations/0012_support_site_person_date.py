from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without blocking the counsellors' writes to a large table.
    atomic = False

    dependencies = [
        ("beneficiaries", "0011_followup_next_done_on"),
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
                fields=["site", "beneficiary", "date"], name="support_site_person_date"
            ),
        ),
        migrations.RunSQL("RESET statement_timeout; RESET lock_timeout", migrations.RunSQL.noop),
    ]
