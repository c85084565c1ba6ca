from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from catalogue.limits import limit_status

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FOUR_PER_30_DAYS = SimpleNamespace(max_count=4, window_days=30)
ONE_PER_24_MONTHS = SimpleNamespace(max_count=1, window_days=730)


def days_ago(days, hours=0):
    return NOW - timedelta(days=days, hours=hours)


def test_no_purchase_allows_the_full_quota():
    status = limit_status(FOUR_PER_30_DAYS, [], NOW)
    assert (status.used, status.remaining, status.next_available_at) == (0, 4, None)
    assert status.allowed
    assert status.allows(4) and not status.allows(5)


def test_purchases_inside_the_window_count():
    status = limit_status(FOUR_PER_30_DAYS, [days_ago(1), days_ago(10), days_ago(29)], NOW)
    assert (status.used, status.remaining, status.next_available_at) == (3, 1, None)


def test_purchases_older_than_the_window_do_not_count():
    status = limit_status(FOUR_PER_30_DAYS, [days_ago(30), days_ago(45), days_ago(2)], NOW)
    assert (status.used, status.remaining) == (1, 3)


def test_exhausted_quota_says_when_the_oldest_purchase_leaves_the_window():
    times = [days_ago(2), days_ago(25), days_ago(5), days_ago(12)]
    status = limit_status(FOUR_PER_30_DAYS, times, NOW)
    assert not status.allowed
    assert status.remaining == 0
    assert status.next_available_at == days_ago(25) + timedelta(days=30)


def test_at_the_announced_time_one_more_is_allowed():
    times = [days_ago(2), days_ago(25), days_ago(5), days_ago(12)]
    later = limit_status(FOUR_PER_30_DAYS, times, NOW).next_available_at
    assert limit_status(FOUR_PER_30_DAYS, times, later).remaining == 1
    just_before = later - timedelta(seconds=1)
    assert limit_status(FOUR_PER_30_DAYS, times, just_before).remaining == 0


def test_over_quota_waits_for_enough_purchases_to_leave():
    # Six purchases (the rule was tightened after some of them): three must leave before one more.
    times = [days_ago(d) for d in (1, 3, 6, 9, 20, 28)]
    status = limit_status(FOUR_PER_30_DAYS, times, NOW)
    assert (status.used, status.remaining) == (6, 0)
    assert status.next_available_at == days_ago(9) + timedelta(days=30)


def test_one_phone_per_24_months():
    status = limit_status(ONE_PER_24_MONTHS, [days_ago(400)], NOW)
    assert status.remaining == 0
    assert status.next_available_at == days_ago(400) + timedelta(days=730)
    assert limit_status(ONE_PER_24_MONTHS, [days_ago(731)], NOW).remaining == 1


@pytest.mark.parametrize("times", [[], [days_ago(3)], [days_ago(3), days_ago(3)]])
def test_input_order_and_duplicates_are_handled(times):
    status = limit_status(FOUR_PER_30_DAYS, list(reversed(times)), NOW)
    assert status.used == len(times)
