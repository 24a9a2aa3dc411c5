"""Archiving the SOAP message log keeps the hash chain verifiable across archive and log (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update

from ereceipt.core.storage.message_log_tables import MessageLogArchive, MessageLogRecord
from ereceipt.soap import message_log
from ereceipt.soap.log_archive import archive_message_log, verify_archived_chain
from ereceipt.soap.log_check import verify_chain


def exchange(n: int) -> message_log.Exchange:
    return message_log.Exchange(
        "VN/GOV/1/X", "svc", "getReceipt", f"id-{n}", None, "ok", 200, 3, b"<q/>", b"<a/>"
    )


def count(database, model) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_old_records_move_and_the_chain_still_checks(database) -> None:
    for n in range(5):
        message_log.append(database, exchange(n))
    assert archive_message_log(database, 90) == 0  # nothing is 90 days old yet
    later = datetime.now(UTC) + timedelta(days=91)
    assert archive_message_log(database, 90, now=later) == 4  # the newest record stays
    message_log.append(database, exchange(5))  # the chain goes on after archiving
    assert (count(database, MessageLogArchive), count(database, MessageLogRecord)) == (4, 2)
    assert archive_message_log(database, 90, now=later) == 1  # and is archived again, ids unique
    assert (count(database, MessageLogArchive), count(database, MessageLogRecord)) == (5, 1)
    check = verify_archived_chain(database)
    assert (check.records, check.reason) == (6, None)
    check = verify_chain(database)  # `log verify`: the live log goes on from the archive's last hash
    assert (check.records, check.broken_at, check.reason) == (1, None, None)

    with database.write() as session:
        session.execute(update(MessageLogArchive).where(MessageLogArchive.id == 2).values(outcome="forged"))
    check = verify_archived_chain(database)
    assert check.broken_at == 2 and "hash" in check.reason


def archived(database, records: int) -> list[int]:
    """``records`` logged, archived (all but the newest), two more logged; the ids in order."""
    for n in range(records):
        message_log.append(database, exchange(n))
    assert archive_message_log(database, 90, now=datetime.now(UTC) + timedelta(days=91)) == records - 1
    for n in range(records, records + 2):
        message_log.append(database, exchange(n))
    with database.read() as session:
        return sorted(
            [*session.scalars(select(MessageLogArchive.id)), *session.scalars(select(MessageLogRecord.id))]
        )


def test_a_changed_live_record_is_named_by_both_checks(database) -> None:
    ids = archived(database, 4)  # 3 archived, 3 live
    assert verify_chain(database).reason is verify_archived_chain(database).reason is None
    with database.write() as session:
        session.execute(
            update(MessageLogRecord).where(MessageLogRecord.id == ids[4]).values(response=b"<x/>")
        )
    live, whole = verify_chain(database), verify_archived_chain(database)
    assert (live.broken_at, live.records) == (ids[4], 1)
    assert (whole.broken_at, whole.records) == (ids[4], 4)
    assert "hash" in live.reason and "hash" in whole.reason


def test_a_changed_last_archived_hash_breaks_the_live_log_s_first_link(database) -> None:
    ids = archived(database, 4)
    with database.write() as session:
        session.execute(update(MessageLogArchive).where(MessageLogArchive.id == ids[2]).values(hash="f" * 64))
    live, whole = verify_chain(database), verify_archived_chain(database)
    assert (live.broken_at, live.records) == (ids[3], 0) and "does not follow" in live.reason
    assert (whole.broken_at, whole.records) == (ids[2], 2) and "hash" in whole.reason


def test_records_removed_at_the_end_are_found_by_both_checks(database) -> None:
    ids = archived(database, 4)
    with database.write() as session:
        session.execute(delete(MessageLogRecord).where(MessageLogRecord.id == ids[-1]))
    assert "head" in verify_chain(database).reason
    assert "head" in verify_archived_chain(database).reason
