"""The lock order is checked within each transaction, and only within it."""

import pytest
from django.db import transaction

from connexions.locking import LockOrderError, Rank, lock_row, lock_rows, pick_free
from connexions.models import ReceptionSite
from tests.connexions.factories import ReceptionSiteFactory


@pytest.fixture
def sites(db):
    return ReceptionSite.objects.filter(
        pk__in=[ReceptionSiteFactory().pk, ReceptionSiteFactory().pk]
    )


def test_a_lower_rank_after_a_higher_one_is_refused(sites):
    with pytest.raises(LockOrderError, match="BENEFICIARY locked after JOURNAL_HEAD"):
        with transaction.atomic():
            lock_rows(Rank.JOURNAL_HEAD, sites)
            lock_row(Rank.BENEFICIARY, sites, pk=sites[0].pk)


def test_the_order_is_checked_across_nested_calls(sites):
    with pytest.raises(LockOrderError):
        with transaction.atomic():
            with transaction.atomic():
                pick_free(Rank.VOUCHER, sites, 1)
            lock_rows(Rank.DEVICE, sites)


def test_the_order_is_checked_across_the_blocks_of_one_service(sites):
    with pytest.raises(LockOrderError):
        with transaction.atomic(durable=True):
            with transaction.atomic():
                lock_rows(Rank.VOUCHER, sites)
            with transaction.atomic():
                lock_rows(Rank.DEVICE, sites)


def test_the_same_rank_again_and_higher_ranks_are_allowed(sites):
    with transaction.atomic():
        lock_rows(Rank.BENEFICIARY, sites)
        lock_rows(Rank.DEVICE, sites)
        lock_rows(Rank.DEVICE, sites)
        assert len(pick_free(Rank.VOUCHER, sites)) == 2
        lock_row(Rank.JOURNAL_HEAD, sites, pk=sites[1].pk)


def test_rows_are_locked_in_order_of_id(sites):
    with transaction.atomic():
        locked = lock_rows(Rank.RECORD, sites.order_by("-pk"))
    assert [site.pk for site in locked] == sorted(site.pk for site in sites)


def test_each_service_call_starts_afresh(sites):
    """Within a test case, whose transaction never commits, each call is its own transaction."""
    with transaction.atomic(durable=True):
        lock_rows(Rank.JOURNAL_HEAD, sites)
    with transaction.atomic(durable=True):
        lock_rows(Rank.BENEFICIARY, sites)


@pytest.mark.django_db(transaction=True)
def test_a_new_transaction_starts_afresh_after_a_commit_or_a_rollback():
    sites = ReceptionSite.objects.filter(pk=ReceptionSiteFactory().pk)
    with transaction.atomic():
        lock_rows(Rank.JOURNAL_HEAD, sites)
    with pytest.raises(LookupError):
        with transaction.atomic():
            lock_rows(Rank.JOURNAL_HEAD, sites)
            raise LookupError
    with transaction.atomic():
        lock_rows(Rank.BENEFICIARY, sites)


@pytest.mark.django_db(transaction=True)
def test_locks_are_taken_inside_a_transaction():
    with pytest.raises(LockOrderError, match="inside a transaction"):
        lock_rows(Rank.BENEFICIARY, ReceptionSite.objects.all())
