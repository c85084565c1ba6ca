"""What the impact dashboard's monthly summaries share (`sales.summaries`,
`beneficiaries.summaries`; docs/architecture.md, "Dashboard summaries"): how a rebuild runs."""

from contextlib import contextmanager
from datetime import date

from django.db import connection, transaction
from django.utils import timezone


@contextmanager
def rebuilding(covered_model, until: date):
    """A summary's rebuild: one transaction, without the pages' limits (it reads the whole
    history, not the 30 s a page may take, and waits for another rebuild to end, not the 5 s a
    page may wait for a lock), its coverage row (`covered_model`, one row) locked first so two
    rebuilds wait for each other, and set to cover every month before `until` at the end."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute("SET LOCAL lock_timeout = 0")
        covered, _ = covered_model.objects.select_for_update().get_or_create(
            pk=1, defaults={"until": date.min}
        )
        yield
        covered.until, covered.refreshed_at = until, timezone.now()
        covered.save()
