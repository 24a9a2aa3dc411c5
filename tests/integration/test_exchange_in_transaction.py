"""An exchange that changes something is stored in its change's transaction and chained once; exchanges
an outage kept from the database wait in the journal; a refused anonymous request is kept in part.
On real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ereceipt.core.storage.database import Database
from ereceipt.core.storage.message_log_tables import MessageLogRecord, PendingExchange
from ereceipt.soap.log_check import verify_chain
from ereceipt.soap.log_journal import OutageJournal
from ereceipt.soap.log_pending import UNANSWERED, InFlight, chain_pending, changing, write_pending
from ereceipt.soap.message_log import Exchange, MessageLog, append

CLIENT = "VN/GOV/000000002/DVCQG"


def in_flight(number: int) -> InFlight:
    return InFlight(
        CLIENT, "VN/GOV/000000001/ERECEIPT/notifyOnlinePayment", "notifyOnlinePayment", f"id-{number}", None,
        f"<notify {number}/>".encode(),
    )  # fmt: skip


def answered(flight: InFlight) -> Exchange:
    return Exchange(
        flight.client, flight.service, flight.operation, flight.xroad_id, flight.user_id, "ok", 200, 5,
        flight.request, b"<answer/>",
    )  # fmt: skip


def business_change(database: Database, flight: InFlight, *, fail: bool = False) -> None:
    """A transaction that changes something and calls the issuer's hook, as the issuer does."""
    with changing(flight), database.write() as session:
        write_pending(session)
        if fail:
            raise RuntimeError("the change failed")


def records(database: Database) -> list[MessageLogRecord]:
    with database.read() as session:
        return list(session.scalars(select(MessageLogRecord).order_by(MessageLogRecord.id)))


def pending(database: Database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(PendingExchange))


def test_a_committed_change_has_its_exchange_stored_before_the_request_logs_it(database: Database) -> None:
    business_change(database, flight := in_flight(1))
    with database.read() as session:
        [row] = session.scalars(select(PendingExchange)).all()
    assert (row.xroad_id, row.request, row.token) == ("id-1", b"<notify 1/>", flight.token)


def test_a_change_rolled_back_leaves_no_pending_exchange(database: Database) -> None:
    with pytest.raises(RuntimeError):
        business_change(database, in_flight(1), fail=True)
    assert pending(database) == 0


def test_no_exchange_in_flight_writes_nothing(database: Database) -> None:
    with database.write() as session:
        write_pending(session)
    assert pending(database) == 0


def test_the_request_s_record_replaces_its_pending_row_in_one_transaction(database: Database) -> None:
    business_change(database, flight := in_flight(1))
    business_change(database, other := in_flight(2))
    MessageLog(database).record(answered(flight), pending=flight.token)
    with database.read() as session:
        left = session.scalars(select(PendingExchange.token)).all()
    assert left == [other.token]
    [record] = records(database)
    assert (record.xroad_id, record.outcome, record.response) == ("id-1", "ok", b"<answer/>")


def test_a_pending_exchange_left_by_a_dead_request_is_chained_once_in_id_order(database: Database) -> None:
    append(database, answered(in_flight(0)))
    for number in (1, 2, 3):
        business_change(database, in_flight(number))
    assert chain_pending(database, timedelta(seconds=60)) == 0  # too young: its request may log it
    later = datetime.now(UTC) + timedelta(seconds=61)
    assert chain_pending(database, timedelta(seconds=60), now=later) == 3
    assert chain_pending(database, timedelta(seconds=60), now=later) == 0
    logged = records(database)
    assert [(r.xroad_id, r.outcome, r.request) for r in logged[1:]] == [
        (f"id-{n}", UNANSWERED, f"<notify {n}/>".encode()) for n in (1, 2, 3)
    ]
    assert pending(database) == 0
    assert verify_chain(database).reason is None
    assert verify_chain(database).records == 4


def test_a_request_that_logs_after_the_chainer_took_its_row_still_logs_its_answer(database: Database) -> None:
    business_change(database, flight := in_flight(1))
    chain_pending(database, timedelta(0), now=datetime.now(UTC) + timedelta(seconds=1))
    MessageLog(database).record(answered(flight), pending=flight.token)
    assert [r.outcome for r in records(database)] == [UNANSWERED, "ok"]
    assert verify_chain(database).reason is None


def test_journaled_exchanges_are_chained_in_order_with_their_time(database: Database, tmp_path) -> None:
    journal = OutageJournal(tmp_path / "var" / "journal")
    append(database, answered(in_flight(0)))
    at = datetime(2026, 12, 7, 9, 30, 1, 123456, tzinfo=UTC)
    journal.append(answered(in_flight(1)), at)
    journal.append(answered(in_flight(2)))
    assert journal.waiting()
    assert journal.replay(database) == 2
    assert not journal.waiting()
    assert journal.replay(database) == 0
    logged = records(database)
    assert [(r.xroad_id, r.request) for r in logged] == [
        (f"id-{n}", f"<notify {n}/>".encode()) for n in range(3)
    ]
    assert logged[1].at == at
    assert verify_chain(database).reason is None


def test_a_journal_line_cut_by_a_crash_does_not_stop_the_others(database: Database, tmp_path) -> None:
    journal = OutageJournal(tmp_path / "journal")
    journal.append(answered(in_flight(1)))
    with journal.path.open("ab") as file:
        file.write(b'{"at": "2026-12-07T09:')
    assert journal.replay(database) == 1
    assert verify_chain(database).reason is None


def test_a_request_kept_in_part_has_its_size_and_hash_in_the_chain(database: Database) -> None:
    body = b"junk" * 100_000
    kept = Exchange(
        None, None, None, None, None, "InvalidXml", 500, 1, body[:4096], b"<fault/>",
        request_size=len(body), request_sha256=hashlib.sha256(body).hexdigest(),
    )  # fmt: skip
    MessageLog(database).record(kept)
    [record] = records(database)
    assert (len(record.request), record.request_size) == (4096, 400_000)
    assert record.request_sha256 == hashlib.sha256(body).hexdigest()
    assert verify_chain(database).reason is None
    with database.write() as session:  # the size is covered by the chain
        session.get(MessageLogRecord, record.id).request_size = 5
    assert verify_chain(database).broken_at == record.id


def test_the_migration_goes_down_and_up_again_keeping_the_chain(database: Database) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from ereceipt.core.storage.database import alembic_config, migrate

    append(database, answered(in_flight(1)))
    config = alembic_config(database.engine.url.render_as_string(hide_password=False))
    down_to = ScriptDirectory.from_config(config).get_revision("0014").down_revision
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, down_to)
    migrate(database)
    assert verify_chain(database).records == 1 and verify_chain(database).reason is None
    business_change(database, in_flight(2))
    assert pending(database) == 1
