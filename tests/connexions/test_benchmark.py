"""The bench's middleware (connexions/benchmark.py): `make bench` reads its headers; production
settings never install it."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

MIDDLEWARE = "connexions.benchmark.QueryCountMiddleware"


def test_bench_headers_give_the_query_count_and_server_time(client, settings, counsellor_a):
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    client.force_login(counsellor_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", secure=True)
    assert response.status_code == 200
    assert response["X-Query-Count"] == str(len(queries)) != "0"
    assert response["Server-Timing"].startswith("app;dur=")


def test_only_the_bench_installs_it(client):
    assert MIDDLEWARE not in settings.MIDDLEWARE
    response = client.get("/health/")
    assert "X-Query-Count" not in response and "Server-Timing" not in response
