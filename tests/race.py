"""Real concurrency for the tests: callables run in threads released together, each with its own
database connection (closed when it ends, so the test database can be dropped)."""

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection


@dataclass
class Race:
    results: list = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)  # of the expected types
    crashes: list[BaseException] = field(default_factory=list)  # anything else


def race(calls: Iterable[Callable], *, expected: tuple[type[BaseException], ...] = ()) -> Race:
    """Run each call in its own thread, all released at once. What a call returns goes to
    `results`, an exception of the `expected` types to `errors`, and any other exception to
    `crashes`: a thread's exception would otherwise be lost, so catching everything is this
    helper's purpose, and tests assert `crashes == []`."""
    calls = list(calls)
    barrier = threading.Barrier(len(calls))
    outcome = Race()
    lock = threading.Lock()

    def run(call):
        try:
            barrier.wait()
            result = call()
            with lock:
                outcome.results.append(result)
        except expected as exc:
            with lock:
                outcome.errors.append(exc)
        except Exception as exc:  # noqa: BLE001 - kept for the test to see, as documented
            with lock:
                outcome.crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def meeting_point(parties: int, *, timeout: float = 1) -> Callable[[], bool]:
    """A place inside a service where the racing threads wait for each other, to show what a
    lock prevents: without it, they all get there before any writes; with it, the others are
    still waiting for the lock, the meeting times out and the first thread goes on alone.
    Returns `meet()`, which says whether everyone met."""
    barrier = threading.Barrier(parties, timeout=timeout)

    def meet() -> bool:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return False
        return True

    return meet
