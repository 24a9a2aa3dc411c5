"""Waiting in tests for something to become true, instead of sleeping a fixed time and hoping.

A fixed sleep is both too long on a quiet machine and too short on a loaded one; polling returns as
soon as the condition holds and, when it never does, fails with what was awaited.
"""

from __future__ import annotations

import time
from collections.abc import Callable

POLL_SECONDS = 0.05


def wait_for(condition: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> None:
    """Call ``condition`` every 50 ms until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL_SECONDS)
