"""Archiving the SOAP message log keeps the hash chain verifiable across archive and log (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from ereceipt.core.tables import MessageLogRecord
from ereceipt.core.treasury_tables import MessageLogArchive
from ereceipt.soap import message_log
from ereceipt.soap.log_archive import archive_message_log, verify_archived_chain


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
    assert archive_message_log(database, 90, now=later) == 5
    message_log.append(database, exchange(5))  # the chain goes on after archiving
    assert (count(database, MessageLogArchive), count(database, MessageLogRecord)) == (5, 1)
    check = verify_archived_chain(database)
    assert (check.records, check.reason) == (6, None)

    with database.write() as session:
        session.execute(update(MessageLogArchive).where(MessageLogArchive.id == 2).values(outcome="forged"))
    check = verify_archived_chain(database)
    assert check.broken_at == 2 and "hash" in check.reason
