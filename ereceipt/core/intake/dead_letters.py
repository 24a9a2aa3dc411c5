"""Dead-lettered bank messages kept when discarded, and every decision on them audited.

A discarded message is stored whole — body, AMQP properties and the reason it died — with who
discarded it and why, and committed before the broker forgets it, so nothing disappears silently.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from ereceipt.core.errors import BadInput
from ereceipt.core.intake.tables import DiscardedDeadLetter
from ereceipt.core.storage import audit


class DeadLetter(Protocol):
    """One dead-lettered message as the broker holds it (the queue machinery makes them)."""

    key: str  # names the message on the screen: a digest of its id, routing key and body
    message_id: str | None
    app_id: str | None
    routing_key: str
    reason: str
    dead_at: datetime | None
    body: bytes

    def properties_record(self) -> dict: ...


class DeadLetterQueue(Protocol):
    """The bank dead-letter queue as officers work on it; every method may raise ``TransientOutage``."""

    def count(self) -> int: ...

    def browse(self, limit: int = 200) -> list[DeadLetter]: ...

    def reprocess(
        self, key: str, *, before_ack: Callable[[DeadLetter], None] | None = None
    ) -> DeadLetter: ...

    def discard(self, key: str, *, keep: Callable[[DeadLetter], None]) -> DeadLetter: ...


def discard_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("cần ghi lý do bỏ thư lỗi")
    return reason[:400]


def keep_discarded(
    session: Session,
    *,
    message_id: str | None,
    app_id: str | None,
    routing_key: str,
    properties: dict,
    body: bytes,
    dead_reason: str,
    reason: str,
    by: str,
) -> int:
    """Store a discarded dead letter and audit it; returns the row's id."""
    row = DiscardedDeadLetter(
        message_id=message_id,
        app_id=app_id,
        routing_key=routing_key[:255],
        properties=properties,
        body=body,
        dead_reason=dead_reason,
        discard_reason=discard_reason(reason),
        discarded_by=by,
        discarded_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    details = {
        "message_id": message_id,
        "bank": app_id,
        "reason": row.discard_reason,
        "dead_reason": dead_reason,
    }
    audit.record(session, by, "dead_letter.discarded", "discarded_dead_letter", row.id, **details)
    return row.id


def record_reprocessed(
    session: Session, *, message_id: str | None, app_id: str | None, dead_reason: str, by: str
):
    audit.record(
        session,
        by,
        "dead_letter.reprocessed",
        "bank_message",
        message_id or "",
        bank=app_id,
        dead_reason=dead_reason,
    )
