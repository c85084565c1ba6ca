"""The till's steps through the test client, each with the queries it made: the query-count
tests of tests/sales and tests/demo pin them (docs/architecture.md, "The till's requests")."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

HTMX = {"HTTP_HX_REQUEST": "true"}


def _step(client, steps, name, url, data=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data or {}, **HTMX)
    assert response.status_code in (200, 204), (name, response.status_code)
    steps[name] = [query["sql"] for query in queries]
    return response


def till_steps(client, *, person, topup, device) -> dict[str, list[str]]:
    """Scan the card, add a top-up, scan a device, remove it, confirm paying cash: the SQL of
    each step, by step. The client is logged in at the till's site, its cart empty."""
    steps = {}
    _step(client, steps, "scan card", "/caisse/scanner/", {"code": person.scan_code})
    _step(client, steps, "add", "/caisse/panier/ajouter/", {"product": topup.pk})
    _step(client, steps, "scan device", "/caisse/scanner/", {"code": device.code})
    response = _step(client, steps, "remove", "/caisse/panier/retirer/1/")
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    paid = {"token": token, "cash_amount": str(topup.solidarity_price), "cash_received": "20"}
    response = _step(client, steps, "confirm", "/caisse/encaisser/", paid)
    assert response["HX-Redirect"] == "/caisse/"
    return steps


def counts(steps: dict[str, list[str]]) -> dict[str, int]:
    return {name: len(queries) for name, queries in steps.items()}
