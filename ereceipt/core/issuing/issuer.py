"""Issuing, cancelling and replacing receipts (Decree 123/2020/ND-CP art. 32; cancellation and replacement).

One transaction records the payments (idempotent on source and reference), takes the next
numbers, signs the receipts in number order and stores them with their audit events and the
dashboard's figures of the day (``daily_figures``). If anything
fails, nothing of it stays, the numbers included. A batch (a bank message of many transfers)
goes through the same steps as a single receipt, with one statement per step instead of one per
receipt.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from lxml import etree
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ereceipt.core.amount_words import amount_in_words
from ereceipt.core.errors import BadInput, Conflict
from ereceipt.core.issuing.numbering import take_numbers
from ereceipt.core.issuing.requests import IssuedReceipt, IssueRequest, PaymentIn
from ereceipt.core.money import format_vnd, vnd
from ereceipt.core.receipts import daily_figures, store
from ereceipt.core.receipts.content import (
    VIETNAM,
    CollectionInfo,
    PayerInfo,
    ReceiptContent,
    ReceiptRef,
    series_year,
)
from ereceipt.core.receipts.lookup_code import new_lookup_code
from ereceipt.core.receipts.payer_contact import PayerContact
from ereceipt.core.receipts.receipt_xml import receipt_element, validate_receipt
from ereceipt.core.receipts.store import SeriesInfo
from ereceipt.core.receipts.tables import EnforcementCase, Payment, Receipt
from ereceipt.core.signatures.identity import receipt_identity
from ereceipt.core.signatures.xades import IssuerSigners, ReceiptSigner
from ereceipt.core.storage import audit
from ereceipt.core.storage.database import Database
from ereceipt.core.xml.parser import hardened_parser

ISSUED, CANCELLED = store.ISSUED, store.CANCELLED


@dataclass(frozen=True)
class _Planned:
    """A receipt ready to be numbered: everything but its number and issue time."""

    content: ReceiptContent
    series: SeriesInfo
    payment_id: int | None
    case_id: int | None
    replaces_id: int | None = None
    contact: PayerContact | None = None


class ReceiptIssuer:
    """The receipt engine's commands; one instance per process, safe to share between threads."""

    def __init__(
        self,
        database: Database,
        signer: ReceiptSigner | IssuerSigners,
        clock: Callable[[], datetime] | None = None,
        on_issued: Callable[[Session, list[IssuedReceipt]], None] | None = None,
    ):
        self.database = database
        self.signer = signer
        # Each receipt is signed with the key of its issuer (``[signing_keys]``).
        self.signers = signer if isinstance(signer, IssuerSigners) else IssuerSigners(signer)
        self.clock = clock or (lambda: datetime.now(UTC))
        # Called with every batch of new receipts inside the issuing transaction (the outbox).
        self.on_issued = on_issued

    def issue(self, request: IssueRequest) -> IssuedReceipt:
        """Record the payment and issue its receipt; a repeat of a payment returns its first receipt."""
        return self.issue_batch([request])[0]

    def issue_batch(self, requests: Sequence[IssueRequest]) -> list[IssuedReceipt]:
        """Issue receipts for many payments in one transaction: all of them, or none and an error."""
        if not requests:
            return []
        try:
            with self.database.write() as session:
                return self._issue_all(session, requests)
        except IntegrityError:
            # Payments are unique on source and reference: a repeat fails on insert and rolls the
            # batch back whole. Letting the constraint find repeats saves a look-up per payment.
            if len(requests) > 1:
                return [self.issue(request) for request in requests]
            with self.database.read() as session:
                payment = requests[0].payment
                earlier = store.receipt_of_payment(session, payment.source, payment.reference, payment.amount)
                if earlier is None:
                    raise
                return [
                    IssuedReceipt(
                        earlier.id, store.stored_content(earlier), earlier.signed_xml, created=False
                    )
                ]

    def issue_in(self, session: Session, requests: Sequence[IssueRequest]) -> list[IssuedReceipt]:
        """Issue receipts for new payments inside the caller's transaction (bank intake's batches).

        The same steps as ``issue_batch``; the caller commits, or rolls back on any error. A payment
        recorded before raises ``IntegrityError`` here: the caller removes repeats beforehand.
        """
        return self._issue_all(session, requests, preload=True) if requests else []

    def issue_within(
        self, session: Session, request: IssueRequest, *, payment_id: int | None = None
    ) -> IssuedReceipt:
        """Issue one receipt inside the caller's transaction (an approval, a held payment matched by hand).

        With ``payment_id`` the payment is one recorded before (a held bank transfer) and is not
        recorded again; the caller updates it. Nothing is committed here.
        """
        now = self.clock()
        plan = _BatchLookups(session, now).plan(request)
        if payment_id is None:
            row = _payment_row(request.payment, plan.content.amount, plan.case_id, now)
            (payment_id,) = store.insert_rows(session, Payment.__table__, [row])
        (issued,) = self._number_sign_store(session, [replace(plan, payment_id=payment_id)])
        audit.record(
            session, request.officer, "receipt.issued", "receipt", issued.receipt_id, payment=payment_id
        )
        return issued

    def cancel(self, receipt_id: int, *, officer: str, reason: str) -> None:
        """Cancel a receipt: it keeps its number; reason, officer and time are recorded."""
        if not reason.strip():
            raise BadInput("a cancellation needs a reason")
        with self.database.write() as session:
            receipt = store.get_receipt(session, receipt_id, for_update=True)
            store.mark_cancelled(session, receipt, officer=officer, reason=reason, now=self.clock())

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
            original = store.get_receipt(session, receipt_id, for_update=True)
            if original.status != ISSUED:
                raise Conflict(f"receipt {receipt_id} is {original.status.lower()} and cannot be replaced")
            now = self.clock()
            store.mark_cancelled(session, original, officer=officer, reason=reason, now=now, count=False)
            old, series = store.stored_content(original), SeriesInfo.of(original.series)
            content = replace(
                old,
                payer=payer or old.payer,
                collection=replace(old.collection, purpose=purpose or old.collection.purpose),
                issuing_officer=officer,
                lookup_code=new_lookup_code(),
                replaces=ReceiptRef(series.template_number, series.series_symbol, original.number),
            )
            planned = _Planned(
                content, series, original.payment_id, original.case_id, replaces_id=original.id
            )
            (issued,) = self._number_sign_store(session, [planned])
            # The original leaves its day's figures only now: like every issuing transaction, this
            # one locks the series' counter before any figures row, so that none waits in a cycle.
            daily_figures.add(session, [(original.issuer_id, original.issued_at, -1, -original.amount)])
            details = {"replacement": issued.receipt_id, "reason": reason}
            audit.record(session, officer, "receipt.replaced", "receipt", original.id, **details)
            return issued

    def _issue_all(
        self, session: Session, requests: Sequence[IssueRequest], *, preload: bool = False
    ) -> list[IssuedReceipt]:
        now = self.clock()
        batch = _BatchLookups(session, now)
        if preload:  # a big batch touches many cases: look them up together, not one by one
            batch.preload({r.payment.case_code.upper() for r in requests if r.payment.case_code})
        plans = [batch.plan(request) for request in requests]
        rows = [
            _payment_row(r.payment, plan.content.amount, plan.case_id, now)
            for r, plan in zip(requests, plans, strict=True)
        ]
        payment_ids = store.insert_rows(session, Payment.__table__, rows)
        plans = [replace(plan, payment_id=pid) for plan, pid in zip(plans, payment_ids, strict=True)]
        issued = self._number_sign_store(session, plans)
        events = [
            (request.officer, "receipt.issued", "receipt", receipt.receipt_id, {"payment": plan.payment_id})
            for request, plan, receipt in zip(requests, plans, issued, strict=True)
        ]
        audit.record_many(session, events)
        return issued

    def _number_sign_store(self, session: Session, plans: list[_Planned]) -> list[IssuedReceipt]:
        year = self.clock().astimezone(VIETNAM).year
        for series in {plan.series for plan in plans}:
            if series_year(series.series_symbol) != year:
                raise Conflict(f"series {series.series_symbol} is not for {year}")
        numbers = {
            series_id: iter(take_numbers(session, series_id, year, count))
            for series_id, count in Counter(plan.series.id for plan in plans).items()
        }
        # The time is read once the numbers are ours, so that issue times follow the numbers.
        now = self.clock()
        if now.astimezone(VIETNAM).year != year:
            raise Conflict("the year turned while the receipts were being numbered; issue them again")
        contents, signed, rows = [], [], []
        for plan in plans:
            content = replace(plan.content, number=next(numbers[plan.series.id]), issued_at=now)
            document = receipt_element(content)
            validate_receipt(document)
            signed_xml = self.signers.for_issuer(content.issuer.code).sign_bytes(document)
            identity = receipt_identity(etree.fromstring(signed_xml, hardened_parser()))
            contents.append(content)
            signed.append(signed_xml)
            rows.append(_receipt_row(plan, content, year, signed_xml, identity))
        receipt_ids = store.insert_rows(session, Receipt.__table__, rows)
        # the dashboard's figures of the day, in this transaction (core.receipts.daily_figures)
        changes = [
            (plan.series.issuer_id, now, 1, content.amount)
            for plan, content in zip(plans, contents, strict=True)
        ]
        daily_figures.add(session, changes)
        issued = [
            IssuedReceipt(receipt_id, content, signed_xml, created=True, contact=plan.contact)
            for receipt_id, content, signed_xml, plan in zip(
                receipt_ids, contents, signed, plans, strict=True
            )
        ]
        if self.on_issued is not None:
            self.on_issued(session, issued)
        return issued


class _BatchLookups:
    """Checks each request of a batch and plans its receipt; cases and series are looked up once."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self.cases: dict[str, EnforcementCase] = {}
        self.owed: dict[int, int] = {}  # what each case still owes, less this batch's earlier payments
        self.series: dict[tuple, SeriesInfo] = {}

    def plan(self, request: IssueRequest) -> _Planned:
        incoming = request.payment
        amount = vnd(incoming.amount)
        case = self._case(incoming.case_code, amount) if incoming.case_code else None
        issuer_code = case.issuer.code if case else request.issuer_code
        if issuer_code is None:
            raise BadInput("a payment without a case must name the issuer")
        key = (issuer_code, request.series_symbol, request.template_number)
        if key not in self.series:
            self.series[key] = store.active_series(self.session, *key, self.now)
        series = self.series[key]
        purpose = incoming.purpose or (case.purpose if case else None)
        if not purpose:
            raise BadInput("the payment needs a purpose (what is collected)")
        content = ReceiptContent(
            issuer=series.issuer,
            template_number=series.template_number,
            series_symbol=series.series_symbol,
            number=0,  # taken at the last moment, just before signing
            issued_at=self.now,
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
        return _Planned(content, series, None, case.id if case else None, contact=incoming.contact)

    def preload(self, codes: set[str]) -> None:
        """The cases of these payment codes with their issuers, what each still owes, and their
        issuers' series, in three queries per 1000 codes."""
        ordered = sorted(codes)
        for start in range(0, len(ordered), 1000):
            chunk = ordered[start : start + 1000]
            query = select(EnforcementCase).where(EnforcementCase.payment_code.in_(chunk))  # issuer joined
            cases = {case.id: case for case in self.session.scalars(query)}
            issuers = sorted({case.issuer_id for case in cases.values()})
            for code, info in store.sole_active_series(self.session, issuers, self.now).items():
                self.series[(code, None, None)] = info
            owed = store.still_owed(
                self.session, {case_id: case.amount_due for case_id, case in cases.items()}
            )
            for case_id, case in cases.items():
                self.cases[case.payment_code] = case
                self.owed[case_id] = owed[case_id]

    def _case(self, code: str, amount: int) -> EnforcementCase:
        case = self.cases.get(code) or store.find_case(self.session, code)
        self.cases[code] = case
        if case.id not in self.owed:
            self.owed[case.id] = case.amount_due - store.receipted_total(self.session, case.id)
        if amount > self.owed[case.id]:
            owed = self.owed[case.id]
            raise Conflict(
                f"amount {format_vnd(amount)} đồng is more than the {format_vnd(owed)} đồng "
                f"case {case.payment_code} still owes"
            )
        self.owed[case.id] -= amount
        return case


def _payment_row(incoming: PaymentIn, amount: int, case_id: int | None, now: datetime) -> dict:
    return {
        "source": incoming.source,
        "external_reference": incoming.reference,
        "amount": amount,
        "payer_name": incoming.payer.name,
        "payer_id_number": incoming.payer.identity_number,
        "payer_address": incoming.payer.address,
        "paid_at": incoming.paid_at,
        "remittance_text": incoming.remittance_text,
        "case_id": case_id,
        "status": "RECEIPTED",
        "hold_reason": None,
        "recorded_at": now,
    }


def _receipt_row(
    plan: _Planned, content: ReceiptContent, year: int, signed_xml: bytes, identity: str | None
) -> dict:
    return {
        "issuer_id": plan.series.issuer_id,
        "series_id": plan.series.id,
        "year": year,
        "number": content.number,
        "lookup_code": content.lookup_code,
        "status": ISSUED,
        "issued_at": content.issued_at,
        "amount": content.amount,
        "payer_name": content.payer.name,
        "payer_id_number": content.payer.identity_number,
        "case_id": plan.case_id,
        "payment_id": plan.payment_id,
        "payment_method": content.payment_method.value,
        "payment_reference": content.payment_reference,
        "issuing_officer": content.issuing_officer,
        "replaces_id": plan.replaces_id,
        "signed_xml": signed_xml,
        "identity_digest": identity,
        "cancelled_at": None,
        "cancelled_by": None,
        "cancel_reason": None,
    }
