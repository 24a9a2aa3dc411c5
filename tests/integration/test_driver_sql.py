"""Statements on the driver's own connection (core.driver_sql), on both databases: the same values as
SQLAlchemy reads and writes, whole transactions, and a lost database as a transient outage."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from tcp_proxy import TcpProxy

from ereceipt.core.errors import TransientOutage
from ereceipt.core.storage import driver_sql
from ereceipt.core.storage.database import Database
from ereceipt.core.storage.driver_sql import Statement
from ereceipt.core.storage.message_log_tables import SeenMessage

SEEN = SeenMessage.__table__
AT = datetime(2026, 11, 25, 4, 5, 6, 789012, tzinfo=UTC)
INSERT = Statement(
    "INSERT INTO seen_message (client, xroad_id, seen_at) VALUES (:client, :xroad_id, :seen_at)",
    types={"seen_at": SEEN.c.seen_at.type},
)
READ = Statement(select(SEEN.c.client, SEEN.c.seen_at).where(SEEN.c.xroad_id == "id-1"))
HEAD = Statement("SELECT last_hash FROM message_log_head WHERE id = :id")


def test_values_written_by_the_driver_read_the_same_through_sqlalchemy_and_back(database: Database) -> None:
    with driver_sql.transaction(database) as connection:
        connection.execute(INSERT, {"client": "VN/GOV/1/A", "xroad_id": "id-1", "seen_at": AT})
        connection.execute_many(
            INSERT, [{"client": "VN/GOV/1/A", "xroad_id": f"id-{n}", "seen_at": AT} for n in (2, 3)]
        )
    with database.read() as session:
        rows = session.execute(select(SEEN.c.xroad_id, SEEN.c.seen_at).order_by(SEEN.c.xroad_id)).all()
    assert rows == [("id-1", AT), ("id-2", AT), ("id-3", AT)]
    with driver_sql.glance(database) as connection:
        assert connection.execute(READ) == [("VN/GOV/1/A", AT)]  # a Core select converts its columns
        assert connection.execute(HEAD, {"id": 1}) == [("0" * 64,)]
        assert connection.execute(HEAD, {"id": 2}) == []


def test_a_transaction_that_fails_leaves_nothing(database: Database) -> None:
    with pytest.raises(RuntimeError), driver_sql.transaction(database) as connection:
        connection.execute(INSERT, {"client": "VN/GOV/1/A", "xroad_id": "id-1", "seen_at": AT})
        raise RuntimeError("half way")
    with database.read() as session:
        assert session.scalar(select(SEEN.c.xroad_id)) is None


def test_on_postgresql_a_glance_runs_outside_a_transaction_and_leaves_the_pool_as_it_found_it(
    database: Database,
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite reads are in-process")
    now = Statement("SELECT now()")
    with driver_sql.glance(database) as connection:
        first = connection.execute(now)
        second = connection.execute(now)
        assert first != second  # now() is the start of the transaction: each statement is its own
    with database.write() as session:  # the connection went back to the pool with transactions on
        session.execute(text("UPDATE message_log_head SET last_hash = 'x' WHERE id = 1"))
        session.rollback()
    with database.glance() as session:
        assert session.scalar(text("SELECT last_hash FROM message_log_head")) == "0" * 64


BACKEND = Statement("SELECT pg_backend_pid()")
PREPARED = Statement("SELECT count(*) FROM pg_prepared_statements")


def test_on_postgresql_glances_keep_their_connection_and_its_prepared_statements_until_disposed(
    database_url,
) -> None:
    if database_url.kind != "postgresql":
        pytest.skip("SQLite glances are plain pooled reads")
    database = Database.from_url(database_url.url)
    try:
        with driver_sql.glance(database) as connection:
            [(pid,)] = connection.execute(BACKEND)
            connection.execute(HEAD, {"id": 1})
            [(prepared,)] = connection.execute(PREPARED)
        with driver_sql.glance(database) as connection:  # the same connection, nothing prepared again
            assert connection.execute(BACKEND) == [(pid,)]
            connection.execute(HEAD, {"id": 1})
            assert connection.execute(PREPARED) == [(prepared,)]
        assert len(database.held) == 1
    finally:
        database.dispose()
    assert database.held == []
    other = Database.from_url(database_url.url)
    try:
        with other.glance() as session:  # disposing closed it
            alive = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            assert session.scalar(alive, {"pid": pid}) == 0
    finally:
        other.dispose()


def test_on_postgresql_a_glance_left_in_a_transaction_gives_up_its_connection(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite glances are plain pooled reads")
    with driver_sql.glance(database) as connection:
        [(pid,)] = connection.execute(BACKEND)
        connection.execute(Statement("BEGIN", returns_rows=False))
    assert database.held == []
    with driver_sql.glance(database) as connection:
        assert connection.execute(BACKEND) != [(pid,)]
        assert connection.connection.pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_a_lost_database_is_a_transient_outage_and_the_connection_is_not_used_again(database_url) -> None:
    if database_url.kind != "postgresql":
        pytest.skip("the outage is a network one: PostgreSQL behind a TCP proxy")
    url = make_url(database_url.url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    database = Database.from_url(
        url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), pool_size=1
    )
    try:
        with driver_sql.glance(database) as connection:
            assert connection.execute(HEAD, {"id": 1}) == [("0" * 64,)]
        proxy.cut()
        with pytest.raises(TransientOutage), driver_sql.glance(database) as connection:
            connection.execute(HEAD, {"id": 1})
        with pytest.raises(TransientOutage), driver_sql.transaction(database) as connection:
            connection.execute(HEAD, {"id": 1})
        assert database.held == []  # the glance's connection was dropped, not kept
        proxy.restore()
        with driver_sql.transaction(database) as connection:  # a new connection, not the broken one
            assert connection.execute(HEAD, {"id": 1}) == [("0" * 64,)]
        with driver_sql.glance(database) as connection:
            assert connection.execute(HEAD, {"id": 1}) == [("0" * 64,)]
    finally:
        proxy.cut()
        database.dispose()


def test_on_postgresql_arrays_go_in_binary_and_come_back_the_same(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("binary arrays are PostgreSQL's")
    echo = Statement("SELECT :i ::int[], :t ::text[], :b ::bytea[], cardinality(:e ::text[])")
    values = {
        "i": driver_sql.Array("int4", [1, None, -2_147_483_648, 2_147_483_647]),
        "t": driver_sql.Array("text", ["Nguyễn Văn A", None, "", "x" * 5000]),
        "b": driver_sql.Array("bytea", [b"\x00\xff\x1f", None, b"", bytes(range(256)) * 40]),
        "e": driver_sql.Array("text", []),
    }
    with driver_sql.glance(database) as connection:
        for _ in range(2):  # prepared the first time, reused the second
            [(ints, texts, blobs, empty)] = connection.execute(echo, values)
            assert ints == [1, None, -2_147_483_648, 2_147_483_647]
            assert texts == ["Nguyễn Văn A", None, "", "x" * 5000]
            assert blobs == [b"\x00\xff\x1f", None, b"", bytes(range(256)) * 40]
            assert empty == 0
    with pytest.raises(ValueError, match="no binary array of int8"):
        driver_sql.Array("int8", [1])


def test_on_postgresql_an_error_is_the_driver_s_own_for_its_sqlstate(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("the libpq path is PostgreSQL's")
    with pytest.raises(psycopg.errors.DivisionByZero), driver_sql.glance(database) as connection:
        connection.execute(Statement("SELECT 1 / :zero ::int"), {"zero": 0})
    with driver_sql.glance(database) as connection:  # the connection is still good
        assert connection.execute(HEAD, {"id": 1}) == [("0" * 64,)]
