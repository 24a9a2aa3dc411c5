"""Storage of the SOAP message log: hash-chained records, the chain's head, message ids seen, the archive.

``seen_message`` is the replay guard (one row per client and X-Road message id);
``message_log_archive`` holds records moved out of ``message_log`` with their hashes unchanged;
``message_log_pending`` holds the exchanges written in a business transaction, not yet chained.
A record whose ``request_size`` is set keeps only the start of the request (a request refused
before its client was authenticated): ``request_size`` and ``request_sha256`` describe the whole body.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from ereceipt.core.storage.base import Base, Id, UTCDateTime


class MessageLogRecord(Base):
    """One SOAP exchange in a hash chain: each record's hash covers the previous one's."""

    __tablename__ = "message_log"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    client: Mapped[str | None] = mapped_column(String(200))
    service: Mapped[str | None] = mapped_column(String(200))
    operation: Mapped[str | None] = mapped_column(String(60))
    xroad_id: Mapped[str | None] = mapped_column(String(100))
    user_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(60))
    http_status: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    request: Mapped[bytes] = mapped_column(LargeBinary)
    response: Mapped[bytes] = mapped_column(LargeBinary)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    request_size: Mapped[int | None] = mapped_column(Integer)
    request_sha256: Mapped[str | None] = mapped_column(String(64))


class MessageLogHead(Base):
    """The one row that holds the chain's last hash; locking it serialises appends across processes."""

    __tablename__ = "message_log_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))


class SeenMessage(Base):
    """X-Road message ids already accepted from a client, to refuse a replay."""

    __tablename__ = "seen_message"
    client: Mapped[str] = mapped_column(String(200), primary_key=True)
    xroad_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class MessageLogArchive(Base):
    """Message-log records moved out of ``message_log``: ids, fields and hashes unchanged."""

    __tablename__ = "message_log_archive"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    client: Mapped[str | None] = mapped_column(String(200))
    service: Mapped[str | None] = mapped_column(String(200))
    operation: Mapped[str | None] = mapped_column(String(60))
    xroad_id: Mapped[str | None] = mapped_column(String(100))
    user_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(60))
    http_status: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    request: Mapped[bytes] = mapped_column(LargeBinary)
    response: Mapped[bytes] = mapped_column(LargeBinary)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    request_size: Mapped[int | None] = mapped_column(Integer)
    request_sha256: Mapped[str | None] = mapped_column(String(64))
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PendingExchange(Base):
    """An exchange that changed something, written in the same transaction as the change and
    chained into ``message_log`` afterwards (by the request itself, else by the chainer), in id order."""

    __tablename__ = "message_log_pending"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token: Mapped[str] = mapped_column(String(32))  # the writing request's own, so it moves only its row
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    client: Mapped[str | None] = mapped_column(String(200))
    service: Mapped[str | None] = mapped_column(String(200))
    operation: Mapped[str | None] = mapped_column(String(60))
    xroad_id: Mapped[str | None] = mapped_column(String(100))
    user_id: Mapped[str | None] = mapped_column(String(100))
    request: Mapped[bytes] = mapped_column(LargeBinary)
