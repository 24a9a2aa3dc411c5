"""Three-way reconciliation per account and day: receipts ↔ bank statement lines ↔ the treasury's statement.

Set-based SQL, the same on SQLite and PostgreSQL: the three sides are stacked with UNION ALL and
grouped by payment reference (one hash aggregate: the portable form of a three-way full outer
join), the per-reference counts and sums are kept in a temporary table, and each outcome is one
``INSERT … SELECT`` over it. Nothing is looped over in Python. Which banks sent a statement is
one small aggregate per bank joined back to the lines (a correlated NOT EXISTS over a million
lines of one day is planned as a nested loop on PostgreSQL).

Outcomes per payment reference (the bank's reference, which receipts carry as PaymentReference):

- ``duplicate``: the reference appears more than once on one side (detail names the sides);
  such a reference is not compared further;
- receipts ↔ bank: ``payment_without_receipt`` (a bank line, no receipt), ``receipt_without_payment``
  (a receipt, no bank line), ``amount_mismatch`` with detail ``receipt`` (amounts differ);
- bank ↔ treasury: ``in_treasury_not_in_bank``, ``in_bank_not_in_treasury``, ``amount_mismatch``
  with detail ``treasury``;
- ``matched``: one receipt, one bank line and one treasury line with the same amount (counted,
  not listed).

Receipts taken: ISSUED, paid by bank transfer, issued on the day (Vietnam time) by an issuer whose
collection account is the account. Treasury lines: ``treasury_statement_line`` of the account and day.

Bank lines: ``bank_statement_line`` of the account booked on the day, as bank intake stored them
from camt.053 day statements and camt.054 notifications. A credit is reported twice by a bank that
sends both, so one rule picks one of the two per bank, account and day: when the bank's camt.053
statement has any line for the account and day, its statement lines are the bank side and that
bank's camt.054 lines of the account and day are left out (the day statement is the bank's booked
record); until the statement is in, the camt.054 notification lines stand in for it. A credit is
thus never counted twice, whatever references the two documents give it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TextIO

from lxml import etree
from sqlalchemy import Date, DateTime, bindparam, literal, select, text, tuple_, update
from sqlalchemy.orm import Session

from ereceipt.core.errors import NotFound, SchemaViolation
from ereceipt.core.receipts.content import VIETNAM
from ereceipt.core.receipts.tables import Issuer
from ereceipt.core.signatures.xades import ReceiptSigner
from ereceipt.core.storage.database import Database
from ereceipt.core.storage.streaming import streamed_rows
from ereceipt.core.treasury.collection_report import day_bounds
from ereceipt.core.treasury.tables import ReconciliationDiscrepancy, ReconciliationRun
from ereceipt.core.xml.schemas import package_schema

REPORT_NS = "urn:ereceipt:thads:reconciliation:1.0"
KINDS = (
    "payment_without_receipt",
    "receipt_without_payment",
    "amount_mismatch",
    "duplicate",
    "in_treasury_not_in_bank",
    "in_bank_not_in_treasury",
)
KIND_LABELS = {
    "payment_without_receipt": "Có tiền về, chưa có biên lai",
    "receipt_without_payment": "Có biên lai, không có tiền về",
    "amount_mismatch": "Lệch số tiền",
    "duplicate": "Trùng lặp",
    "in_treasury_not_in_bank": "Có ở Kho bạc, không có ở ngân hàng",
    "in_bank_not_in_treasury": "Có ở ngân hàng, không có ở Kho bạc",
}
STEPS = ("sources", "discrepancies", "figures")
Progress = Callable[[str, int, int], None]  # step name, steps done, steps in all

_LEDGER = """
CREATE TEMPORARY TABLE recon_ledger AS
SELECT reference,
       SUM(CASE WHEN side = 'R' THEN 1 ELSE 0 END) AS rc,
       SUM(CASE WHEN side = 'R' THEN amount ELSE 0 END) AS ra,
       SUM(CASE WHEN side = 'B' THEN 1 ELSE 0 END) AS bc,
       SUM(CASE WHEN side = 'B' THEN amount ELSE 0 END) AS ba,
       SUM(CASE WHEN side = 'T' THEN 1 ELSE 0 END) AS tc,
       SUM(CASE WHEN side = 'T' THEN amount ELSE 0 END) AS ta
FROM (
    SELECT 'R' AS side, r.payment_reference AS reference, r.amount AS amount
    FROM receipt r JOIN issuer i ON i.id = r.issuer_id
    WHERE i.bank_account = :account AND r.status = 'ISSUED' AND r.payment_method = 'BANK_TRANSFER'
      AND r.payment_reference IS NOT NULL AND r.issued_at >= :start AND r.issued_at < :end
    UNION ALL
    SELECT 'B', b.reference, b.amount
    FROM bank_statement_line b
    JOIN (
        SELECT bic, MAX(CASE WHEN kind = 'camt.053' THEN 1 ELSE 0 END) AS stated
        FROM bank_statement_line
        WHERE account = :account AND booking_date = :day
        GROUP BY bic
    ) AS banks ON banks.bic = b.bic
    WHERE b.account = :account AND b.booking_date = :day
      AND b.kind = CASE WHEN banks.stated = 1 THEN 'camt.053' ELSE 'camt.054' END
    UNION ALL
    SELECT 'T', t.reference, t.amount FROM treasury_statement_line t
    WHERE t.account = :account AND t.day = :day
) AS sides
GROUP BY reference
"""

# (kind, detail SQL, condition); amounts of a side that is absent are NULL.
_CHECKS = (
    (
        "duplicate",
        "TRIM(CASE WHEN rc > 1 THEN 'receipts ' ELSE '' END || CASE WHEN bc > 1 THEN 'bank ' ELSE '' END"
        " || CASE WHEN tc > 1 THEN 'treasury' ELSE '' END)",
        "rc > 1 OR bc > 1 OR tc > 1",
    ),
    ("payment_without_receipt", "NULL", "rc = 0 AND bc = 1 AND tc <= 1"),
    ("receipt_without_payment", "NULL", "rc = 1 AND bc = 0 AND tc <= 1"),
    ("amount_mismatch", "'receipt'", "rc = 1 AND bc = 1 AND tc <= 1 AND ra <> ba"),
    ("in_treasury_not_in_bank", "NULL", "tc = 1 AND bc = 0 AND rc <= 1"),
    ("in_bank_not_in_treasury", "NULL", "bc = 1 AND tc = 0 AND rc <= 1"),
    ("amount_mismatch", "'treasury'", "bc = 1 AND tc = 1 AND rc <= 1 AND ba <> ta"),
)
_INSERT = (
    "INSERT INTO reconciliation_discrepancy "
    "(run_id, kind, reference, detail, receipt_amount, bank_amount, treasury_amount) "
    "SELECT :run_id, :kind, reference, {detail}, "
    "CASE WHEN rc > 0 THEN ra END, CASE WHEN bc > 0 THEN ba END, CASE WHEN tc > 0 THEN ta END "
    "FROM recon_ledger WHERE {condition}"
)
_FIGURES = """
SELECT COALESCE(SUM(rc), 0), COALESCE(SUM(ra), 0), COALESCE(SUM(bc), 0), COALESCE(SUM(ba), 0),
       COALESCE(SUM(tc), 0), COALESCE(SUM(ta), 0),
       COALESCE(SUM(CASE WHEN rc = 1 AND bc = 1 AND tc = 1 AND ra = ba AND ba = ta THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN rc = 1 AND bc = 1 AND tc = 1 AND ra = ba AND ba = ta THEN ba ELSE 0 END), 0)
FROM recon_ledger
"""


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    account: str
    day: date
    receipts: tuple[int, int]  # count, amount
    bank: tuple[int, int]
    treasury: tuple[int, int]
    matched: tuple[int, int]
    discrepancies: dict[str, int]

    @property
    def discrepancy_count(self) -> int:
        return sum(self.discrepancies.values())


_TYPES = {"start": DateTime(), "end": DateTime(), "day": Date()}


def _bind(session: Session, sql: str, **params):
    """``sql`` with typed parameters, so dates and times are bound as each database stores them."""
    statement = text(sql).bindparams(
        *(bindparam(name, type_=_TYPES[name]) for name in params if name in _TYPES)
    )
    return session.execute(statement, params)


def reconcile(
    database: Database, account: str, day: date, *, actor: str = "system", progress: Progress | None = None
) -> RunSummary:
    """Run one reconciliation in one transaction and store it with its figures and discrepancies."""
    report = progress or (lambda step, done, total: None)
    start, end = day_bounds(day)
    with database.write() as session:
        issuer_id = session.scalar(
            select(Issuer.id).where(Issuer.bank_account == account).order_by(Issuer.id)
        )
        run = ReconciliationRun(
            account=account,
            day=day,
            issuer_id=issuer_id,
            started_at=datetime.now(UTC),
            actor=actor,
            receipts_count=0,
            receipts_amount=0,
            bank_count=0,
            bank_amount=0,
            treasury_count=0,
            treasury_amount=0,
            matched_count=0,
            matched_amount=0,
            discrepancy_count=0,
        )
        session.add(run)
        session.flush()
        report(STEPS[0], 0, len(STEPS))
        _bind(session, "DROP TABLE IF EXISTS recon_ledger")
        # Receipt times are stored as naive UTC (UTCDateTime): bind them the same way.
        _bind(
            session,
            _LEDGER,
            account=account,
            day=day,
            start=start.replace(tzinfo=None),
            end=end.replace(tzinfo=None),
        )
        report(STEPS[1], 1, len(STEPS))
        for kind, detail, condition in _CHECKS:
            _bind(session, _INSERT.format(detail=detail, condition=condition), run_id=run.id, kind=kind)
        report(STEPS[2], 2, len(STEPS))
        figures = [int(value) for value in _bind(session, _FIGURES).one()]
        counts = dict(
            _bind(
                session,
                "SELECT kind, COUNT(*) FROM reconciliation_discrepancy WHERE run_id = :run_id GROUP BY kind",
                run_id=run.id,
            ).all()
        )
        _bind(session, "DROP TABLE recon_ledger")
        session.execute(
            update(ReconciliationRun)
            .where(ReconciliationRun.id == run.id)
            .values(
                receipts_count=figures[0],
                receipts_amount=figures[1],
                bank_count=figures[2],
                bank_amount=figures[3],
                treasury_count=figures[4],
                treasury_amount=figures[5],
                matched_count=figures[6],
                matched_amount=figures[7],
                discrepancy_count=sum(counts.values()),
                finished_at=datetime.now(UTC),
            )
        )
        report("done", len(STEPS), len(STEPS))
        return RunSummary(
            run.id,
            account,
            day,
            (figures[0], figures[1]),
            (figures[2], figures[3]),
            (figures[4], figures[5]),
            (figures[6], figures[7]),
            {kind: int(counts.get(kind, 0)) for kind in KINDS},
        )


def load_run(session: Session, run_id: int) -> ReconciliationRun:
    run = session.get(ReconciliationRun, run_id)
    if run is None:
        raise NotFound(f"no reconciliation run {run_id}")
    return run


def discrepancies(
    session: Session, run_id: int, *, after: int | None = None, limit: int | None = None
) -> list[ReconciliationDiscrepancy]:
    """The run's discrepancies by kind and reference; with ``after`` (the id of the last one seen)
    those that follow it, and at most ``limit`` of them: a page costs what the first page costs,
    read along ``ix_reconciliation_discrepancy_page``, however many the run has."""
    table = ReconciliationDiscrepancy
    key = tuple_(table.kind, table.reference, table.id)
    query = select(table).where(table.run_id == run_id)
    if after is not None:
        last = select(table.kind, table.reference, table.id).where(table.run_id == run_id, table.id == after)
        seen = session.execute(last).one_or_none()
        if seen is None:
            raise NotFound(f"run {run_id} has no discrepancy {after}")
        query = query.where(key > tuple_(*(literal(value) for value in seen)))
    query = query.order_by(table.kind, table.reference, table.id)
    return list(session.scalars(query if limit is None else query.limit(limit)))


CSV_COLUMNS = ("kind", "reference", "detail", "receipt_amount", "bank_amount", "treasury_amount")


def write_discrepancies_csv(session: Session, run_id: int, output: TextIO) -> int:
    """Write the run's discrepancies as CSV (RFC 4180, one header line) to ``output`` as they are
    read, a batch at a time, so that a run with millions of them needs no more memory than a few;
    the number of rows written."""
    load_run(session, run_id)
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    table = ReconciliationDiscrepancy.__table__
    rows = (
        select(*(table.c[name] for name in CSV_COLUMNS))
        .where(table.c.run_id == run_id)
        .order_by(table.c.kind, table.c.reference)
    )
    written = 0
    for row in streamed_rows(session, rows):
        writer.writerow(["" if value is None else value for value in row])
        written += 1
    return written


def discrepancies_csv(session: Session, run_id: int) -> str:
    """The run's discrepancies as CSV text (``write_discrepancies_csv``)."""
    output = io.StringIO()
    write_discrepancies_csv(session, run_id, output)
    return output.getvalue()


def report_schema() -> etree.XMLSchema:
    return package_schema("reconciliation-report-1.0.xsd")


def _q(name: str) -> str:
    return f"{{{REPORT_NS}}}{name}"


def _add(parent: etree._Element, name: str, value: object) -> etree._Element:
    child = etree.SubElement(parent, _q(name))
    child.text = str(value)
    return child


def report_element(session: Session, run_id: int) -> etree._Element:
    """The run as a reconciliation-report-1.0 document (unsigned), validated against its XSD."""
    run = load_run(session, run_id)
    root = etree.Element(_q("ReconciliationReport"), nsmap={None: REPORT_NS})
    _add(root, "RunId", run.id)
    _add(root, "Account", run.account)
    _add(root, "Day", run.day.isoformat())
    _add(root, "RunAt", run.started_at.astimezone(VIETNAM).isoformat(timespec="seconds"))
    for name, count, amount in (
        ("Receipts", run.receipts_count, run.receipts_amount),
        ("BankLines", run.bank_count, run.bank_amount),
        ("TreasuryLines", run.treasury_count, run.treasury_amount),
        ("Matched", run.matched_count, run.matched_amount),
    ):
        figure = etree.SubElement(root, _q(name))
        _add(figure, "Count", count)
        _add(figure, "Amount", amount)
    _add(root, "DiscrepancyCount", run.discrepancy_count)
    for row in discrepancies(session, run_id):
        item = etree.SubElement(root, _q("Discrepancy"))
        _add(item, "Kind", row.kind)
        _add(item, "PaymentReference", row.reference)
        for name, value in (
            ("Detail", row.detail),
            ("ReceiptAmount", row.receipt_amount),
            ("BankAmount", row.bank_amount),
            ("TreasuryAmount", row.treasury_amount),
        ):
            if value is not None:
                _add(item, name, value)
    schema = report_schema()
    if not schema.validate(root):
        raise SchemaViolation(f"reconciliation report: {schema.error_log.last_error.message}")
    return root


def signed_report(session: Session, run_id: int, signer: ReceiptSigner) -> bytes:
    """The run's report, XAdES-signed (enveloped) by the gateway's signing key."""
    return signer.sign_bytes(report_element(session, run_id))


def accounts(database: Database) -> list[str]:
    """Every collection account of an issuer."""
    with database.read() as session:
        return sorted(
            {
                a
                for a in session.scalars(select(Issuer.bank_account).where(Issuer.bank_account.is_not(None)))
                if a
            }
        )
