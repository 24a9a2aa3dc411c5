"""The transparency log's tables: leaves with their entries, stored tree nodes, signed checkpoints, state.

``transparency_node`` holds the hash of every complete subtree (level, index), leaves at level 0,
so proofs and tiles are read, never recomputed. Nothing here is updated or deleted once written,
except the log's one state row, a leaf's ``source_event`` (which audit event it answered,
filled in when a backfilled leaf meets its event; not part of the entry), and a checkpoint's
note, which gains the witness's cosignature line (C2SP tlog-cosignature) once it is cosigned;
its text and the log's signature never change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ereceipt.core.storage.base import Base, Id, UTCDateTime


class LogLeaf(Base):
    __tablename__ = "transparency_leaf"
    __table_args__ = (UniqueConstraint("receipt_id", "event", name="receipt_event"),)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"))
    event: Mapped[str] = mapped_column(String(12))
    source_event: Mapped[int | None] = mapped_column(Id, unique=True)
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    integrated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LogNode(Base):
    __tablename__ = "transparency_node"
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class LogCheckpoint(Base):
    __tablename__ = "transparency_checkpoint"
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[bytes] = mapped_column(LargeBinary)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LogState(Base):
    """The sequencer's one row: tree size, how far the backfill and the audit-event scan have come."""

    __tablename__ = "transparency_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    backfill_upto: Mapped[int] = mapped_column(Id)  # receipts with id ≤ this are the backfill's
    backfill_done: Mapped[bool] = mapped_column(Boolean)
    audit_low_water: Mapped[int] = mapped_column(Id)  # audit events at or below it are all in the log
