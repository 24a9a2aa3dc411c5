"""The SOAP message log's hash chain on real databases: intact when untouched, else its first broken link."""

from __future__ import annotations

from itertools import pairwise

import pytest
from sqlalchemy import delete, select, update

from ereceipt.core.database import Database
from ereceipt.core.tables import MessageLogRecord
from ereceipt.soap.message_log import Exchange, append, verify_chain


def exchange(number: int) -> Exchange:
    return Exchange(
        client="VN/GOV/000000002/DVCQG",
        service="VN/GOV/000000001/ERECEIPT/getReceipt",
        operation="getReceipt",
        xroad_id=f"id-{number}",
        user_id="VN001",
        outcome="ok",
        http_status=200,
        duration_ms=3,
        request=f"<request {number}/>".encode(),
        response=f"<response {number}/>".encode(),
    )


@pytest.fixture
def logged(database: Database) -> list[int]:
    for number in range(5):
        append(database, exchange(number))
    with database.read() as session:
        return list(session.scalars(select(MessageLogRecord.id).order_by(MessageLogRecord.id)))


def test_untouched_chain_is_intact(database: Database, logged: list[int]) -> None:
    check = verify_chain(database)
    assert (check.records, check.broken_at, check.reason) == (5, None, None)


def test_each_record_links_to_the_one_before(database: Database, logged: list[int]) -> None:
    with database.read() as session:
        records = session.scalars(select(MessageLogRecord).order_by(MessageLogRecord.id)).all()
    assert records[0].previous_hash == "0" * 64
    assert all(later.previous_hash == earlier.hash for earlier, later in pairwise(records))


def test_changed_response_is_named(database: Database, logged: list[int]) -> None:
    with database.write() as session:
        session.execute(
            update(MessageLogRecord).where(MessageLogRecord.id == logged[2]).values(response=b"<forged/>")
        )
    check = verify_chain(database)
    assert (check.broken_at, check.records) == (logged[2], 2)
    assert "content" in check.reason


def test_removed_record_is_named_by_its_successor(database: Database, logged: list[int]) -> None:
    with database.write() as session:
        session.execute(delete(MessageLogRecord).where(MessageLogRecord.id == logged[1]))
    assert verify_chain(database).broken_at == logged[2]


def test_removed_last_record_is_noticed(database: Database, logged: list[int]) -> None:
    with database.write() as session:
        session.execute(delete(MessageLogRecord).where(MessageLogRecord.id == logged[-1]))
    check = verify_chain(database)
    assert check.broken_at is None
    assert "head" in check.reason
