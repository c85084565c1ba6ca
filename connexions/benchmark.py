"""What `make bench` reads from each response: its SQL query count and server time.

Installed only when the environment sets `CONNEXIONS_BENCH_HEADERS` (the bench's gunicorn does;
production never does), so no production response says how it was computed
(docs/architecture.md, "Benchmark").
"""

import time

from django.db import connection

QUERY_COUNT_HEADER = "X-Query-Count"


class QueryCountMiddleware:
    """Outermost, so it counts the queries of every other middleware as well (sessions, the
    current site, the history context). A streamed body's queries run after it and are not
    counted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        response[QUERY_COUNT_HEADER] = str(queries)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response
