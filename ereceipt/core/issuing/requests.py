"""What is asked of the receipt engine and what it answers: a payment, an issue request, an issued receipt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ereceipt.core.receipts.content import PayerInfo, PaymentMethod, ReceiptContent
from ereceipt.core.receipts.payer_contact import PayerContact


@dataclass(frozen=True)
class PaymentIn:
    """A payment as a source reports it; ``source`` + ``reference`` identify it for ever."""

    source: str
    reference: str
    amount: int
    payer: PayerInfo
    paid_at: datetime
    method: PaymentMethod
    case_code: str | None = None
    purpose: str | None = None
    remittance_text: str | None = None
    contact: PayerContact | None = None  # for the notices; not part of the receipt


@dataclass(frozen=True)
class IssueRequest:
    payment: PaymentIn
    officer: str
    issuer_code: str | None = None  # taken from the case when there is one
    series_symbol: str | None = None  # the issuer's one active series of the year when omitted
    template_number: str | None = None


@dataclass(frozen=True)
class IssuedReceipt:
    receipt_id: int
    content: ReceiptContent
    signed_xml: bytes
    created: bool  # False when the payment had been receipted before (an idempotent repeat)
    contact: PayerContact | None = None  # where the payer wants it delivered (new receipts only)
