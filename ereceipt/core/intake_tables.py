"""Storage of bank intake (ISO 20022 camt.054 / camt.053): messages received, transactions refused.

Payments themselves are rows of ``payment`` (source = the bank's BIC); these tables keep what a
bank sent and why a transaction of it could not become a payment. Created by migration 0003.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ereceipt.core.tables import Base, Id, UTCDateTime


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
