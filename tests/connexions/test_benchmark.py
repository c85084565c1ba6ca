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


def test_the_table_gives_the_floors_share_and_each_time_as_a_multiple_of_the_floors(capsys):
    from tests.bench import targets
    from tests.bench.client import Samples

    health = targets.row(20, "/health/", "health", Samples(ms=[1.0] * 400), 2.0, 200.0)
    floor = targets.row(
        20, targets.FLOOR, "floor", Samples(ms=[9.0] * 20, server_ms=[8.5]), 2.0, 200
    )
    confirm = targets.row(
        20, "confirm sale", "till", Samples(ms=[50.0] * 4, server_ms=[42.5], queries=[22]), 2.0, 200
    )
    assert floor["checks"] == [] and floor["ratio"] == 0.05
    assert [check.met for check in confirm["checks"]] == [False, False]  # 22 queries, 1 %
    targets.print_table([health, floor, confirm])
    printed = capsys.readouterr().out
    confirm_line = next(line for line in printed.splitlines() if "confirm sale" in line)
    assert "   42.5     5.0      22 " in confirm_line  # server time, × floor, queries
    assert (
        "With 20 user(s), a signed-in request that does nothing else reaches 5.0% of /health/'s "
        "throughput (8.5 ms of server time)"
    ) in printed
    # Without the floor's server time (a server without the bench's headers), no multiple.
    floor = targets.row(1, targets.FLOOR, "floor", Samples(ms=[9.0]), 1.0, 100.0)
    scan = targets.row(1, "scan card", "till", Samples(ms=[40.0], server_ms=[38.0]), 1.0, 100.0)
    targets.print_table([floor, scan])
    scan_line = next(line for line in capsys.readouterr().out.splitlines() if "scan card" in line)
    assert "   38.0       —       — " in scan_line
