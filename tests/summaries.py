"""What the tests of the dashboard summaries share (docs/architecture.md, "Dashboard summaries"):
a figure counted live, and a figure checked to have been read from its summary."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext


def counted_live(covered, fn, **scope):
    """`fn(**scope)` counted live: the summary whose coverage row is `covered` (a model with one
    row, pk 1) is said to cover nothing for the time of the call."""
    until = covered.objects.get(pk=1).until
    covered.objects.filter(pk=1).update(until=date.min)
    try:
        return fn(**scope)
    finally:
        covered.objects.filter(pk=1).update(until=until)


def read_from(table: str, fn, **scope):
    """`fn(**scope)`, checked to have run a query naming `table` (a substring of the SQL)."""
    with CaptureQueriesContext(connection) as queries:
        result = fn(**scope)
    assert any(table in q["sql"] for q in queries.captured_queries), table
    return result
