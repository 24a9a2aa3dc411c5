"""Exponential back-off with jitter, the one rule every retry in the gateway follows.

The delay before try ``n`` (counted from 0) is drawn uniformly from [d/2, d], where
d = min(cap, base·2ⁿ): half of it fixed, so retries never come in a burst, half random, so many
clients that failed together do not come back together ("equal jitter").
"""

from __future__ import annotations

import random

_MAX_DOUBLINGS = 60  # 2^60 times any base is past every cap; larger exponents only cost time


def backoff_seconds(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before try ``attempt`` (0 for the first retry)."""
    ceiling = min(cap, base * 2 ** min(max(attempt, 0), _MAX_DOUBLINGS))
    return (rng or random).uniform(ceiling / 2, ceiling)


class Backoff:
    """Growing delays for a loop that retries until it succeeds (reconnects, restarts); ``reset`` after."""

    def __init__(self, base: float = 0.5, cap: float = 30.0, rng: random.Random | None = None) -> None:
        self.base, self.cap, self.rng, self.attempt = base, cap, rng, 0

    def next(self) -> float:
        delay = backoff_seconds(self.attempt, base=self.base, cap=self.cap, rng=self.rng)
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0
