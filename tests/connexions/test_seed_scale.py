"""`seed_scale`: what the bulk writer leaves checks out like data written through the services
(the till journals verify, every site's stock equals its ledger, each row has its history)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import TestCase

from beneficiaries.enums import ReferralStatus
from beneficiaries.follow_up_chain import COPIED, column
from beneficiaries.models import Beneficiary, FollowUp, Referral
from sales.models import Refund, Sale, SaleLine, TillSession

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for this module, in a transaction rolled back at its end (as tests/demo)."""
    with django_db_blocker.unblock():
        atomics = TestCase._enter_atomics()
        try:
            out = io.StringIO()
            call_command("seed_scale", people=200, stdout=out)
            yield out.getvalue()
        finally:
            TestCase._rollback_atomics(atomics)


def test_journal_and_ledger_check_out(seeded):
    call_command("verify_journal", stdout=io.StringIO())
    call_command("catalogue_check_ledger", stdout=io.StringIO())
    assert Sale.objects.exists() and Refund.objects.exists()
    # Each site's chain links every entry to the previous one, sales and refunds interleaved.
    for sale in Sale.objects.filter(journal_number__gt=1).order_by("?")[:20]:
        previous = Sale.objects.filter(site=sale.site, journal_number=sale.journal_number - 1)
        previous = previous.first() or Refund.objects.get(
            site=sale.site, journal_number=sale.journal_number - 1
        )
        assert sale.previous_hash == previous.hash


def test_sizes_and_variety(seeded):
    assert Beneficiary.objects.count() == 200
    assert 1500 <= SaleLine.objects.count() <= 2500  # about 10 lines per person
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert FollowUp.objects.filter(done_on__isnull=True).exists()
    assert FollowUp.objects.filter(done_on__isnull=False).exists()
    assert not TillSession.objects.filter(closed_at__isnull=True).exists()
    assert "rows in" in seeded


def test_history_has_one_insert_event_per_row(seeded):
    events = Beneficiary.pgh_event_model.objects
    assert events.filter(pgh_label="insert").count() == Beneficiary.objects.count()
    person = Beneficiary.objects.order_by("?").first()
    event = events.get(pgh_obj_id=person.pk)
    assert (event.last_name, event.phone, event.enrolled_on) == (
        person.last_name,
        person.phone,
        person.enrolled_on,
    )


def test_follow_ups_carry_what_their_triggers_would_write(seeded):
    """The writer runs with the triggers off as a superuser: it sets the copy of the person's
    enrolment and the day of their next follow-up done (by day, then id) itself."""
    assert FollowUp.objects.filter(next_done_on__isnull=False).exists()
    copied = " OR ".join(
        f"f.{column(copy)} IS DISTINCT FROM b.{column(source)}" for source, copy in COPIED.items()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM beneficiaries_followup f "
            "JOIN beneficiaries_beneficiary b ON b.id = f.beneficiary_id "
            "LEFT JOIN (SELECT id, lead(done_on) OVER (PARTITION BY beneficiary_id "
            "ORDER BY done_on, id) AS next FROM beneficiaries_followup "
            "WHERE done_on IS NOT NULL) chain ON chain.id = f.id "
            f"WHERE {copied} OR f.next_done_on IS DISTINCT FROM chain.next"
        )
        assert cursor.fetchone()[0] == 0


def test_refuses_a_database_that_has_people(seeded):
    with pytest.raises(CommandError, match="empty database"):
        call_command("seed_scale", people=10, stdout=io.StringIO())
