"""A real lock timeout: another connection holds the row, the request waits `lock_timeout`,
then the user gets the French "please retry" page and nothing is written."""

import threading

import pytest
from django.db import connection, transaction

from connexions.models import AuditEvent
from sales.models import JournalHead, TillSession
from tests.conftest import client_for
from tests.sales.factories import open_till


def hold_row_lock(queryset, holding: threading.Event, release: threading.Event) -> None:
    """In a connection of its own, lock the row of `queryset` until `release` is set."""
    try:
        with transaction.atomic():
            queryset.select_for_update().get()
            holding.set()
            release.wait(timeout=10)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_lock_timeout_shows_the_retry_page_and_writes_nothing(client, manager_a, site_a):
    session = open_till(site_a, manager_a)
    JournalHead.objects.create(site=site_a)
    client_for(client, manager_a)
    url = f"/caisse/sessions/{session.pk}/cloturer/"
    assert client.post(url, {"step": "count", "counted_cash": "50"}).status_code == 302
    holding, release = threading.Event(), threading.Event()
    holder = threading.Thread(
        target=hold_row_lock,
        args=(JournalHead.objects.filter(site=site_a), holding, release),
    )
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        response = client.post(url, {})
    finally:
        release.set()
        holder.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert response.status_code == 409
    page = response.content.decode()
    assert "Veuillez réessayer" in page and "Rien n" in page
    assert TillSession.objects.get(pk=session.pk).is_open
    assert not AuditEvent.objects.filter(action="sales.till_session.closed").exists()
