"""The SOAP message log's hash chain on real databases: intact when untouched, else its first broken link."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import pytest
from sqlalchemy import delete, select, update

from ereceipt.core.errors import TransientOutage
from ereceipt.core.storage.database import Database
from ereceipt.core.storage.message_log_tables import MessageLogRecord
from ereceipt.soap import message_log
from ereceipt.soap.log_check import ChainCheck, verify_chain
from ereceipt.soap.message_log import Claim, Exchange, MessageLog, append


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


def test_concurrent_records_are_group_committed_into_one_intact_chain(database: Database) -> None:
    log = MessageLog(database)
    start = threading.Barrier(12)

    def record(number: int) -> None:
        start.wait()
        for round_ in range(5):
            log.record(exchange(number * 100 + round_))

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(record, range(12)))
    check = verify_chain(database)
    assert (check.records, check.broken_at, check.reason) == (60, None, None)
    with database.read() as session:
        ids = set(session.scalars(select(MessageLogRecord.xroad_id)))
    assert ids == {f"id-{n * 100 + r}" for n in range(12) for r in range(5)}


def refused(number: int) -> Exchange:
    return Exchange(**{**exchange(number).__dict__, "outcome": "DuplicateMessageId", "http_status": 500})


def test_a_claimed_message_id_is_refused_the_second_time_and_the_refusal_logged(database: Database) -> None:
    log = MessageLog(database)
    claim = Claim("VN/GOV/000000002/DVCQG", "id-7", lambda: refused(7))
    assert log.record(exchange(7), claim) is True
    assert log.record(exchange(7), claim) is False
    assert log.record(exchange(7), Claim("VN/GOV/000000009/OTHER", "id-7", lambda: refused(7))) is True
    with database.read() as session:
        outcomes = list(session.scalars(select(MessageLogRecord.outcome).order_by(MessageLogRecord.id)))
    assert outcomes == ["ok", "DuplicateMessageId", "ok"]
    assert verify_chain(database).reason is None


def test_concurrent_claims_of_one_message_id_let_exactly_one_through(database: Database) -> None:
    log = MessageLog(database)
    start = threading.Barrier(8)

    def attempt(_: int) -> bool:
        start.wait()
        return log.record(exchange(1), Claim("VN/GOV/000000002/DVCQG", "id-1", lambda: refused(1)))

    with ThreadPoolExecutor(8) as pool:
        accepted = list(pool.map(attempt, range(8)))
    assert accepted.count(True) == 1
    with database.read() as session:
        outcomes = sorted(session.scalars(select(MessageLogRecord.outcome)))
    assert outcomes == ["DuplicateMessageId"] * 7 + ["ok"]
    assert verify_chain(database).records == 8


def test_a_failed_group_fails_every_caller_and_logs_nothing(database: Database) -> None:
    log = MessageLog(database)
    broken = Exchange(**{**exchange(1).__dict__, "outcome": None})  # an outcome is required
    with pytest.raises(TypeError):
        log.record(broken)
    assert verify_chain(database).records == 0
    assert log.record(exchange(2)) is True  # the log goes on after a failed group
    assert verify_chain(database).records == 1


def _group_times(database: Database) -> list:
    """Each record's group: the records of one group share their ``at``."""
    with database.read() as session:
        return list(session.scalars(select(MessageLogRecord.at).order_by(MessageLogRecord.id)))


def test_a_writer_waits_for_an_announced_request_and_writes_both_in_one_group(database: Database) -> None:
    log = MessageLog(database, gather_seconds=60)  # long enough that only the arrival can end the wait
    first, second = log.announce(), log.announce()
    with ThreadPoolExecutor(1) as pool:
        writing = pool.submit(log.record, exchange(1), None, first)
        with pytest.raises(TimeoutError):  # the writer waits for the second, announced request
            writing.result(timeout=0.5)
        assert log.record(exchange(2), None, second) is True
        assert writing.result(timeout=30) is True
    times = _group_times(database)
    assert len(times) == 2 and times[0] == times[1]
    assert verify_chain(database).reason is None


def test_a_request_withdrawn_without_a_record_ends_the_wait(database: Database) -> None:
    log = MessageLog(database, gather_seconds=60)
    first, failed = log.announce(), log.announce()
    with ThreadPoolExecutor(1) as pool:
        writing = pool.submit(log.record, exchange(1), None, first)
        with pytest.raises(TimeoutError):
            writing.result(timeout=0.5)
        log.withdraw(failed)  # that request ended without reaching the log
        assert writing.result(timeout=30) is True
        log.withdraw(first)  # withdrawing one that arrived changes nothing
    assert log.record(exchange(2)) is True  # nobody announced: no wait at all
    assert len(_group_times(database)) == 2


def test_the_wait_for_announced_requests_is_bounded(database: Database) -> None:
    log = MessageLog(database, gather_seconds=0.2)
    log.announce()  # a request that is slow to come
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(log.record, exchange(1)).result(timeout=30) is True
    assert verify_chain(database).records == 1


def test_a_refusal_is_made_only_for_a_replay(database: Database) -> None:
    made: list[int] = []

    def refusal() -> Exchange:
        made.append(1)
        return refused(3)

    log = MessageLog(database)
    claim = Claim("VN/GOV/000000002/DVCQG", "id-3", refusal)
    assert log.record(exchange(3), claim) is True
    assert made == []  # an answer that goes out makes no refusal
    assert log.record(exchange(3), claim) is False
    assert made == [1]


def test_replays_in_a_group_are_logged_after_it_and_the_chain_holds(database: Database) -> None:
    log = MessageLog(database)
    assert log.record(exchange(1), Claim("VN/GOV/000000002/DVCQG", "id-1", lambda: refused(1))) is True
    group = [
        message_log._Entry(exchange(2), Claim("VN/GOV/000000002/DVCQG", "id-2", lambda: refused(2))),
        message_log._Entry(exchange(1), Claim("VN/GOV/000000002/DVCQG", "id-1", lambda: refused(1))),
        message_log._Entry(exchange(2), Claim("VN/GOV/000000002/DVCQG", "id-2", lambda: refused(2))),
        message_log._Entry(exchange(4), None),
    ]
    message_log._write_group(database, group)
    assert [entry.accepted for entry in group] == [True, False, False, True]
    assert all(entry.error is None for entry in group)
    with database.read() as session:
        logged = session.execute(select(MessageLogRecord.xroad_id, MessageLogRecord.outcome).order_by("id"))
        outcomes = [tuple(row) for row in logged]
    ok, refusal = "ok", "DuplicateMessageId"
    expected_order = {  # PostgreSQL turns a replay away in the group's statement and logs it after
        "postgresql": [("id-2", ok), ("id-2", refusal), ("id-4", ok), ("id-1", refusal)],
        "sqlite": [("id-2", ok), ("id-1", refusal), ("id-2", refusal), ("id-4", ok)],
    }[database.dialect]
    assert outcomes == [("id-1", ok), *expected_order]
    assert verify_chain(database) == ChainCheck(5, None, None)


def test_when_a_replays_refusal_cannot_be_logged_only_its_caller_is_told(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite logs a group and its refusals in one transaction")
    log = MessageLog(database)
    assert log.record(exchange(1), Claim("VN/GOV/000000002/DVCQG", "id-1", lambda: refused(1))) is True
    group_write = message_log._group_write

    def outage_at_the_refusals(connection, at, entries, modes):
        if all(entry.exchange.outcome == "DuplicateMessageId" for entry in entries):
            raise TransientOutage("database unavailable: the test's outage")
        return group_write(connection, at, entries, modes)

    monkeypatch.setattr(message_log, "_group_write", outage_at_the_refusals)
    group = [
        message_log._Entry(exchange(2), Claim("VN/GOV/000000002/DVCQG", "id-2", lambda: refused(2))),
        message_log._Entry(exchange(1), Claim("VN/GOV/000000002/DVCQG", "id-1", lambda: refused(1))),
    ]
    message_log._write_group(database, group)
    assert group[0].accepted and group[0].error is None
    assert isinstance(group[1].error, TransientOutage)
    with database.read() as session:
        outcomes = list(session.scalars(select(MessageLogRecord.outcome).order_by(MessageLogRecord.id)))
    assert outcomes == ["ok", "ok"]
    assert verify_chain(database).reason is None
    with pytest.raises(TransientOutage):  # a replay alone in its group: its own writer is told too
        log.record(exchange(1), Claim("VN/GOV/000000002/DVCQG", "id-1", lambda: refused(1)))
