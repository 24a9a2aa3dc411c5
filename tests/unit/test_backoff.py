"""Exponential back-off with equal jitter: each delay in [d/2, d], d = min(cap, base·2ⁿ)."""

from __future__ import annotations

import random

from ereceipt.core.backoff import Backoff, backoff_seconds


def test_each_delay_lies_between_half_and_all_of_the_capped_doubling() -> None:
    rng = random.Random(7)  # noqa: S311 (jitter, not secrets)
    for attempt in range(12):
        ceiling = min(60.0, 0.5 * 2**attempt)
        for _ in range(50):
            assert ceiling / 2 <= backoff_seconds(attempt, base=0.5, cap=60.0, rng=rng) <= ceiling


def test_huge_attempt_counts_stay_at_the_cap_and_cost_nothing() -> None:
    assert 1800 <= backoff_seconds(10**9, base=30, cap=3600, rng=random.Random(1)) <= 3600  # noqa: S311 (jitter, not secrets)


def test_a_loop_grows_its_delays_and_starts_again_after_reset() -> None:
    backoff = Backoff(base=1.0, cap=8.0, rng=random.Random(3))  # noqa: S311 (jitter, not secrets)
    first = [backoff.next() for _ in range(5)]
    assert first[0] <= 1.0 and 4.0 <= first[4] <= 8.0
    backoff.reset()
    assert backoff.next() <= 1.0
