"""Three-way reconciliation on SQLite and PostgreSQL: outcomes, figures, CSV, signed XML, intake lines."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pika
from camt_builder import Tx, camt053, camt054
from lxml import etree
from sqlalchemy import func, insert, select

from ereceipt.adapters.bank import BankNotifications
from ereceipt.core.intake.bank import BankIntake
from ereceipt.core.intake.tables import BankStatementLine
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.receipts.content import VIETNAM, PayerInfo, PaymentMethod
from ereceipt.core.signatures.verification import verify_signed_document
from ereceipt.core.treasury.reconciliation import (
    REPORT_NS,
    discrepancies_csv,
    reconcile,
    report_element,
    signed_report,
)
from ereceipt.core.treasury.tables import TreasuryStatementLine
from ereceipt.queue.consumer import Delivery

ACCOUNT = "0011000000002"  # CCTHADS-BD in the demo data
BIC = "BFTVVNVX"


def _receipt(issuer: ReceiptIssuer, reference: str, amount: int, method=PaymentMethod.BANK_TRANSFER) -> None:
    payment = PaymentIn(
        source=BIC,
        reference=reference,
        amount=amount,
        payer=PayerInfo("Nguyễn Văn An", "001085012345", None),
        paid_at=datetime.now(UTC),
        method=method,
        case_code="THA2501",
    )
    issuer.issue(IssueRequest(payment, officer="test"))


def _seed(issuer: ReceiptIssuer, database, day: date) -> None:
    for reference, amount in (
        ("R-OK", 100_000),
        ("R-NOPAY", 200_000),
        ("R-MISMATCH", 300_000),
        ("R-DUP", 150_000),
        ("R-NOTREAS", 120_000),
        ("R-TREASAMT", 130_000),
    ):
        _receipt(issuer, reference, amount)
    _receipt(issuer, "CASH-1", 90_000, PaymentMethod.CASH)  # not a bank payment: not reconciled
    # Bank lines as bank intake stores them. BFTV sent its day statement (camt.053) and notifications
    # (camt.054): only the statement counts. ICBV sent only a notification: it counts; its R-DUP
    # repeats BFTV's. Another account and another day are not this run's business.
    bank = [
        (BIC, "camt.053", ACCOUNT, day, "R-OK", 100_000),
        (BIC, "camt.053", ACCOUNT, day, "R-MISMATCH", 310_000),
        (BIC, "camt.053", ACCOUNT, day, "R-DUP", 150_000),
        (BIC, "camt.053", ACCOUNT, day, "R-NOTREAS", 120_000),
        (BIC, "camt.053", ACCOUNT, day, "R-TREASAMT", 130_000),
        (BIC, "camt.053", ACCOUNT, day, "B-NORECEIPT", 400_000),
        (BIC, "camt.054", ACCOUNT, day, "R-OK", 100_000),
        (BIC, "camt.054", ACCOUNT, day, "R-NOTREAS", 120_000),
        (BIC, "camt.054", ACCOUNT, day, "N-SUPERSEDED", 999_000),
        ("ICBVVNVX", "camt.054", ACCOUNT, day, "R-DUP", 150_000),
        (BIC, "camt.053", "0011000000001", day, "OTHER-ACCOUNT", 1),
        (BIC, "camt.054", ACCOUNT, date(2020, 1, 1), "OTHER-DAY", 1),
    ]
    treasury = [
        ("R-OK", 100_000),
        ("R-MISMATCH", 310_000),
        ("R-DUP", 150_000),
        ("R-TREASAMT", 131_000),
        ("B-NORECEIPT", 400_000),
        ("T-ONLY", 50_000),
    ]
    with database.write() as session:
        session.execute(
            insert(BankStatementLine),
            [
                {
                    "bic": bic,
                    "kind": kind,
                    "message_id": f"{bic}-{kind}-{booked}",
                    "document_id": f"{kind}-{booked}",
                    "account": account,
                    "booking_date": booked,
                    "amount": amount,
                    "reference": ref,
                    "remittance_text": None,
                    "recorded_at": datetime.now(UTC),
                }
                for bic, kind, account, booked, ref, amount in bank
            ],
        )
        session.execute(
            insert(TreasuryStatementLine),
            [
                {
                    "account": ACCOUNT,
                    "day": day,
                    "reference": ref,
                    "amount": amount,
                    "fetched_at": datetime.now(UTC),
                }
                for ref, amount in treasury
            ],
        )


EXPECTED = {
    ("receipt_without_payment", "R-NOPAY", None, 200_000, None, None),
    ("amount_mismatch", "R-MISMATCH", "receipt", 300_000, 310_000, 310_000),
    ("duplicate", "R-DUP", "bank", 150_000, 300_000, 150_000),
    ("in_bank_not_in_treasury", "R-NOTREAS", None, 120_000, 120_000, None),
    ("amount_mismatch", "R-TREASAMT", "treasury", 130_000, 130_000, 131_000),
    ("payment_without_receipt", "B-NORECEIPT", None, None, 400_000, 400_000),
    ("in_treasury_not_in_bank", "T-ONLY", None, None, None, 50_000),
}


def test_every_outcome_is_found_and_nothing_else(issuer, demo_database, signer, trust) -> None:
    day = datetime.now(VIETNAM).date()
    _seed(issuer, demo_database, day)
    steps = []
    summary = reconcile(demo_database, ACCOUNT, day, actor="test", progress=lambda *s: steps.append(s))

    assert [s[0] for s in steps] == ["sources", "discrepancies", "figures", "done"]
    assert summary.receipts == (6, 1_000_000)
    assert summary.bank == (7, 1_360_000)
    assert summary.treasury == (6, 1_141_000)
    assert summary.matched == (1, 100_000)
    assert summary.discrepancy_count == 7
    assert summary.discrepancies["amount_mismatch"] == 2

    with demo_database.read() as session:
        rows = list(csv.DictReader(io.StringIO(discrepancies_csv(session, summary.run_id))))
        found = {
            (
                r["kind"],
                r["reference"],
                r["detail"] or None,
                *(int(r[c]) if r[c] else None for c in ("receipt_amount", "bank_amount", "treasury_amount")),
            )
            for r in rows
        }
        assert found == EXPECTED
        element = report_element(session, summary.run_id)
        signed = signed_report(session, summary.run_id, signer)
    assert element.findtext(f"{{{REPORT_NS}}}DiscrepancyCount") == "7"
    assert len(element.findall(f"{{{REPORT_NS}}}Discrepancy")) == 7
    verdict = verify_signed_document(signed, trust, expected_root=f"{{{REPORT_NS}}}ReconciliationReport")
    assert verdict.passed, verdict.message
    kinds = [e.text for e in verdict.signed_xml.iter(f"{{{REPORT_NS}}}Kind")]
    assert sorted(kinds) == sorted(kind for kind, *_ in EXPECTED)


def test_a_day_without_anything_is_an_empty_run(demo_database) -> None:
    summary = reconcile(demo_database, ACCOUNT, date(2021, 3, 4))
    assert summary.receipts == summary.bank == summary.treasury == summary.matched == (0, 0)
    assert summary.discrepancy_count == 0
    with demo_database.read() as session:
        assert etree.QName(report_element(session, summary.run_id)).localname == "ReconciliationReport"


def _deliver(notifications: BankNotifications, body: bytes, message_id: str, day: date) -> None:
    """One camt message through the bank worker's handler, booked on ``day`` for the demo account."""
    dated = body.replace(b"2026-11-25", day.isoformat().encode())
    dated = dated.replace(b"<Id>0123456789</Id>", f"<Id>{ACCOUNT}</Id>".encode())
    notifications(Delivery(dated, message_id, BIC, "bank", False, pika.BasicProperties()))


def test_bank_intake_lines_reconcile_once_whether_notified_stated_or_both(
    issuer: ReceiptIssuer, demo_database
) -> None:
    day = datetime.now(VIETNAM).date()  # receipts of bank intake are issued now
    notifications = BankNotifications(BankIntake(demo_database, issuer))
    paid = [Tx("FT-I1", "1000000", "THA2501"), Tx("FT-I2", "500000", "nop tien THA2501")]
    with demo_database.write() as session:
        session.execute(
            insert(TreasuryStatementLine),
            [
                {"account": ACCOUNT, "day": day, "reference": ref, "amount": amount,
                 "fetched_at": datetime.now(UTC)}
                for ref, amount in (("FT-I1", 1_000_000), ("FT-I2", 500_000), ("FT-I3", 70_000))
            ],
        )  # fmt: skip

    _deliver(notifications, camt054("N-I1", [paid]), "n-i1", day)
    notified = reconcile(demo_database, ACCOUNT, day)  # the day statement is not in yet
    assert notified.receipts == (2, 1_500_000)
    assert notified.bank == (2, 1_500_000)
    assert notified.matched == (2, 1_500_000)
    assert notified.discrepancies["in_treasury_not_in_bank"] == 1  # FT-I3, not notified

    # The day statement repeats both credits and books one more that matches no case (held, no receipt).
    statement = camt053("S-I1", [paid, [Tx("FT-I3", "70000", "khong ro")]])
    _deliver(notifications, statement, "s-i1", day)
    with demo_database.read() as session:
        kinds = session.execute(
            select(BankStatementLine.kind, func.count()).group_by(BankStatementLine.kind)
        ).all()
    assert sorted(kinds) == [("camt.053", 3), ("camt.054", 2)]
    stated = reconcile(demo_database, ACCOUNT, day)
    assert stated.receipts == (2, 1_500_000)
    assert stated.bank == (3, 1_570_000)  # each credit once: the statement's lines only
    assert stated.matched == (2, 1_500_000)
    assert stated.discrepancy_count == 1
    assert stated.discrepancies["payment_without_receipt"] == 1
    assert stated.discrepancies["duplicate"] == 0
