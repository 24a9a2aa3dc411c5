"""Storage of bank intake (ISO 20022 camt.054 / camt.053): messages, refused transactions, statement lines.

Beside them: held payments an officer resolved by hand, and dead letters discarded with their body.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ereceipt.core.storage.base import Base, Id, UTCDateTime


class BankMessage(Base):
    """A camt message as received; camt.053 statements are kept whole for reconciliation."""

    __tablename__ = "bank_message"
    __table_args__ = (UniqueConstraint("bic", "message_id", name="bic_message"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    bic: Mapped[str] = mapped_column(String(11))
    message_id: Mapped[str] = mapped_column(String(100))  # the AMQP message_id
    kind: Mapped[str] = mapped_column(String(20))  # camt.054 or camt.053
    document_id: Mapped[str] = mapped_column(String(100))  # GrpHdr/MsgId
    transfers: Mapped[int] = mapped_column(Integer)
    refused: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)  # statements only


class RefusedBankTransaction(Base):
    """A credit transaction that cannot become a payment (fraction of a đồng, no reference...)."""

    __tablename__ = "refused_bank_transaction"
    __table_args__ = (UniqueConstraint("bic", "message_id", "position", name="bic_message_position"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    bic: Mapped[str] = mapped_column(String(11))
    message_id: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(400))
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BankStatementLine(Base):
    """A booked credit line as a bank reported it, once per bank, document kind and bank reference.

    Reconciliation joins these by set: a notification line to its statement line on (bic,
    reference) with kinds camt.054 and camt.053; a line to its payment on ``payment.source = bic``
    and ``payment.external_reference = reference`` (and the payment to its receipt); statement
    lines to the treasury's on (account, booking_date, amount).
    """

    __tablename__ = "bank_statement_line"
    __table_args__ = (
        UniqueConstraint("bic", "kind", "reference", name="uq_bank_statement_line_bic_kind_reference"),
        Index("ix_bank_statement_line_account_booking_date", "account", "booking_date"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    bic: Mapped[str] = mapped_column(String(11))
    kind: Mapped[str] = mapped_column(String(20))  # camt.054 or camt.053
    message_id: Mapped[str] = mapped_column(String(100))  # the AMQP message_id (see bank_message)
    document_id: Mapped[str] = mapped_column(String(100))  # GrpHdr/MsgId
    account: Mapped[str | None] = mapped_column(String(34))  # IBAN or other identification
    booking_date: Mapped[date] = mapped_column(Date)  # the Vietnam day the bank booked it
    amount: Mapped[int] = mapped_column(BigInteger)  # whole đồng
    reference: Mapped[str] = mapped_column(String(100))  # AcctSvcrRef, else TxId, else EndToEndId
    remittance_text: Mapped[str | None] = mapped_column(String(400))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


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
