"""The transactional outbox: messages written in the issuing transaction, published later (at least once).

A ``receipt.issued`` event (routing key ``receipt.issued.<issuer code>``, body the signed receipt
XML, ``message_id`` stable per receipt) is written beside every new receipt, so an event exists
if and only if its receipt was committed. The relay (``ereceipt.queue.relay``) publishes pending
rows and marks them sent only after the broker's confirm; consumers de-duplicate on message_id.

Beside the event, one payer notice per channel the payer gave (e-mail, SMS) is written to
``payer_notice`` in the same transaction; ``ereceipt.core.delivery.notices`` delivers them. A notice has
its own table (not a row of ``outbox_message``) because it has a recipient, a receipt and a
terminal failed state that an officer sees and can resend, which a broker event has not.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from ereceipt.core.issuing.requests import IssuedReceipt
from ereceipt.core.receipts.store import receipt_id_by_ref
from ereceipt.core.receipts.tables import Issuer
from ereceipt.core.storage.base import Base, Id, UTCDateTime

RECEIPT_ISSUED = "receipt.issued"
EMAIL, SMS = "EMAIL", "SMS"  # notice channels
PENDING, SENT, FAILED = "PENDING", "SENT", "FAILED"  # notice states; FAILED is final until resent


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    routing_key: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(400))


class PayerNotice(Base):
    """One delivery of one receipt to the payer over one channel; created by migration 0009."""

    __tablename__ = "payer_notice"
    __table_args__ = (
        UniqueConstraint("receipt_id", "channel", name="receipt_channel"),
        Index("ix_payer_notice_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"))
    channel: Mapped[str] = mapped_column(String(10))  # EMAIL or SMS
    recipient: Mapped[str] = mapped_column(String(254))  # normalised e-mail address, or E.164 number
    status: Mapped[str] = mapped_column(String(10))  # PENDING, SENT or FAILED
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(400))


def receipt_issued_message_id(receipt_id: int) -> str:
    return f"{RECEIPT_ISSUED}.{receipt_id}"


def write_receipt_events(session: Session, issued: list[IssuedReceipt]) -> None:
    """The ``on_issued`` hook of ``ReceiptIssuer``: one event row per new receipt, same transaction."""
    now = datetime.now(UTC)
    rows = [
        {
            "message_id": receipt_issued_message_id(receipt.receipt_id),
            "kind": RECEIPT_ISSUED,
            "routing_key": f"{RECEIPT_ISSUED}.{receipt.content.issuer.code}",
            "content_type": "application/xml",
            "body": receipt.signed_xml,
            "created_at": now,
            "attempts": 0,
            "next_attempt_at": now,
            "sent_at": None,
            "last_error": None,
        }
        for receipt in issued
    ]
    if rows:
        session.execute(insert(OutboxMessage.__table__), rows)
    write_payer_notices(session, issued, now)


def write_payer_notices(session: Session, issued: list[IssuedReceipt], now: datetime) -> None:
    """One pending notice per channel the payer gave, in the issuing transaction."""
    rows = []
    for receipt in issued:
        for channel, recipient in _recipients(session, receipt):
            if recipient:
                rows.append(
                    {
                        "receipt_id": receipt.receipt_id,
                        "channel": channel,
                        "recipient": recipient,
                        "status": PENDING,
                        "attempts": 0,
                        "created_at": now,
                        "next_attempt_at": now,
                        "sent_at": None,
                        "failed_at": None,
                        "last_error": None,
                    }
                )
    if rows:
        session.execute(insert(PayerNotice.__table__), rows)


def _recipients(session: Session, receipt: IssuedReceipt) -> list[tuple[str, str]]:
    """Where the payer asked for this receipt; a replacement goes where the receipt it replaces went."""
    contact = receipt.contact
    if contact is not None:
        return [(channel, to) for channel, to in ((EMAIL, contact.email), (SMS, contact.mobile)) if to]
    if receipt.content.replaces is None:
        return []
    issuer_id = session.scalar(select(Issuer.id).where(Issuer.code == receipt.content.issuer.code))
    original = receipt_id_by_ref(session, issuer_id, receipt.content.replaces)
    query = select(PayerNotice.channel, PayerNotice.recipient).where(PayerNotice.receipt_id == original)
    return [(channel, recipient) for channel, recipient in session.execute(query.order_by(PayerNotice.id))]


def due(session: Session, limit: int, now: datetime) -> list[OutboxMessage]:
    """Unsent messages whose time has come, oldest first; locked against other relays on PostgreSQL."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def mark_sent(session: Session, ids: list[int], now: datetime) -> None:
    """Mark the messages published, and drop their bodies: the receipt keeps its signed XML, and a
    second copy of every receipt's XML in the outbox would double the register's largest column."""
    if ids:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(sent_at=now, body=b""))


def mark_failed(session: Session, message: OutboxMessage, error: str, now: datetime, cap: float) -> None:
    message.attempts += 1
    message.last_error = error[:400]
    message.next_attempt_at = now + timedelta(seconds=min(cap, 2 ** min(message.attempts, 16)))
