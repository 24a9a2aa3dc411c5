"""Bank transfers into payments and receipts (issue #4 flow 1; ISO 20022 camt.054 semantics).

Each transfer is identified for ever by the bank's BIC and its reference, unique in ``payment``.
Matched transfers are recorded and receipted together in one transaction (``issue_batch``); what
matches no case, or more than the case owes, is recorded as HELD with the reason, with no receipt.
Every step skips what is already stored, so a message handled twice — a redelivery after a crash
between the two transactions included — leaves exactly what handling it once leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Table, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ereceipt.core import matching
from ereceipt.core.database import Database
from ereceipt.core.errors import Conflict
from ereceipt.core.intake_tables import BankMessage, BankStatementLine, RefusedBankTransaction
from ereceipt.core.issuing import IssueRequest, PaymentIn, ReceiptIssuer
from ereceipt.core.receipt import VIETNAM, PayerInfo, PaymentMethod
from ereceipt.core.receipt_store import ISSUED
from ereceipt.core.tables import EnforcementCase, Payment, Receipt

HELD, CHUNK = "HELD", 2000


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


@dataclass(frozen=True)
class _Case:
    id: int
    code: str
    amount_due: int


class BankIntake:
    def __init__(
        self,
        database: Database,
        issuer: ReceiptIssuer,
        *,
        officer: str = "ereceipt-bank-intake",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.database, self.issuer, self.officer = database, issuer, officer
        self.clock = clock or (lambda: datetime.now(UTC))

    def record(self, batch: BankBatch) -> IntakeResult:
        if batch.kind == "camt.053":  # a day statement: kept for reconciliation, no payments from it
            with self.database.write() as session:
                self._store_lines(session, batch)
                self._store_message(session, batch, body=batch.body)
            return IntakeResult(refused=len(batch.refused))
        fresh, repeated = self._fresh(batch)
        requests, held = self._plan(batch.bic, fresh)
        unpayable = self._issue(requests)
        held += unpayable
        with self.database.write() as session:
            _insert_new(session, Payment.__table__, [self._held_row(batch.bic, *item) for item in held])
            refused_rows = [
                {
                    "bic": batch.bic,
                    "message_id": batch.message_id,
                    "position": refusal.position,
                    "reference": refusal.reference,
                    "reason": refusal.reason[:400],
                    "refused_at": self.clock(),
                }
                for refusal in batch.refused
            ]
            _insert_new(session, RefusedBankTransaction.__table__, refused_rows)
            self._store_lines(session, batch)
            self._store_message(session, batch, body=None)
        return IntakeResult(len(requests) - len(unpayable), len(held), repeated, len(batch.refused))

    def _fresh(self, batch: BankBatch) -> tuple[list[BankTransfer], int]:
        stored: set[str] = set()
        with self.database.read() as session:
            for chunk in _chunks(sorted({transfer.reference for transfer in batch.transfers})):
                query = select(Payment.external_reference).where(
                    Payment.source == batch.bic, Payment.external_reference.in_(chunk)
                )
                stored.update(session.scalars(query))
        fresh, seen = [], set(stored)
        for transfer in batch.transfers:
            if transfer.reference not in seen:
                seen.add(transfer.reference)
                fresh.append(transfer)
        return fresh, len(batch.transfers) - len(fresh)

    def _plan(
        self, bic: str, transfers: list[BankTransfer]
    ) -> tuple[list[IssueRequest], list[tuple[BankTransfer, int | None, str]]]:
        with self.database.read() as session:
            lengths = set(session.scalars(select(func.length(EnforcementCase.payment_code)).distinct()))
            wanted = set().union(*(matching.candidates(t.remittance, lengths) for t in transfers))
            cases = _cases(session, wanted)
            codes = {
                transfer.reference: self._code(session, transfer, cases, lengths) for transfer in transfers
            }
            owed = _owed(session, {cases[c].id: cases[c] for c in codes.values() if c in cases})
        requests, held = [], []
        for transfer in transfers:
            code = codes[transfer.reference]
            if code not in cases:
                held.append((transfer, None, code or "no case payment code in the transfer content"))
                continue
            case = cases[code]
            if transfer.amount > owed[case.id]:
                reason = f"amount {transfer.amount} is more than the {owed[case.id]} đồng case {code} owes"
                held.append((transfer, case.id, reason))
                continue
            owed[case.id] -= transfer.amount
            requests.append(self._request(bic, transfer, code))
        return requests, held

    def _code(self, session: Session, transfer: BankTransfer, cases: dict[str, _Case], lengths) -> str | None:
        found = matching.candidates(transfer.remittance, lengths) & set(cases)
        code = matching.choose(found)
        if code is None and len(found) > 1:
            return f"several case payment codes in the transfer content: {', '.join(sorted(found))}"
        if code is None and lengths:
            tails = matching.truncated_tails(transfer.remittance, max(lengths))
            if tails:
                prefixed = _cases_starting(session, tails)
                if len(prefixed) == 1:
                    cases.update(prefixed)
                    code = next(iter(prefixed))
        return code

    def _request(self, bic: str, transfer: BankTransfer, code: str) -> IssueRequest:
        payment = PaymentIn(
            source=bic,
            reference=transfer.reference,
            amount=transfer.amount,
            payer=PayerInfo(name=transfer.payer_name),
            paid_at=transfer.paid_at,
            method=PaymentMethod.BANK_TRANSFER,
            case_code=code,
            remittance_text=" | ".join(transfer.remittance)[:400] or None,
        )
        return IssueRequest(payment=payment, officer=self.officer)

    def _issue(self, requests: list[IssueRequest]) -> list[tuple[BankTransfer, int | None, str]]:
        """Issue the receipts; those a concurrent payment has made unpayable are returned to be held."""
        try:
            self.issuer.issue_batch(requests)
            return []
        except Conflict:
            pass  # another worker took part of what a case owed since we looked: one by one
        held = []
        for request in requests:
            try:
                self.issuer.issue(request)
            except Conflict as exc:
                p = request.payment
                transfer = BankTransfer(
                    p.reference, p.amount, p.paid_at, p.payer.name, (p.remittance_text or "",)
                )
                held.append((transfer, None, exc.message))
        return held

    def _held_row(self, bic: str, transfer: BankTransfer, case_id: int | None, reason: str) -> dict:
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
            "recorded_at": self.clock(),
        }

    def _store_lines(self, session: Session, batch: BankBatch) -> None:
        """Every booked credit line, for reconciliation (issue #7); a line stored before is kept."""
        now = self.clock()
        rows = [
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
        _insert_new(session, BankStatementLine.__table__, rows)

    def _store_message(self, session: Session, batch: BankBatch, *, body: bytes | None) -> None:
        row = {
            "bic": batch.bic,
            "message_id": batch.message_id,
            "kind": batch.kind,
            "document_id": batch.document_id[:100],
            "transfers": len(batch.transfers),
            "refused": len(batch.refused),
            "received_at": self.clock(),
            "body": body,
        }
        _insert_new(session, BankMessage.__table__, [row])


_CASE_COLUMNS = (EnforcementCase.id, EnforcementCase.payment_code, EnforcementCase.amount_due)


def _cases(session: Session, codes: set[str]) -> dict[str, _Case]:
    found: dict[str, _Case] = {}
    for chunk in _chunks(sorted(codes)):
        query = select(*_CASE_COLUMNS).where(EnforcementCase.payment_code.in_(chunk))
        found.update({code: _Case(i, code, due) for i, code, due in session.execute(query)})
    return found


def _cases_starting(session: Session, prefixes: set[str]) -> dict[str, _Case]:
    """Cases whose code starts with one of the prefixes (a code cut short by the bank)."""
    condition = or_(*(EnforcementCase.payment_code.startswith(p, autoescape=True) for p in prefixes))
    query = select(*_CASE_COLUMNS).where(condition).limit(2)
    return {code: _Case(i, code, due) for i, code, due in session.execute(query)}


def _owed(session: Session, cases: dict[int, _Case]) -> dict[int, int]:
    owed = {case_id: case.amount_due for case_id, case in cases.items()}
    for chunk in _chunks(list(cases)):
        query = (
            select(Receipt.case_id, func.sum(Receipt.amount))
            .where(Receipt.case_id.in_(chunk), Receipt.status == ISSUED)
            .group_by(Receipt.case_id)
        )
        for case_id, total in session.execute(query):
            owed[case_id] -= int(total)
    return owed


def _chunks(values: list) -> Iterable[list]:
    return (values[i : i + CHUNK] for i in range(0, len(values), CHUNK))


def _insert_new(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert the rows, silently keeping the stored one where a unique key repeats."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(table).on_conflict_do_nothing(), rows)
