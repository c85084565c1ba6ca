"""Row locks, taken in one order across the project (docs/architecture.md, "Lock order").

Two transactions that lock the same rows in the same order cannot deadlock: the second waits for
the first. So every service locks through these helpers, which take a rank, sort the rows by id
and remember, for the current transaction, the highest rank taken; asking for a lower rank after
a higher one raises `LockOrderError`, a programming error that the tests catch. Taking the same
rank again is allowed (two calls for counted rows, a transfer then its devices).

The order, lowest rank first:

1. `BENEFICIARY`: the person (checkout and refunds lock the buyer, then what they buy).
2. `RECORD`: one business row changed on its own or before what it moves: a referral (accepted
   for a person already enrolled, after that person), a follow-up, a mediation case, a product,
   a transfer, a stocktake by scanning (confirmed once), a sale.
3. `IDENTITY`: not a row but a key (advisory lock): an identity being enrolled, so that two
   enrolments of the same person, from two referrals, see each other (after the referral).
4. `WORKSHOP_SESSION`: a session, whose seats registrations count. Registration today locks the
   session only, not the person; the session still ranks after the beneficiary so that, if
   registration ever needs the person's row (a limit per person), it keeps the project's rule of
   locking the person first, as the till does.
5. `REGISTRATION`: registrations and their notifications (the reminder run picks them).
6. `DEVICE`, then 7. `VOUCHER`: stock units, each by id (devices before vouchers, as the till,
   refunds and transfers take them).
8. `COUNTED_STOCK`: counted-stock rows, by id.
9. `JOURNAL_HEAD`: the site's journal head (receipt counters and last hash of sales and
   refunds), then 10. `TILL_SESSION`: its till session (closing the till locks the head first,
   so no sale slips in while the totals are computed).

The follow-ups' triggers also lock the person's row themselves when a follow-up done is written:
every writer of follow-ups locks the person first, as rank 1 requires (docs/architecture.md,
"Lock order").

This module imports no app: callers pass their querysets in.
"""

import time
from contextlib import contextmanager
from enum import IntEnum

from django.db import connection, transaction


class Rank(IntEnum):
    BENEFICIARY = 1
    RECORD = 2
    IDENTITY = 3
    WORKSHOP_SESSION = 4
    REGISTRATION = 5
    DEVICE = 6
    VOUCHER = 7
    COUNTED_STOCK = 8
    JOURNAL_HEAD = 9
    TILL_SESSION = 10


class LockOrderError(RuntimeError):
    """A lock asked for out of the project's order: a bug in the calling code."""


class _HighestRank:
    """The highest rank locked in a transaction, and the savepoints around it.

    It is registered as a no-op on-commit callback, so it lives exactly as long as its
    transaction: Django forgets it once the transaction commits and discards it when the
    transaction (or the savepoint it was registered in) rolls back. Within a test case, whose
    own transaction never commits, each service's durable block is a savepoint of its own: a
    record taken under other savepoints belongs to an earlier service call."""

    def __init__(self, rank: Rank, savepoints: tuple):
        self.rank, self.savepoints = rank, savepoints

    def __call__(self):
        pass

    def covers(self, savepoints: tuple) -> bool:
        shorter = min(len(self.savepoints), len(savepoints))
        return self.savepoints[:shorter] == savepoints[:shorter]


def _savepoints_around_the_service() -> tuple:
    """The savepoints open outside the outermost durable block (none in production, where that
    block is the transaction; the test case's own in tests), or, without a durable block, all
    those open now. (`savepoint_ids[i]` is the savepoint of `atomic_blocks[i + 1]`.)"""
    blocks = connection.atomic_blocks
    depth = next((i for i, block in enumerate(blocks) if block.durable), len(blocks) - 1)
    return tuple(connection.savepoint_ids[:depth])


def _record(rank: Rank) -> None:
    if not connection.in_atomic_block:
        raise LockOrderError("Row locks are taken inside a transaction.")
    savepoints = _savepoints_around_the_service()
    held = next(
        (
            func
            for _sids, func, _robust in connection.run_on_commit
            if isinstance(func, _HighestRank) and func.covers(savepoints)
        ),
        None,
    )
    if held is None:
        transaction.on_commit(_HighestRank(rank, savepoints))
        return
    if rank < held.rank:
        raise LockOrderError(f"{rank.name} locked after {held.rank.name}.")
    held.rank = rank
    held.savepoints = min(held.savepoints, savepoints, key=len)


_switched_off = {"ranks": frozenset(), "pause": 0.0}


def _select_for_update(rank: Rank, queryset, **options):
    if rank in _switched_off["ranks"]:
        return queryset
    return queryset.select_for_update(of=("self",), **options)


def _pause(rank: Rank) -> None:
    if rank in _switched_off["ranks"]:
        time.sleep(_switched_off["pause"])


def lock_rows(rank: Rank, queryset) -> list:
    """Every row of `queryset`, locked (waiting for other transactions) in order of id."""
    _record(rank)
    rows = list(_select_for_update(rank, queryset.order_by("pk")))
    _pause(rank)
    return rows


def lock_row(rank: Rank, queryset, **lookup):
    """The one row of `queryset` matching `lookup`, locked; raises DoesNotExist like `get()`."""
    _record(rank)
    row = _select_for_update(rank, queryset).get(**lookup)
    _pause(rank)
    return row


def pick_free(rank: Rank, queryset, count: int | None = None) -> list:
    """Up to `count` rows of `queryset` (all without a count), in its own order, locked; rows
    another transaction holds are skipped rather than waited for: the way to pick a free unit."""
    _record(rank)
    picked = _select_for_update(rank, queryset, skip_locked=True)
    rows = list(picked if count is None else picked[:count])
    _pause(rank)
    return rows


def lock_keys(rank: Rank, namespace: str, keys: list[str]) -> None:
    """Transaction-level advisory locks on `keys` of `namespace`, taken in sorted order: for
    what has no row yet to lock."""
    _record(rank)
    if rank in _switched_off["ranks"]:
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", [namespace, key]
            )


@contextmanager
def locks_switched_off(*ranks: Rank, pause: float = 0.0):
    """For the control runs of the concurrency tests only: the helpers read the rows of these
    ranks without FOR UPDATE (the order is still checked), then wait `pause` seconds, as a busy
    server would between a read and its write, so the race the lock prevents shows."""
    _switched_off.update(ranks=frozenset(ranks), pause=pause)
    try:
        yield
    finally:
        _switched_off.update(ranks=frozenset(), pause=0.0)
