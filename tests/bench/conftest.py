"""Benchmarks run only with `make bench` (CONNEXIONS_BENCH=1); they print ratios against a
baseline measured in the same run, never absolute timings, and never fail on speed."""

import os
import statistics
import time

import pytest

if os.environ.get("CONNEXIONS_BENCH") != "1":
    collect_ignore_glob = ["test_*.py"]


def _median_seconds(action, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


@pytest.fixture
def compare(capsys):
    """compare(name, action, baseline, repeat): prints how many baselines one action costs."""

    def run(name, action, baseline, repeat=30):
        action(), baseline()  # warm caches and connections
        base = _median_seconds(baseline, repeat)
        measured = _median_seconds(action, repeat)
        ratio = measured / base if base else float("inf")
        with capsys.disabled():
            print(f"\nBENCH {name}: {ratio:.2f}x baseline")
        return ratio

    return run
