"""Storage of counter drafts: a receipt's fields (Decree 123/2020/ND-CP art. 32) until approved.

A draft is entered and corrected by officers; an approver numbers and signs it, or rejects it.
Each field of a draft records who last set its value, for the four-eyes rule of approval.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ereceipt.core.storage.base import Base, Id, UTCDateTime

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


class DraftFieldAuthor(Base):
    """Who last set one field of a draft (entered it, corrected it, or kept it as OCR read it), and when.

    Every field of every draft has a row: the approver must not be the author of any current value.
    """

    __tablename__ = "draft_field_author"
    draft_id: Mapped[int] = mapped_column(ForeignKey("receipt_draft.id"), primary_key=True)
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
