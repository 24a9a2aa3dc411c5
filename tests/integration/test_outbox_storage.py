"""A published outbox message keeps no copy of the receipt's XML (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from ereceipt.core.delivery import outbox
from ereceipt.core.delivery.outbox import OutboxMessage


def test_a_published_message_drops_its_body_and_a_pending_one_keeps_it(database) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "message_id": f"receipt-{n}", "kind": outbox.RECEIPT_ISSUED, "routing_key": "receipt.issued.X",
            "content_type": "application/xml", "body": b"<signed/>" * 700, "created_at": now,
            "attempts": 0, "next_attempt_at": now,
        }
        for n in (1, 2)
    ]  # fmt: skip
    with database.write() as session:
        session.execute(insert(OutboxMessage.__table__), rows)
        first = session.scalar(select(OutboxMessage.id).where(OutboxMessage.message_id == "receipt-1"))
        outbox.mark_sent(session, [first], now)
    with database.read() as session:
        stored = dict(session.execute(select(OutboxMessage.message_id, OutboxMessage.body)).all())
    assert stored == {"receipt-1": b"", "receipt-2": b"<signed/>" * 700}
