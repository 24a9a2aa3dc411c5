"""Units of work on real databases: a write commits or rolls back whole; a glance sees what is committed."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select, text

from ereceipt.core.database import Database
from ereceipt.core.tables import MessageLogHead


def test_a_write_that_fails_leaves_nothing(database: Database) -> None:
    with pytest.raises(RuntimeError), database.write() as session:
        session.execute(text("UPDATE message_log_head SET last_hash = 'x' WHERE id = 1"))
        raise RuntimeError("half way")
    with database.glance() as session:
        assert session.scalar(select(MessageLogHead.last_hash)) == "0" * 64


def test_a_glance_sees_what_was_committed_a_moment_before(database: Database) -> None:
    with database.write() as session:
        session.execute(text("UPDATE message_log_head SET last_hash = :h WHERE id = 1"), {"h": "1" * 64})
    with database.glance() as session:
        assert session.scalar(select(MessageLogHead.last_hash)) == "1" * 64


def test_on_postgresql_a_glance_has_no_transaction_around_its_statements(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite reads are in-process; a glance there is a plain read")
    with database.glance() as session:
        first = session.scalar(text("SELECT now()"))  # now() is the start of the current transaction
        time.sleep(0.01)
        second = session.scalar(text("SELECT now()"))
    assert second > first
    with database.read() as session:
        first = session.scalar(text("SELECT now()"))
        time.sleep(0.01)
        assert session.scalar(text("SELECT now()")) == first
