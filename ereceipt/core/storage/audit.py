"""The audit trail: an append-only record of who did what and when, written in the same transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import (
    Index,
    String,
    Text,
    insert,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from ereceipt.core.storage.base import Base, Id, UTCDateTime


class AuditEvent(Base):
    """Who did what, when; append-only (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_event"
    # One officer's trail, newest first, a page at a time (admin page; migration 0016).
    __table_args__ = (Index("ix_audit_event_actor_id", "actor", "id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(60))
    details: Mapped[str] = mapped_column(Text, default="{}")


INSERT_EVENTS = insert(AuditEvent.__table__)


def _row(actor: str, action: str, entity: str, entity_id: object, details: dict, at: datetime) -> dict:
    return {
        "at": at,
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "details": json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
    }


def record(
    session: Session, actor: str, action: str, entity: str, entity_id: object, **details: object
) -> None:
    """Add one audit event; it commits or rolls back with the change it describes."""
    session.execute(INSERT_EVENTS, [_row(actor, action, entity, entity_id, details, datetime.now(UTC))])


def record_many(session: Session, events: Iterable[tuple[str, str, str, object, dict]]) -> None:
    """Add many events (actor, action, entity, entity id, details) in one statement."""
    now = datetime.now(UTC)
    session.execute(INSERT_EVENTS, [_row(*event, now) for event in events])
