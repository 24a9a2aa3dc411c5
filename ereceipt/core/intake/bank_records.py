"""What a bank message leaves besides receipts: held payments, refusals, statement lines, the message.

Every row is inserted only where its unique key is new, so a message recorded twice (a redelivery)
leaves what recording it once leaves. Statement lines (ISO 20022 camt.054 and camt.053 booked
credits) are kept for reconciliation with the receipts and the treasury's statements.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ereceipt.core.intake.tables import BankMessage, BankStatementLine, RefusedBankTransaction
from ereceipt.core.intake.transfers import BankBatch, BankTransfer
from ereceipt.core.receipts.content import VIETNAM
from ereceipt.core.receipts.tables import Payment

HELD = "HELD"


def store_records(session: Session, batches: list[BankBatch], held: list[tuple], now: datetime) -> None:
    """Held payments, refused transactions, statement lines and the messages themselves.

    Each of ``held`` is (BIC, transfer, case id or None, the reason it is held).
    """
    _insert_new(session, Payment.__table__, [_held_row(*item, now) for item in held])
    refused_rows = [
        {
            "bic": batch.bic,
            "message_id": batch.message_id,
            "position": refusal.position,
            "reference": refusal.reference,
            "reason": refusal.reason[:400],
            "refused_at": now,
        }
        for batch in batches
        for refusal in batch.refused
    ]
    _insert_new(session, RefusedBankTransaction.__table__, refused_rows)
    _insert_new(session, BankStatementLine.__table__, [r for b in batches for r in _line_rows(b, now)])
    message_rows = [_message_row(batch, now) for batch in batches]
    _insert_new(session, BankMessage.__table__, message_rows)


def _held_row(bic: str, transfer: BankTransfer, case_id: int | None, reason: str, now: datetime) -> dict:
    return {
        "source": bic,
        "external_reference": transfer.reference,
        "amount": transfer.amount,
        "payer_name": transfer.payer_name,
        "payer_id_number": None,
        "payer_address": None,
        "paid_at": transfer.paid_at,
        "remittance_text": " | ".join(transfer.remittance)[:400] or None,
        "case_id": case_id,
        "status": HELD,
        "hold_reason": reason[:400],
        "recorded_at": now,
    }


def _line_rows(batch: BankBatch, now: datetime) -> list[dict]:
    """Every booked credit line of the message, for reconciliation."""
    return [
        {
            "bic": batch.bic,
            "kind": batch.kind,
            "message_id": batch.message_id,
            "document_id": batch.document_id[:100],
            "account": (t.account or "")[:34] or None,
            "booking_date": t.booking_date or t.paid_at.astimezone(VIETNAM).date(),
            "amount": t.amount,
            "reference": t.reference,
            "remittance_text": " | ".join(t.remittance)[:400] or None,
            "recorded_at": now,
        }
        for t in batch.transfers
    ]


def _message_row(batch: BankBatch, now: datetime) -> dict:
    return {
        "bic": batch.bic,
        "message_id": batch.message_id,
        "kind": batch.kind,
        "document_id": batch.document_id[:100],
        "transfers": len(batch.transfers),
        "refused": len(batch.refused),
        "received_at": now,
        "body": batch.body if batch.kind == "camt.053" else None,  # statements are kept whole
    }


def _insert_new(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert the rows, silently keeping the stored one where a unique key repeats."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(table).on_conflict_do_nothing(), rows)
