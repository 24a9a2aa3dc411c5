"""Drafts from counter scans: an OCR reading proposes a draft receipt (Decree 123 art. 32).

When the reading of a scan has a payer and an amount and they pass the draft's checks, the draft
is created in the transaction that records the reading, with the confidence of each field read,
and joins the approval queue. Otherwise nothing is guessed: the document waits for an officer,
who completes the proposed fields beside the scan and saves the draft (admin page, counter screen).
A corrected field loses its OCR confidence; an approver numbers and signs the draft as any other.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from ereceipt.core.counter import drafts
from ereceipt.core.counter.documents import CounterDocument
from ereceipt.core.counter.tables import ReceiptDraft
from ereceipt.core.errors import BadInput
from ereceipt.core.receipts.content import PaymentMethod

log = logging.getLogger("ereceipt.counter")
READ_FIELDS = ("payer_name", "payer_id_number", "payer_address", "case_payment_code", "amount_vnd", "purpose")


def proposal(fields: dict, confidences: dict) -> tuple[dict, dict]:
    """The draft's fields as read (empty where nothing was read) and the confidence of each one read.

    A document that names a bank reference is a transfer the payer shows; anything else is cash.
    """
    values = {name: fields.get(name) for name in READ_FIELDS}
    method = PaymentMethod.BANK_TRANSFER if fields.get("bank_reference") else PaymentMethod.CASH
    values["payment_method"] = method.value
    read = {name: float(confidences[name]) for name in READ_FIELDS if values[name] and name in confidences}
    return values, read


def draft_from_reading(session: Session, document_id: int, fields: dict, confidences: dict) -> int | None:
    """Hook of ``CounterDocuments``: the draft of a complete reading, or None (an officer completes it)."""
    values, read = proposal(fields, confidences)
    if not values["payer_name"] or not values["amount_vnd"]:
        return None
    document = session.get(CounterDocument, document_id)
    try:
        with session.begin_nested():  # a refused draft must not undo the reading recorded beside it
            return drafts.create_draft(
                session,
                agency_code=document.agency_code,
                created_by=document.uploaded_by,
                source_document_id=document_id,
                field_confidences=read,
                **values,
            )
    except BadInput as exc:
        log.info("counter document %s waits for an officer: %s", document_id, exc.message)
        return None


def draft_of_document(session: Session, document_id: int) -> int | None:
    """The draft made from this document, if any (the first one)."""
    query = select(ReceiptDraft.id).where(ReceiptDraft.source_document_id == document_id)
    return session.scalar(query.order_by(ReceiptDraft.id).limit(1))


def document_of_receipt(session: Session, receipt_id: int) -> int | None:
    """The scan a receipt was read from, through its approved draft; None for other receipts."""
    query = select(ReceiptDraft.source_document_id).where(
        ReceiptDraft.receipt_id == receipt_id, ReceiptDraft.source_document_id.is_not(None)
    )
    return session.scalar(query)
