"""Held bank payments resolved by hand: matched to a case and receipted, or marked for refund.

Bank intake (ISO 20022 camt.054) holds a transfer whose content names no case, several cases, or
more than the case owes. An approver either matches it to a case — the receipt (payment method
bank transfer) is numbered and signed in the same transaction that marks the payment receipted —
or marks it for refund with a reason. The decision is kept in ``held_payment_resolution`` and in
the audit trail; the bank intake tables are not changed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ereceipt.core.errors import BadInput, Conflict, NotFound
from ereceipt.core.intake.tables import HeldPaymentResolution
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.issuing.requests import IssuedReceipt, IssueRequest, PaymentIn
from ereceipt.core.receipts.content import PayerInfo, PaymentMethod
from ereceipt.core.receipts.tables import EnforcementCase, Payment
from ereceipt.core.storage import audit

HELD, RECEIPTED, REFUND = "HELD", "RECEIPTED", "REFUND"


def held_payment(session: Session, payment_id: int, *, for_update: bool = False) -> Payment:
    query = select(Payment).where(Payment.id == payment_id)
    payment = session.scalar(query.with_for_update() if for_update else query)
    if payment is None:
        raise NotFound(f"không có khoản thanh toán số {payment_id}")
    return payment


def _still_held(session: Session, payment_id: int) -> Payment:
    payment = held_payment(session, payment_id, for_update=True)
    if payment.status != HELD:
        raise Conflict(f"khoản thanh toán số {payment_id} không còn treo ({payment.status})")
    return payment


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("cần ghi lý do")
    return reason[:400]


def find_case(session: Session, code: str) -> EnforcementCase:
    case = session.scalar(
        select(EnforcementCase).where(EnforcementCase.payment_code == (code or "").strip().upper())
    )
    if case is None:
        raise BadInput(f"không có hồ sơ thi hành án mã {code!r}")
    return case


def match_to_case(
    session: Session, issuer: ReceiptIssuer, payment_id: int, case: EnforcementCase, *, by: str, reason: str
) -> IssuedReceipt:
    """Receipt a held payment for ``case`` in the caller's transaction; the payment becomes receipted."""
    reason = _reason(reason)
    payment = _still_held(session, payment_id)
    incoming = PaymentIn(
        source=payment.source,
        reference=payment.external_reference,
        amount=payment.amount,
        payer=PayerInfo(payment.payer_name, payment.payer_id_number, payment.payer_address),
        paid_at=payment.paid_at,
        method=PaymentMethod.BANK_TRANSFER,
        case_code=case.payment_code,
        remittance_text=payment.remittance_text,
    )
    issued = issuer.issue_within(session, IssueRequest(incoming, officer=by), payment_id=payment.id)
    payment.status, payment.case_id = RECEIPTED, case.id
    _resolve(session, payment, "MATCHED", reason, by, case_id=case.id, receipt_id=issued.receipt_id)
    return issued


def mark_for_refund(session: Session, payment_id: int, *, by: str, reason: str) -> None:
    """Take a held payment off the list, to be paid back to the payer; the reason is kept."""
    reason = _reason(reason)
    payment = _still_held(session, payment_id)
    payment.status = REFUND
    _resolve(session, payment, "REFUND", reason, by)


def _resolve(
    session: Session,
    payment: Payment,
    action: str,
    reason: str,
    by: str,
    *,
    case_id: int | None = None,
    receipt_id: int | None = None,
) -> None:
    session.add(
        HeldPaymentResolution(
            payment_id=payment.id,
            action=action,
            case_id=case_id,
            receipt_id=receipt_id,
            reason=reason,
            resolved_by=by,
            resolved_at=datetime.now(UTC),
        )
    )
    details = {"reason": reason, "case": case_id, "receipt": receipt_id, "amount": payment.amount}
    audit.record(session, by, f"held_payment.{action.lower()}", "payment", payment.id, **details)
