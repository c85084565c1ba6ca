"""Each follow-up's `next_done_on`, kept by the follow-ups' triggers (docs/architecture.md, "Data
at scale"): the day of the person's next follow-up done (by day, then id), None for the latest
and for a follow-up not done. The spending cohort reads it, so a wrong value would count a person
twice or not at all. Checked against the chain worked out again from the rows, after any
sequence of writes (hypothesis), and with two follow-ups of one person written at once."""

import re
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beneficiaries.models import FollowUp
from tests.beneficiaries.factories import BeneficiaryFactory, FollowUpFactory

DAY = date(2026, 3, 1)


def stored(person) -> dict[int, date | None]:
    return dict(FollowUp.objects.filter(beneficiary=person).values_list("id", "next_done_on"))


def worked_out(person) -> dict[int, date | None]:
    """The chain from the rows themselves: each follow-up done points to the next in order."""
    rows = list(FollowUp.objects.filter(beneficiary=person).values_list("id", "done_on"))
    done = sorted((day, pk) for pk, day in rows if day is not None)
    chain = {pk: None for pk, _ in rows}
    for (_, pk), (next_day, _) in zip(done, done[1:], strict=False):
        chain[pk] = next_day
    return chain


def done(person, day):
    return FollowUpFactory(beneficiary=person, done=True, due_on=day, done_on=day)


@pytest.mark.django_db
def test_the_chain_follows_inserts_in_any_order_moves_undos_and_deletions():
    person = BeneficiaryFactory()
    planned = FollowUpFactory(beneficiary=person, due_on=DAY)
    april = done(person, DAY + timedelta(days=31))
    march = done(person, DAY)  # recorded after April, done before it
    march.refresh_from_db()
    assert march.next_done_on == april.done_on
    assert stored(person) == worked_out(person)
    assert stored(person)[april.pk] is None and stored(person)[planned.pk] is None
    # Two on the same day: the one with the larger id is the later one.
    same_day = done(person, DAY)
    assert stored(person)[march.pk] == DAY and stored(person)[same_day.pk] == april.done_on
    # A note changed on a follow-up loaded before a later one was recorded: Django writes back
    # the value it holds in memory (none), the trigger keeps the row's own.
    stale = FollowUp.objects.get(pk=april.pk)
    may = done(person, DAY + timedelta(days=61))
    stale.notes = "Rappel"
    stale.save()
    assert stored(person)[april.pk] == may.done_on
    may.delete()
    # A day moved, with the stale value Django holds in memory written back: the triggers win.
    march.done_on = DAY + timedelta(days=60)
    march.save()
    assert stored(person) == worked_out(person)
    # Undone, deleted.
    april.done_on = None
    april.save()
    assert stored(person) == worked_out(person)
    same_day.delete()
    assert (
        stored(person) == worked_out(person) == {planned.pk: None, april.pk: None, march.pk: None}
    )
    # Another person's chain is their own.
    other = BeneficiaryFactory()
    done(other, DAY - timedelta(days=1))
    assert stored(person) == worked_out(person)


@pytest.mark.django_db
def test_a_follow_up_cannot_move_to_another_person():
    follow_up = done(BeneficiaryFactory(), DAY)
    follow_up.beneficiary = BeneficiaryFactory()
    with pytest.raises(ProgrammingError), transaction.atomic():
        follow_up.save()


WRITES = st.lists(
    st.tuples(
        st.sampled_from(["record", "plan", "move", "undo", "delete"]),
        st.integers(0, 9),  # which follow-up (modulo how many there are)
        st.integers(0, 6),  # the day, among a week: same days are frequent
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.django_db
def test_the_chain_matches_the_rows_after_any_sequence_of_writes():
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(WRITES)
    def writes_keep_the_chain(writes):
        person = BeneficiaryFactory()
        for action, which, day in writes:
            on = DAY + timedelta(days=day)
            follow_ups = list(FollowUp.objects.filter(beneficiary=person).order_by("id"))
            target = follow_ups[which % len(follow_ups)] if follow_ups else None
            if action == "record" or target is None:
                done(person, on)
            elif action == "plan":
                FollowUpFactory(beneficiary=person, due_on=on)
            elif action == "move":
                target.done_on, target.monthly_spending = on, target.monthly_spending or 5
                target.recorded_by = person.enrolled_by
                target.save()
            elif action == "undo":
                target.done_on = None
                target.save()
            else:
                target.delete()
            assert stored(person) == worked_out(person)

    writes_keep_the_chain()


# --- two follow-ups of one person written at once ----------------------------------------------


def _lock_wait_seen(timeout=5.0) -> bool:
    """Whether another connection waits for a lock (polled, up to `timeout`)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.02)
    return False


def _written_at_once(person, first_day, second_day) -> bool:
    """The first follow-up written and its transaction held open while a second connection
    writes the second; then the first commits. Says whether the second waited for it."""
    first_written, release = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                done(person, first_day)
                first_written.set()
                release.wait(timeout=10)
        except Exception as exc:  # noqa: BLE001 - kept for the test to see
            errors.append(exc)
        finally:
            first_written.set()
            connection.close()

    def second():
        try:
            first_written.wait(timeout=10)
            with transaction.atomic():
                done(person, second_day)
        except Exception as exc:  # noqa: BLE001 - kept for the test to see
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    first_written.wait(timeout=10)
    threads[1].start()
    waited = _lock_wait_seen(timeout=3)
    release.set()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    return waited


@contextmanager
def chain_lock_removed():
    """The follow-ups' triggers' functions (the chain's two and the copy of the person) without
    their lock of the person, restored afterwards: the control run, which shows the test fails
    without the lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_functiondef(oid) FROM pg_proc WHERE prosrc LIKE %s",
            ["%FROM beneficiaries_beneficiary WHERE id = %FOR NO KEY UPDATE%"],
        )
        originals = [row[0] for row in cursor.fetchall()]
        assert len(originals) == 3
        for definition in originals:
            unlocked = re.sub(r"PERFORM 1 FROM beneficiaries_beneficiary [^;]*;", "", definition)
            unlocked = unlocked.replace(" FOR NO KEY UPDATE", "")
            assert unlocked != definition
            cursor.execute(unlocked)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for definition in originals:
                cursor.execute(definition)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("later_first", [False, True], ids=["in order", "later one first"])
@pytest.mark.parametrize("lock", [True, False], ids=["with the lock", "control: without"])
def test_two_follow_ups_of_one_person_written_at_once_leave_one_latest(lock, later_first):
    person = BeneficiaryFactory()
    march, april = DAY, DAY + timedelta(days=31)
    days = (april, march) if later_first else (march, april)
    if lock:
        assert _written_at_once(person, *days)  # the second waited for the first
        assert stored(person) == worked_out(person)
        assert sorted(stored(person).values(), key=str) == [april, None]
    else:
        with chain_lock_removed():
            assert not _written_at_once(person, *days)
        # Neither saw the other: both look like the latest, the person would count twice.
        assert list(stored(person).values()) == [None, None]
        assert stored(person) != worked_out(person)
