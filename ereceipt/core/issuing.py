"""Issuing, cancelling and replacing receipts (Decree 123/2020/ND-CP art. 32; cancel-and-replace per art. 19).

One transaction records the payment (idempotent on its source and reference), takes the next
number, signs the receipt and stores it with its audit event. If anything fails, nothing of it
stays, the number included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ereceipt.core import audit
from ereceipt.core.amount_words import amount_in_words
from ereceipt.core.database import Database
from ereceipt.core.errors import BadInput, Conflict, NotFound
from ereceipt.core.lookup_code import new_lookup_code
from ereceipt.core.money import vnd
from ereceipt.core.numbering import take_next_number
from ereceipt.core.receipt import (
    VIETNAM,
    CollectionInfo,
    IssuerInfo,
    PayerInfo,
    PaymentMethod,
    ReceiptContent,
    ReceiptRef,
    series_year,
)
from ereceipt.core.receipt_xml import read_receipt, receipt_element, validate_receipt
from ereceipt.core.tables import EnforcementCase, Issuer, Payment, Receipt, ReceiptSeries
from ereceipt.core.xades import ReceiptSigner
from ereceipt.core.xmlparse import parse_xml

ISSUED = "ISSUED"
CANCELLED = "CANCELLED"


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


class ReceiptIssuer:
    """The receipt engine's commands; one instance per process, safe to share between threads."""

    def __init__(
        self, database: Database, signer: ReceiptSigner, clock: Callable[[], datetime] | None = None
    ):
        self.database = database
        self.signer = signer
        self.clock = clock or (lambda: datetime.now(UTC))

    def issue(self, request: IssueRequest) -> IssuedReceipt:
        """Record the payment and issue its receipt; a repeat of a payment returns its first receipt."""
        try:
            with self.database.write() as session:
                earlier = _receipt_for_payment(session, request.payment)
                if earlier is not None:
                    return earlier
                return self._issue(session, request)
        except IntegrityError:
            # Another process recorded the same payment between our look and our insert.
            with self.database.read() as session:
                earlier = _receipt_for_payment(session, request.payment)
            if earlier is None:
                raise
            return earlier

    def cancel(self, receipt_id: int, *, officer: str, reason: str) -> None:
        """Cancel a receipt: it keeps its number; reason, officer and time are recorded."""
        if not reason.strip():
            raise BadInput("a cancellation needs a reason")
        with self.database.write() as session:
            receipt = _get_receipt(session, receipt_id, for_update=True)
            _cancel(session, receipt, officer=officer, reason=reason, now=self.clock())

    def replace(
        self,
        receipt_id: int,
        *,
        officer: str,
        reason: str,
        payer: PayerInfo | None = None,
        purpose: str | None = None,
    ) -> IssuedReceipt:
        """Cancel a receipt and issue its replacement, which has a new number and names the original."""
        if not reason.strip():
            raise BadInput("a replacement needs a reason")
        with self.database.write() as session:
            original = _get_receipt(session, receipt_id, for_update=True)
            if original.status != ISSUED:
                raise Conflict(f"receipt {receipt_id} is {original.status.lower()} and cannot be replaced")
            _cancel(session, original, officer=officer, reason=reason, now=self.clock())
            payment = session.get(Payment, original.payment_id) if original.payment_id else None
            case = session.get(EnforcementCase, original.case_id) if original.case_id else None
            old = _stored_content(original)
            content = replace(
                old,
                payer=payer or old.payer,
                collection=replace(old.collection, purpose=purpose or old.collection.purpose),
                issuing_officer=officer,
                replaces=ReceiptRef(
                    original.series.template_number, original.series.series_symbol, original.number
                ),
            )
            issued = self._sign_and_store(session, original.series, content, payment, case)
            audit.record(
                session,
                officer,
                "receipt.replaced",
                "receipt",
                original.id,
                replacement=issued.receipt_id,
                reason=reason,
            )
            return issued

    def _issue(self, session: Session, request: IssueRequest) -> IssuedReceipt:
        incoming = request.payment
        amount = vnd(incoming.amount)
        case = _find_case(session, incoming.case_code) if incoming.case_code else None
        issuer_code = case.issuer.code if case else request.issuer_code
        if issuer_code is None:
            raise BadInput("a payment without a case must name the issuer")
        if case is not None:
            outstanding = case.amount_due - _receipted_total(session, case.id)
            if amount > outstanding:
                raise Conflict(
                    f"amount {amount} is more than the {outstanding} đồng case {case.payment_code} still owes"
                )
        now = self.clock()
        series = _active_series(session, issuer_code, request.series_symbol, request.template_number, now)
        payment = Payment(
            source=incoming.source,
            external_reference=incoming.reference,
            amount=amount,
            payer_name=incoming.payer.name,
            payer_id_number=incoming.payer.identity_number,
            payer_address=incoming.payer.address,
            paid_at=incoming.paid_at,
            remittance_text=incoming.remittance_text,
            case_id=case.id if case else None,
            status="RECEIPTED",
            recorded_at=now,
        )
        session.add(payment)
        session.flush()
        purpose = incoming.purpose or (case.purpose if case else None)
        if not purpose:
            raise BadInput("the payment needs a purpose (what is collected)")
        content = ReceiptContent(
            issuer=_issuer_info(series.issuer),
            template_number=series.template_number,
            series_symbol=series.series_symbol,
            number=0,  # taken at the last moment, just before signing
            issued_at=now,
            payer=incoming.payer,
            collection=CollectionInfo(
                purpose=purpose,
                case_code=case.payment_code if case else None,
                judgment_number=case.judgment_number if case else None,
                decision_number=case.decision_number if case else None,
            ),
            amount=amount,
            amount_in_words=amount_in_words(amount),
            payment_method=incoming.method,
            payment_reference=incoming.reference,
            issuing_officer=request.officer,
            lookup_code=new_lookup_code(),
        )
        issued = self._sign_and_store(session, series, content, payment, case)
        audit.record(
            session, request.officer, "receipt.issued", "receipt", issued.receipt_id, payment=payment.id
        )
        return issued

    def _sign_and_store(
        self,
        session: Session,
        series: ReceiptSeries,
        content: ReceiptContent,
        payment: Payment | None,
        case: EnforcementCase | None,
    ) -> IssuedReceipt:
        year = self.clock().astimezone(VIETNAM).year
        if series_year(series.series_symbol) != year:
            raise Conflict(f"series {series.series_symbol} is not for {year}")
        number = take_next_number(session, series.id, year)
        # The time is read once the number is ours, so that issue times follow the numbers.
        now = self.clock()
        if now.astimezone(VIETNAM).year != year:
            raise Conflict("the year turned while the receipt was being numbered; issue it again")
        content = replace(content, number=number, issued_at=now, lookup_code=new_lookup_code())
        document = receipt_element(content)
        validate_receipt(document)
        signed_xml = self.signer.sign_bytes(document)
        receipt = Receipt(
            issuer_id=series.issuer_id,
            series_id=series.id,
            year=year,
            number=number,
            lookup_code=content.lookup_code,
            status=ISSUED,
            issued_at=now,
            amount=content.amount,
            payer_name=content.payer.name,
            payer_id_number=content.payer.identity_number,
            case_id=case.id if case else None,
            payment_id=payment.id if payment else None,
            payment_method=content.payment_method.value,
            payment_reference=content.payment_reference,
            issuing_officer=content.issuing_officer,
            replaces_id=None,
            signed_xml=signed_xml,
        )
        if content.replaces is not None:
            receipt.replaces_id = _receipt_id_by_ref(session, series.issuer_id, content.replaces)
        session.add(receipt)
        session.flush()
        return IssuedReceipt(receipt.id, content, signed_xml, created=True)


def _issuer_info(issuer: Issuer) -> IssuerInfo:
    return IssuerInfo(code=issuer.code, name=issuer.name, tax_code=issuer.tax_code, address=issuer.address)


def _stored_content(receipt: Receipt) -> ReceiptContent:
    # Our own stored, signed bytes: read back to repeat an answer or to carry content into a replacement.
    root = parse_xml(receipt.signed_xml)
    for signature in root.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        root.remove(signature)
    return read_receipt(root)


def _receipt_for_payment(session: Session, incoming: PaymentIn) -> IssuedReceipt | None:
    payment = session.scalar(
        select(Payment).where(
            Payment.source == incoming.source, Payment.external_reference == incoming.reference
        )
    )
    if payment is None:
        return None
    if payment.amount != incoming.amount:
        raise Conflict(
            f"payment {incoming.source}/{incoming.reference} was recorded with {payment.amount} đồng, "
            f"not {incoming.amount}"
        )
    receipt = session.scalar(
        select(Receipt)
        .where(Receipt.payment_id == payment.id)
        .order_by(Receipt.status == CANCELLED, Receipt.id)
    )
    if receipt is None:
        raise Conflict(f"payment {incoming.source}/{incoming.reference} is recorded but has no receipt")
    return IssuedReceipt(receipt.id, _stored_content(receipt), receipt.signed_xml, created=False)


def _find_case(session: Session, case_code: str) -> EnforcementCase:
    case = session.scalar(select(EnforcementCase).where(EnforcementCase.payment_code == case_code.upper()))
    if case is None:
        raise NotFound(f"no enforcement case with payment code {case_code}")
    return case


def _receipted_total(session: Session, case_id: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(Receipt.amount), 0)).where(
            Receipt.case_id == case_id, Receipt.status == ISSUED
        )
    )
    return int(total)


def _active_series(
    session: Session, issuer_code: str, symbol: str | None, template: str | None, now: datetime
) -> ReceiptSeries:
    year = now.astimezone(VIETNAM).year
    query = (
        select(ReceiptSeries).join(Issuer).where(Issuer.code == issuer_code, ReceiptSeries.active.is_(True))
    )
    if symbol:
        query = query.where(ReceiptSeries.series_symbol == symbol)
    if template:
        query = query.where(ReceiptSeries.template_number == template)
    candidates = [s for s in session.scalars(query) if series_year(s.series_symbol) == year]
    if not candidates:
        raise Conflict(
            f"issuer {issuer_code} has no active receipt series for {year}"
            + (f" named {symbol}" if symbol else "")
        )
    if len(candidates) > 1:
        names = ", ".join(f"{s.template_number} {s.series_symbol}" for s in candidates)
        raise BadInput(f"issuer {issuer_code} has several active series for {year} ({names}); name one")
    return candidates[0]


def _get_receipt(session: Session, receipt_id: int, *, for_update: bool = False) -> Receipt:
    query = select(Receipt).where(Receipt.id == receipt_id)
    receipt = session.scalar(query.with_for_update(of=Receipt) if for_update else query)
    if receipt is None:
        raise NotFound(f"no receipt with id {receipt_id}")
    return receipt


def _cancel(session: Session, receipt: Receipt, *, officer: str, reason: str, now: datetime) -> None:
    if receipt.status == CANCELLED:
        raise Conflict(f"receipt {receipt.id} was cancelled already")
    receipt.status = CANCELLED
    receipt.cancelled_at = now
    receipt.cancelled_by = officer
    receipt.cancel_reason = reason
    audit.record(session, officer, "receipt.cancelled", "receipt", receipt.id, reason=reason)


def _receipt_id_by_ref(session: Session, issuer_id: int, ref: ReceiptRef) -> int:
    receipt_id = session.scalar(
        select(Receipt.id)
        .join(ReceiptSeries)
        .where(
            Receipt.issuer_id == issuer_id,
            ReceiptSeries.template_number == ref.template_number,
            ReceiptSeries.series_symbol == ref.series_symbol,
            Receipt.number == ref.number,
        )
    )
    if receipt_id is None:
        raise NotFound(f"no receipt {ref.template_number} {ref.series_symbol} {ref.number:07d}")
    return receipt_id
