"""Units of work on real databases: a write commits or rolls back whole; a glance sees what is committed."""

from __future__ import annotations

import time

import pytest
from alembic import command
from sqlalchemy import select, text

from ereceipt.core.storage.database import Database, alembic_config, migrate
from ereceipt.core.storage.message_log_tables import MessageLogHead


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
        time.sleep(0.01)  # on purpose: the clock must move between the two statements
        second = session.scalar(text("SELECT now()"))
    assert second > first
    with database.read() as session:
        first = session.scalar(text("SELECT now()"))
        time.sleep(0.01)  # as above
        assert session.scalar(text("SELECT now()")) == first


def test_a_write_connection_commits_or_rolls_back_whole(database: Database) -> None:
    with pytest.raises(RuntimeError), database.write_connection() as connection:
        connection.execute(text("UPDATE message_log_head SET last_hash = 'x' WHERE id = 1"))
        raise RuntimeError("half way")
    with database.glance_connection() as connection:
        assert connection.scalar(select(MessageLogHead.last_hash)) == "0" * 64
    with database.write_connection() as connection:
        connection.execute(text("UPDATE message_log_head SET last_hash = :h WHERE id = 1"), {"h": "2" * 64})
    with database.glance_connection() as connection:
        assert connection.scalar(select(MessageLogHead.last_hash)) == "2" * 64


COMPRESSED = {
    ("receipt", "signed_xml"),
    ("message_log", "request"),
    ("message_log", "response"),
    ("message_log_archive", "request"),
    ("message_log_archive", "response"),
    ("outbox_message", "body"),
}


def _compression(database: Database) -> dict[tuple[str, str], str]:
    with database.glance() as session:
        rows = session.execute(
            text(
                "SELECT c.relname, a.attname, a.attcompression FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace AND a.attnum > 0"
            )
        )
        return {(table, column): method for table, column, method in rows if (table, column) in COMPRESSED}


def test_on_postgresql_the_xml_written_on_every_exchange_is_compressed_with_lz4(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite does not compress")
    assert _compression(database) == dict.fromkeys(COMPRESSED, "l")  # l: lz4
    config = alembic_config(database.engine.url.render_as_string(hide_password=False))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
    assert _compression(database) == dict.fromkeys(COMPRESSED, "p")  # back to pglz
    migrate(database)
    assert _compression(database) == dict.fromkeys(COMPRESSED, "l")
