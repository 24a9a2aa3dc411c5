"""Storage of the officers' reviews (issue #5): counter drafts, held payments resolved, dead letters kept.

Drafts follow the fields of a receipt (Decree 123/2020/ND-CP art. 32) until an approver numbers
and signs them. The bank intake tables are not changed: what an officer decided about a held
payment, and every dead letter discarded with its body, live here. Created by migration 0006.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ereceipt.core.tables import Base, Id, UTCDateTime

DRAFT, APPROVED, REJECTED = "draft", "approved", "rejected"


class ReceiptDraft(Base):
    """A receipt entered at the counter (or proposed by OCR from a scan), waiting for an approver."""

    __tablename__ = "receipt_draft"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint("status IN ('draft', 'approved', 'rejected')", name="status_known"),
        CheckConstraint("payment_method IN ('CASH', 'BANK_TRANSFER')", name="method_known"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    payer_name: Mapped[str] = mapped_column(String(400))
    payer_id_number: Mapped[str | None] = mapped_column(String(12))
    payer_address: Mapped[str | None] = mapped_column(String(400))
    case_payment_code: Mapped[str | None] = mapped_column(String(16))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str | None] = mapped_column(String(400))
    payment_method: Mapped[str] = mapped_column(String(20))
    source_document_id: Mapped[int | None] = mapped_column(BigInteger)  # the scan it was read from
    field_confidences: Mapped[dict | None] = mapped_column(JSON)  # field name -> OCR confidence 0..1
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(100))  # who approved or rejected
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(400))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"), unique=True)


class HeldPaymentResolution(Base):
    """What an officer decided about a payment bank intake held: matched to a case, or to be refunded."""

    __tablename__ = "held_payment_resolution"
    __table_args__ = (CheckConstraint("action IN ('MATCHED', 'REFUND')", name="action_known"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), unique=True)
    action: Mapped[str] = mapped_column(String(10))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_case.id"))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"))
    reason: Mapped[str] = mapped_column(String(400))
    resolved_by: Mapped[str] = mapped_column(String(100))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DiscardedDeadLetter(Base):
    """A dead-lettered bank message an officer discarded: kept whole, with why it died and why discarded."""

    __tablename__ = "discarded_dead_letter"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(200))
    app_id: Mapped[str | None] = mapped_column(String(100))
    routing_key: Mapped[str] = mapped_column(String(255))
    properties: Mapped[dict] = mapped_column(JSON)  # AMQP basic properties, headers included
    body: Mapped[bytes] = mapped_column(LargeBinary)
    dead_reason: Mapped[str] = mapped_column(Text)
    discard_reason: Mapped[str] = mapped_column(String(400))
    discarded_by: Mapped[str] = mapped_column(String(100))
    discarded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
