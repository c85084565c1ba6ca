"""Purchase limits: the pure part. The till counts a person's past purchases (sale lines not
refunded, one time per unit) and asks here what the rule allows."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LimitStatus:
    max_count: int
    window_days: int
    used: int  # purchases inside the rolling window
    remaining: int  # how many more may be bought now
    next_available_at: datetime | None  # when `remaining` is 0: when one more becomes possible

    @property
    def allowed(self) -> bool:
        return self.remaining > 0

    def allows(self, quantity: int) -> bool:
        return quantity <= self.remaining


def limit_status(rule, purchase_times: Iterable[datetime], now: datetime) -> LimitStatus:
    """How many more purchases `rule` (any object with `max_count` and `window_days`) allows
    at `now`, given the times of the person's past purchases, and when the next becomes
    available if none is left. A purchase counts while it is less than `window_days` old."""
    window = timedelta(days=rule.window_days)
    start = now - window
    in_window = sorted(t for t in purchase_times if t > start)
    used = len(in_window)
    remaining = max(rule.max_count - used, 0)
    next_available_at = None
    if remaining == 0:
        # Once enough of the oldest purchases have left the window, one more is allowed.
        next_available_at = in_window[used - rule.max_count] + window
    return LimitStatus(
        max_count=rule.max_count,
        window_days=rule.window_days,
        used=used,
        remaining=remaining,
        next_available_at=next_available_at,
    )
