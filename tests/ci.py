"""Whether the tests run under CI, and what a test does when a real component it needs is missing.

Under ``CI=true`` (``.ci/run``) a missing component fails the test: ``make test`` installs and
starts everything, so its absence there is a fault of the set-up. Elsewhere the test is skipped
with a message that says what to start or install.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(message: str) -> NoReturn:
    """Fail under CI, skip elsewhere, with ``message``."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)
