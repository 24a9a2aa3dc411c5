"""Archiving the SOAP message log: old records move to ``message_log_archive`` with their hashes unchanged.

Records are moved in id order, so the archive holds the start of the chain and ``message_log`` its
continuation; ``verify_archived_chain`` walks both as one chain (archive first) and compares the
end with the chain's head, as ``soap.log_check.verify_chain`` does for the live table, which it
starts from the last archived record's hash. The newest record always stays in ``message_log``:
SQLite gives a new row max(id) + 1, so an emptied table would hand out archived ids again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, literal, select

from ereceipt.core.storage.database import Database
from ereceipt.core.storage.message_log_tables import MessageLogArchive, MessageLogHead, MessageLogRecord
from ereceipt.core.storage.streaming import streamed_rows
from ereceipt.soap.log_check import ChainCheck
from ereceipt.soap.message_log import GENESIS, Exchange, chain_hash

_FIELDS = (
    "id", "at", "client", "service", "operation", "xroad_id", "user_id", "outcome",
    "http_status", "duration_ms", "request", "response", "previous_hash", "hash", "request_size",
    "request_sha256",
)  # fmt: skip


def archive_message_log(database: Database, older_than_days: int, now: datetime | None = None) -> int:
    """Move records older than ``older_than_days`` (and every record before them) to the archive,
    all but the newest record, which stays so that ids go on from it."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    live = MessageLogRecord.__table__
    with database.write() as session:
        newest = select(func.max(live.c.id)).scalar_subquery()
        last = session.scalar(select(func.max(live.c.id)).where(live.c.at < cutoff, live.c.id < newest))
        if last is None:
            return 0
        columns = [live.c[name] for name in _FIELDS]
        session.execute(
            insert(MessageLogArchive.__table__).from_select(
                [*_FIELDS, "archived_at"],
                select(*columns, literal(datetime.now(UTC), MessageLogArchive.archived_at.type)).where(
                    live.c.id <= last
                ),
            )
        )
        moved = session.execute(delete(live).where(live.c.id <= last)).rowcount
    return moved


def _exchange(record) -> Exchange:
    return Exchange(
        record.client, record.service, record.operation, record.xroad_id, record.user_id, record.outcome,
        record.http_status, record.duration_ms, record.request, record.response, record.request_size,
        record.request_sha256,
    )  # fmt: skip


def verify_archived_chain(database: Database) -> ChainCheck:
    """Walk archive then live log as one chain; name the first record that does not fit."""
    previous, count = GENESIS, 0
    with database.read() as session:
        for model in (MessageLogArchive, MessageLogRecord):
            for record in streamed_rows(session, select(*model.__table__.c).order_by(model.id)):
                if record.previous_hash != previous:
                    return ChainCheck(count, record.id, "it does not follow the record before it")
                if chain_hash(previous, record.at, _exchange(record)) != record.hash:
                    return ChainCheck(count, record.id, "its content does not match its hash (changed?)")
                previous, count = record.hash, count + 1
        head = session.scalar(select(MessageLogHead.last_hash).where(MessageLogHead.id == 1))
    if head != previous:
        return ChainCheck(count, None, "the chain's head does not match its last record")
    return ChainCheck(count, None, None)
