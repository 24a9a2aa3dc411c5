"""Bank transfers into payments and receipts (ISO 20022 camt.054 semantics).

Each transfer is identified for ever by the bank's BIC and its reference, unique in ``payment``.
Several bank messages are recorded together: their matched transfers' payments and receipts,
what matches no case or more than the case owes as HELD with the reason (no receipt), their
refused transactions, and every booked credit line of a camt.054 or camt.053 in
``bank_statement_line`` for reconciliation. A payment and its receipt are always committed in
the same transaction, and every step skips what is already stored, so a message handled twice —
a redelivery after a crash between two of its transactions, or after the slower
one-message-at-a-time path — leaves exactly what handling it once leaves.

What a message carries is in ``transfers``; the rows it leaves besides receipts, in ``bank_records``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ereceipt.core.errors import Conflict
from ereceipt.core.intake import matching
from ereceipt.core.intake.bank_records import store_records
from ereceipt.core.intake.transfers import BankBatch, BankTransfer, IntakeResult
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.money import format_vnd
from ereceipt.core.receipts.content import PayerInfo, PaymentMethod
from ereceipt.core.receipts.store import still_owed
from ereceipt.core.receipts.tables import EnforcementCase, Payment
from ereceipt.core.storage.database import Database

CHUNK = 2000
ISSUING_GROUPS, MIN_GROUP = 4, 10  # receipting transactions per batch at most, and their least size
LENGTHS_SECONDS = 60.0  # how long the set of case code lengths is trusted before it is read again


@dataclass(frozen=True)
class _Case:
    id: int
    code: str
    amount_due: int
    issuer_id: int


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
        self._lengths: set[int] | None = None
        self._lengths_read = 0.0

    def record(self, batch: BankBatch) -> IntakeResult:
        return self.record_many([batch])[0]

    def record_many(self, batches: list[BankBatch]) -> list[IntakeResult]:
        """Record several bank messages together; each payment exactly once, whatever fails where.

        What is new is planned in one look, then receipted in a few transactions by issuer group
        (``issuer_groups``), the first of which also stores held payments, refusals, statement
        lines and the messages. A series' numbering counter stays locked from the moment its
        numbers are taken until its transaction commits, so one transaction for the whole batch
        would make a second worker wait for the first's every counter, and the two would sign one
        after the other. Groups taken in ascending issuer order let them sign side by side: the
        second worker follows the first one group behind, and neither ever waits for the other in
        a circle. A commit costs little beside the signing of a group of receipts.

        When a concurrent worker took part of what a case owed, or recorded one of the same
        transfers, since we looked, each message is recorded again on its own, the slower way that
        holds what has become unpayable; what was committed before counts as recorded then.
        """
        try:
            with self.database.read() as session:
                planned, held, results = self._plan_together(session, batches)
            groups = issuer_groups(planned) or [[]]
            with self.database.write() as session:
                store_records(session, batches, held, self.clock())
                self.issuer.issue_in(session, groups[0])
            for group in groups[1:]:
                with self.database.write() as session:
                    self.issuer.issue_in(session, group)
            return results
        except (Conflict, IntegrityError):
            return [self._record_apart(batch) for batch in batches]

    def _plan_together(
        self, session: Session, batches: list[BankBatch]
    ) -> tuple[list[tuple[int, IssueRequest]], list[tuple], list[IntakeResult]]:
        notices = [(number, b) for number, b in enumerate(batches) if b.kind != "camt.053"]
        fresh, repeats = self._fresh(session, [b for _, b in notices])
        repeated = {number: repeats[i] for i, (number, _) in enumerate(notices)}
        pairs = list(zip(notices, fresh, strict=True))
        owner = {(b.bic, t.reference): number for (number, b), ts in pairs for t in ts}
        planned, held = self._plan(session, [(b.bic, t) for (_, b), ts in pairs for t in ts])
        receipted = Counter(owner[(r.payment.source, r.payment.reference)] for _, r in planned)
        held_in = Counter(owner[(bic, t.reference)] for bic, t, _, _ in held)
        results = [
            IntakeResult(receipted[n], held_in[n], repeated.get(n, 0), len(batch.refused))
            for n, batch in enumerate(batches)
        ]
        return planned, held, results

    def _record_apart(self, batch: BankBatch) -> IntakeResult:
        with self.database.write() as session:
            fresh, repeated = self._fresh(session, [batch] if batch.kind != "camt.053" else [])
            planned, held = self._plan(session, [(batch.bic, t) for ts in fresh for t in ts])
        requests = [request for _, request in planned]
        unpayable = self._issue_apart(requests)
        with self.database.write() as session:
            store_records(session, [batch], held + [(batch.bic, *item) for item in unpayable], self.clock())
        receipted = len(requests) - len(unpayable)
        return IntakeResult(receipted, len(held) + len(unpayable), repeated.get(0, 0), len(batch.refused))

    def _fresh(
        self, session: Session, batches: list[BankBatch]
    ) -> tuple[list[list[BankTransfer]], dict[int, int]]:
        """Each message's transfers not recorded before (nor earlier in these messages); repeats counted."""
        stored: set[tuple[str, str]] = set()
        for bic in {batch.bic for batch in batches}:
            references = sorted({t.reference for b in batches if b.bic == bic for t in b.transfers})
            for chunk in _chunks(references):
                query = select(Payment.external_reference).where(
                    Payment.source == bic, Payment.external_reference.in_(chunk)
                )
                stored.update((bic, reference) for reference in session.scalars(query))
        fresh, repeated, seen = [], {}, set(stored)
        for number, batch in enumerate(batches):
            mine = []
            for transfer in batch.transfers:
                if (batch.bic, transfer.reference) not in seen:
                    seen.add((batch.bic, transfer.reference))
                    mine.append(transfer)
            fresh.append(mine)
            repeated[number] = len(batch.transfers) - len(mine)
        return fresh, repeated

    def _code_lengths(self, session: Session, *, again: bool = False) -> set[int]:
        """The lengths of case payment codes, read at most once a minute unless asked ``again``."""
        if again or self._lengths is None or time.monotonic() - self._lengths_read > LENGTHS_SECONDS:
            query = select(func.length(EnforcementCase.payment_code)).distinct()
            self._lengths, self._lengths_read = set(session.scalars(query)), time.monotonic()
        return self._lengths

    def _plan(
        self, session: Session, items: list[tuple[str, BankTransfer]], *, again: bool = False
    ) -> tuple[list[tuple[int, IssueRequest]], list[tuple[str, BankTransfer, int | None, str]]]:
        """What to receipt, with its issuer's id, in issuer order (so workers lock counters in one order),
        and what to hold."""
        if not items:
            return [], []
        lengths = self._code_lengths(session, again=again)
        wanted = set().union(*(matching.candidates(t.remittance, lengths) for _, t in items))
        cases = _cases(session, wanted)
        codes = {(bic, t.reference): self._code(session, t, cases, lengths) for bic, t in items}
        if not again and any(code is None for code in codes.values()):
            known = set(lengths)
            if self._code_lengths(session, again=True) != known:  # a case of a new code length was added
                return self._plan(session, items, again=True)
        owed = _owed(session, {cases[c].id: cases[c] for c in codes.values() if c in cases})
        planned, held = [], []
        for bic, transfer in items:
            code = codes[(bic, transfer.reference)]
            if code not in cases:
                held.append((bic, transfer, None, code or "no case payment code in the transfer content"))
                continue
            case = cases[code]
            if transfer.amount > owed[case.id]:
                reason = (
                    f"amount {format_vnd(transfer.amount)} đồng is more than the "
                    f"{format_vnd(owed[case.id])} đồng case {code} owes"
                )
                held.append((bic, transfer, case.id, reason))
                continue
            owed[case.id] -= transfer.amount
            planned.append((case.issuer_id, self._request(bic, transfer, code)))
        planned.sort(key=lambda pair: pair[0])
        return planned, held

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

    def _issue_apart(self, requests: list[IssueRequest]) -> list[tuple[BankTransfer, int | None, str]]:
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


def issuer_groups(planned: list[tuple[int, IssueRequest]]) -> list[list[IssueRequest]]:
    """Requests in issuer order cut into at most ``ISSUING_GROUPS`` groups of at least ``MIN_GROUP``
    (the last may be smaller), an issuer's requests never split between two groups."""
    size = max(MIN_GROUP, -(-len(planned) // ISSUING_GROUPS))
    groups: list[list[IssueRequest]] = []
    previous = None
    for issuer_id, request in planned:
        if not groups or (issuer_id != previous and len(groups[-1]) >= size):
            groups.append([])
        groups[-1].append(request)
        previous = issuer_id
    return groups


_CASE_COLUMNS = (
    EnforcementCase.id,
    EnforcementCase.payment_code,
    EnforcementCase.amount_due,
    EnforcementCase.issuer_id,
)


def _cases(session: Session, codes: set[str]) -> dict[str, _Case]:
    found: dict[str, _Case] = {}
    for chunk in _chunks(sorted(codes)):
        query = select(*_CASE_COLUMNS).where(EnforcementCase.payment_code.in_(chunk))
        found.update({row.payment_code: _Case(*row) for row in session.execute(query)})
    return found


def _cases_starting(session: Session, prefixes: set[str]) -> dict[str, _Case]:
    """Cases whose code starts with one of the prefixes (a code cut short by the bank)."""
    condition = or_(*(EnforcementCase.payment_code.startswith(p, autoescape=True) for p in prefixes))
    query = select(*_CASE_COLUMNS).where(condition).limit(2)
    return {row.payment_code: _Case(*row) for row in session.execute(query)}


def _owed(session: Session, cases: dict[int, _Case]) -> dict[int, int]:
    return still_owed(session, {case_id: case.amount_due for case_id, case in cases.items()})


def _chunks(values: list) -> Iterable[list]:
    return (values[i : i + CHUNK] for i in range(0, len(values), CHUNK))
