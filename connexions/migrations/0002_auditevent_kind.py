import pgtrigger
from django.db import migrations, models

# The read action names in use before audit rows carried their kind.
READ_ACTIONS = ["beneficiaries.file_viewed"]


def mark_old_reads(apps, schema_editor):
    AuditEvent = apps.get_model("connexions", "AuditEvent")
    # Audit rows are append-only; this one-time backfill is the owner's, in a migration.
    with pgtrigger.ignore("connexions.AuditEvent:audit_append_only"):
        AuditEvent.objects.filter(action__in=READ_ACTIONS).update(kind="read")


class Migration(migrations.Migration):
    dependencies = [
        ("connexions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="kind",
            field=models.CharField(
                choices=[("read", "read of a personal file"), ("action", "action")],
                default="action",
                max_length=10,
                verbose_name="kind",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(mark_old_reads, migrations.RunPython.noop),
    ]
