"""Three-way reconciliation on SQLite and PostgreSQL: every outcome, figures, CSV, signed XML."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from lxml import etree
from sqlalchemy import insert

from ereceipt.core.issuing import IssueRequest, PaymentIn, ReceiptIssuer
from ereceipt.core.receipt import VIETNAM, PayerInfo, PaymentMethod
from ereceipt.core.reconciliation import (
    REPORT_NS,
    discrepancies_csv,
    reconcile,
    report_element,
    signed_report,
)
from ereceipt.core.treasury_tables import ReconciliationBankLine, TreasuryStatementLine
from ereceipt.core.verification import verify_signed_document

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
    bank = [
        ("R-OK", 100_000),
        ("R-MISMATCH", 310_000),
        ("R-DUP", 150_000),
        ("R-DUP", 150_000),
        ("R-NOTREAS", 120_000),
        ("R-TREASAMT", 130_000),
        ("B-NORECEIPT", 400_000),
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
            insert(ReconciliationBankLine),
            [
                {
                    "bic": BIC,
                    "message_id": "stmt-1",
                    "position": n,
                    "account": ACCOUNT,
                    "booking_date": day,
                    "reference": ref,
                    "amount": amount,
                }
                for n, (ref, amount) in enumerate(bank)
            ]
            + [  # another account and another day are not this run's business
                {
                    "bic": BIC,
                    "message_id": "stmt-2",
                    "position": 0,
                    "account": "0011000000001",
                    "booking_date": day,
                    "reference": "OTHER-ACCOUNT",
                    "amount": 1,
                },
                {
                    "bic": BIC,
                    "message_id": "stmt-2",
                    "position": 1,
                    "account": ACCOUNT,
                    "booking_date": date(2020, 1, 1),
                    "reference": "OTHER-DAY",
                    "amount": 1,
                },
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
