"""The databases the tests run on: PostgreSQL's URL and whether it must be there, a migrated database's URL.

A module of its own, not ``conftest``: a test module that imports names from ``conftest`` gets
``tests/unit/conftest.py`` instead whenever a unit test is collected first in the same run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import sqlalchemy
from ci import unavailable

POSTGRES_URL = os.environ.get(
    "ERECEIPT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_available_or_skip() -> None:
    try:
        engine = sqlalchemy.create_engine(POSTGRES_URL)
        with engine.connect():
            pass
        engine.dispose()
    except sqlalchemy.exc.OperationalError as exc:
        message = (
            f"PostgreSQL at {POSTGRES_URL} is unreachable ({exc.orig}); "
            "start it or set ERECEIPT_TEST_POSTGRES_URL"
        )
        unavailable(message)


@dataclass(frozen=True)
class MigratedDatabase:
    url: str
    kind: str
