"""What one bank message carries and what recording it gave (ISO 20022 camt.054 and camt.053 credits)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class BankTransfer:
    """One booked credit as the bank reports it, in whole đồng."""

    reference: str
    amount: int
    paid_at: datetime
    payer_name: str
    remittance: tuple[str, ...]  # unstructured lines, then structured references
    account: str | None = None  # the credited account (IBAN or other identification)
    booking_date: date | None = None  # the bank's booking date (the Vietnam day)


@dataclass(frozen=True)
class RefusedTransaction:
    position: int  # 1-based among the message's credit transactions
    reference: str | None
    reason: str


@dataclass(frozen=True)
class BankBatch:
    """What one bank message carries, and where it came from."""

    bic: str
    message_id: str
    kind: str  # camt.054 or camt.053
    document_id: str
    transfers: list[BankTransfer]
    refused: list[RefusedTransaction]
    body: bytes


@dataclass(frozen=True)
class IntakeResult:
    receipted: int = 0
    held: int = 0
    repeated: int = 0  # transfers recorded before (a duplicate or redelivered message)
    refused: int = 0
