"""Checking the SOAP message log's hash chain (the live records), naming the first record that breaks it.

``soap.log_archive`` checks the archived part the same way; both continue the chain that
``message_log`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ereceipt.core.storage.database import Database
from ereceipt.core.storage.message_log_tables import MessageLogArchive, MessageLogHead, MessageLogRecord
from ereceipt.core.storage.streaming import streamed_rows
from ereceipt.soap.message_log import GENESIS, Exchange, chain_hash


@dataclass(frozen=True)
class ChainCheck:
    records: int
    broken_at: int | None  # id of the first record that does not fit the chain
    reason: str | None


def _chain_start(session: Session, before: int | None) -> str:
    """The hash the live log continues: that of the last record archived before id ``before`` (see
    ``soap.log_archive``, which moves the start of the chain out), else the genesis."""
    query = select(MessageLogArchive.hash).order_by(MessageLogArchive.id.desc()).limit(1)
    if before is not None:
        query = query.where(MessageLogArchive.id < before)
    return session.scalar(query) or GENESIS


def verify_chain(database: Database) -> ChainCheck:
    """Walk the live log in order from where the archive ends; name the first record whose link or
    hash is wrong. The archived records themselves are walked by ``log_archive.verify_archived_chain``."""
    previous, count = None, 0
    with database.read() as session:
        records = select(*MessageLogRecord.__table__.c).order_by(MessageLogRecord.id)
        for record in streamed_rows(session, records):  # one batch in memory at a time
            if previous is None:  # records archived while we look keep their ids: the start holds
                previous = _chain_start(session, record.id)
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
                record.request_size,
                record.request_sha256,
            )
            if record.previous_hash != previous:
                return ChainCheck(
                    count, record.id, "it does not follow the record before it (one removed or moved?)"
                )
            if chain_hash(previous, record.at, exchange) != record.hash:
                return ChainCheck(count, record.id, "its content does not match its hash (changed?)")
            previous, count = record.hash, count + 1
        if previous is None:  # no live record: everything archived, or nothing logged yet
            previous = _chain_start(session, None)
        head = session.scalar(select(MessageLogHead.last_hash).where(MessageLogHead.id == 1))
    if head != previous:
        return ChainCheck(
            count, None, "the chain's head does not match its last record (records removed at the end?)"
        )
    return ChainCheck(count, None, None)
