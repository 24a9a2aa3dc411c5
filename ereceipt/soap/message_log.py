"""The SOAP message log: every exchange stored whole in a tamper-evident hash chain (as X-Road's message log).

Each record's hash covers the previous record's hash, its own fields and digests of the raw
request and response, so changing, removing or reordering a record breaks the chain from there
on. Appends are serialised by locking the chain's head row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from ereceipt.core.database import Database
from ereceipt.core.tables import MessageLogHead, MessageLogRecord

GENESIS = "0" * 64


@dataclass(frozen=True)
class Exchange:
    client: str | None
    service: str | None
    operation: str | None
    xroad_id: str | None
    user_id: str | None
    outcome: str
    http_status: int
    duration_ms: int
    request: bytes
    response: bytes


def chain_hash(previous: str, at: datetime, exchange: Exchange) -> str:
    fields = [
        previous,
        at.astimezone(UTC).isoformat(timespec="microseconds"),
        *(value or "" for value in (exchange.client, exchange.service, exchange.operation)),
        *(value or "" for value in (exchange.xroad_id, exchange.user_id)),
        exchange.outcome,
        str(exchange.http_status),
        str(exchange.duration_ms),
        hashlib.sha256(exchange.request).hexdigest(),
        hashlib.sha256(exchange.response).hexdigest(),
    ]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


HEAD = MessageLogHead.__table__
LOCK_HEAD = select(HEAD.c.last_hash).where(HEAD.c.id == 1).with_for_update()
MOVE_HEAD = update(HEAD).where(HEAD.c.id == 1)
INSERT_RECORD = insert(MessageLogRecord.__table__)


def append(database: Database, exchange: Exchange) -> None:
    """Store one exchange at the end of the chain (Core statements: this runs for every request)."""
    with database.write() as session:
        previous = session.execute(LOCK_HEAD).scalar_one()
        at = datetime.now(UTC)  # both databases keep microseconds, so it hashes the same when read back
        digest = chain_hash(previous, at, exchange)
        session.execute(
            INSERT_RECORD, [{**exchange.__dict__, "at": at, "previous_hash": previous, "hash": digest}]
        )
        session.execute(MOVE_HEAD, {"last_hash": digest})


@dataclass(frozen=True)
class ChainCheck:
    records: int
    broken_at: int | None  # id of the first record that does not fit the chain
    reason: str | None


def verify_chain(database: Database) -> ChainCheck:
    """Walk the whole log in order; name the first record whose link or hash is wrong."""
    previous, count = GENESIS, 0
    with database.read() as session:
        for record in session.scalars(select(MessageLogRecord).order_by(MessageLogRecord.id)).yield_per(500):
            exchange = Exchange(
                record.client,
                record.service,
                record.operation,
                record.xroad_id,
                record.user_id,
                record.outcome,
                record.http_status,
                record.duration_ms,
                record.request,
                record.response,
            )
            if record.previous_hash != previous:
                return ChainCheck(
                    count, record.id, "it does not follow the record before it (one removed or moved?)"
                )
            if chain_hash(previous, record.at, exchange) != record.hash:
                return ChainCheck(count, record.id, "its content does not match its hash (changed?)")
            previous, count = record.hash, count + 1
        head = session.scalar(select(MessageLogHead.last_hash).where(MessageLogHead.id == 1))
    if head != previous:
        return ChainCheck(
            count, None, "the chain's head does not match its last record (records removed at the end?)"
        )
    return ChainCheck(count, None, None)
