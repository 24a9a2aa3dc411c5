"""Issuing, numbering, cancelling and replacing receipts on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from ereceipt.core.errors import BadInput, Conflict, InvalidAmount, NotFound
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.issuing.numbering import take_numbers
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.receipts.content import PayerInfo, PaymentMethod
from ereceipt.core.receipts.receipt_xml import RECEIPT_TAG, read_receipt, validate_receipt
from ereceipt.core.receipts.tables import Payment, Receipt, ReceiptSeries
from ereceipt.core.signatures.verification import Indication, verify_signed_document
from ereceipt.core.storage.audit import AuditEvent
from ereceipt.core.storage.database import Database
from ereceipt.core.xml.parser import parse_xml

PAYER = PayerInfo(name="Nguyễn Văn An", identity_number="001085012345", address="Ba Đình, Hà Nội")


def cash(reference: str, amount: int = 1_015_000, case_code: str | None = "THA2501") -> IssueRequest:
    payment = PaymentIn(
        source="counter",
        reference=reference,
        amount=amount,
        payer=PAYER,
        paid_at=datetime(2026, 11, 25, 2, 30, tzinfo=UTC),
        method=PaymentMethod.CASH,
        case_code=case_code,
    )
    return IssueRequest(payment=payment, officer="can.bo.thu")


def numbers(database: Database) -> list[int]:
    with database.read() as session:
        return list(session.scalars(select(Receipt.number).order_by(Receipt.number)))


def test_issued_receipt_is_signed_valid_and_verifies(issuer: ReceiptIssuer, trust) -> None:
    issued = issuer.issue(cash("PT-1"))
    report = verify_signed_document(issued.signed_xml, trust, expected_root=RECEIPT_TAG)
    assert report.indication is Indication.TOTAL_PASSED
    validate_receipt(report.signed_xml)
    content = read_receipt(report.signed_xml)
    assert (content.number, content.amount, content.payer) == (1, 1_015_000, PAYER)
    assert content.amount_in_words == "Một triệu không trăm mười lăm nghìn đồng"
    assert content.collection.case_code == "THA2501"


def test_numbers_are_consecutive_from_one(issuer: ReceiptIssuer, demo_database: Database) -> None:
    for index in range(5):
        issuer.issue(cash(f"PT-{index}", amount=1_000))
    assert numbers(demo_database) == [1, 2, 3, 4, 5]


def test_repeating_a_payment_returns_its_first_receipt(
    issuer: ReceiptIssuer, demo_database: Database
) -> None:
    first = issuer.issue(cash("PT-SAME"))
    again = issuer.issue(cash("PT-SAME"))
    assert (again.receipt_id, again.created, first.created) == (first.receipt_id, False, True)
    assert again.signed_xml == first.signed_xml
    assert numbers(demo_database) == [1]


def test_repeating_a_payment_with_another_amount_is_refused(issuer: ReceiptIssuer) -> None:
    issuer.issue(cash("PT-SAME", amount=1_000))
    with pytest.raises(Conflict, match=r"was recorded with 1\.000 đồng, not 2\.000 đồng$"):
        issuer.issue(cash("PT-SAME", amount=2_000))


def test_failed_signing_leaves_no_hole_in_the_numbers(issuer: ReceiptIssuer, demo_database: Database) -> None:
    issuer.issue(cash("PT-1", amount=1_000))

    class BrokenSigner:
        def sign_bytes(self, root):
            raise OSError("hardware token unplugged")

    broken = ReceiptIssuer(demo_database, BrokenSigner())
    with pytest.raises(OSError, match="unplugged"):
        broken.issue(cash("PT-2", amount=1_000))
    issuer.issue(cash("PT-3", amount=1_000))
    assert numbers(demo_database) == [1, 2]
    with demo_database.read() as session:
        assert session.scalar(select(Payment).where(Payment.external_reference == "PT-2")) is None


def test_amount_over_what_the_case_owes_is_refused_and_nothing_is_stored(
    issuer: ReceiptIssuer, demo_database: Database
) -> None:
    said = r"^amount 25\.000\.001 đồng is more than the 25\.000\.000 đồng case THA2501 still owes$"
    with pytest.raises(Conflict, match=said):
        issuer.issue(cash("PT-BIG", amount=25_000_001))
    assert numbers(demo_database) == []


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_amount_that_is_not_whole_positive_dong_is_refused(issuer: ReceiptIssuer, amount) -> None:
    with pytest.raises(InvalidAmount):
        issuer.issue(cash("PT-X", amount=amount))


def test_unknown_case_is_refused(issuer: ReceiptIssuer) -> None:
    with pytest.raises(NotFound, match="NOPE"):
        issuer.issue(cash("PT-X", case_code="NOPE"))


def test_payment_without_case_needs_issuer_and_purpose(issuer: ReceiptIssuer) -> None:
    with pytest.raises(BadInput, match="issuer"):
        issuer.issue(cash("PT-X", case_code=None))
    request = cash("PT-X", case_code=None)
    request = replace(
        request, issuer_code="CTHADS-HN", payment=replace(request.payment, purpose="Tạm ứng án phí")
    )
    assert issuer.issue(request).content.collection.purpose == "Tạm ứng án phí"


def test_numbering_is_per_series_and_restarts_each_year(demo_database: Database) -> None:
    with demo_database.write() as session:
        first, second = session.scalars(select(ReceiptSeries.id).order_by(ReceiptSeries.id)).all()
        taken = [n for _ in range(3) for n in take_numbers(session, first, 2026)]
        taken += [
            *take_numbers(session, second, 2026),
            *take_numbers(session, first, 2027),
            *take_numbers(session, first, 2026, 3),
        ]
    assert taken == [1, 2, 3, 1, 1, 4, 5, 6]


def test_cancelled_receipt_keeps_its_number_and_records_who_why_when(
    issuer: ReceiptIssuer, demo_database: Database
) -> None:
    issued = issuer.issue(cash("PT-1"))
    issuer.cancel(issued.receipt_id, officer="pho.truong", reason="Sai tên người nộp")
    with demo_database.read() as session:
        receipt = session.get(Receipt, issued.receipt_id)
        events = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == str(receipt.id))
        ).all()
    assert (receipt.status, receipt.number, receipt.cancelled_by) == ("CANCELLED", 1, "pho.truong")
    assert receipt.cancel_reason == "Sai tên người nộp"
    assert receipt.cancelled_at is not None
    assert events == ["receipt.issued", "receipt.cancelled"]
    with pytest.raises(Conflict, match="cancelled already"):
        issuer.cancel(issued.receipt_id, officer="pho.truong", reason="again")


def test_replacement_gets_a_new_number_and_names_the_original(
    issuer: ReceiptIssuer, demo_database: Database, trust
) -> None:
    original = issuer.issue(cash("PT-1"))
    corrected = replace(PAYER, name="Nguyễn Văn Ân")
    replacement = issuer.replace(original.receipt_id, officer="pho.truong", reason="Sai tên", payer=corrected)
    content = read_receipt(
        verify_signed_document(replacement.signed_xml, trust, expected_root=RECEIPT_TAG).signed_xml
    )
    assert content.number == 2
    assert content.payer.name == "Nguyễn Văn Ân"
    assert content.replaces == original.content.ref
    assert content.lookup_code != original.content.lookup_code
    with demo_database.read() as session:
        stored = session.get(Receipt, replacement.receipt_id)
        assert stored.replaces_id == original.receipt_id
        assert session.get(Receipt, original.receipt_id).status == "CANCELLED"


def test_cancellation_needs_a_reason(issuer: ReceiptIssuer) -> None:
    issued = issuer.issue(cash("PT-1"))
    with pytest.raises(BadInput, match="reason"):
        issuer.cancel(issued.receipt_id, officer="pho.truong", reason="  ")


def test_audit_trail_refuses_update_and_delete(issuer: ReceiptIssuer, demo_database: Database) -> None:
    issuer.issue(cash("PT-1"))
    for statement in ("UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), demo_database.write() as session:
            session.execute(text(statement))


def test_stored_signed_xml_is_what_was_returned(issuer: ReceiptIssuer, demo_database: Database) -> None:
    issued = issuer.issue(cash("PT-1"))
    with demo_database.read() as session:
        stored = session.get(Receipt, issued.receipt_id).signed_xml
    assert stored == issued.signed_xml
    assert parse_xml(stored).tag == RECEIPT_TAG


def test_batch_is_numbered_in_order_in_one_transaction(
    issuer: ReceiptIssuer, demo_database: Database, trust
) -> None:
    issued = issuer.issue_batch([cash(f"B-{i}", amount=1_000 + i) for i in range(5)])
    assert [receipt.content.number for receipt in issued] == [1, 2, 3, 4, 5]
    assert [receipt.content.amount for receipt in issued] == [1_000, 1_001, 1_002, 1_003, 1_004]
    assert all(verify_signed_document(r.signed_xml, trust, expected_root=RECEIPT_TAG).passed for r in issued)
    assert numbers(demo_database) == [1, 2, 3, 4, 5]


def test_batch_with_one_bad_payment_stores_nothing(issuer: ReceiptIssuer, demo_database: Database) -> None:
    with pytest.raises(Conflict, match="still owes"):
        issuer.issue_batch([cash("B-1", amount=20_000_000), cash("B-2", amount=5_000_001)])
    assert numbers(demo_database) == []
    assert issuer.issue(cash("B-3", amount=1_000)).content.number == 1


def test_batch_repeating_an_earlier_payment_returns_its_receipt(
    issuer: ReceiptIssuer, demo_database: Database
) -> None:
    first = issuer.issue(cash("B-1", amount=1_000))
    issued = issuer.issue_batch(
        [cash("B-0", amount=1_000), cash("B-1", amount=1_000), cash("B-2", amount=1_000)]
    )
    assert [(r.content.number, r.created) for r in issued] == [(2, True), (1, False), (3, True)]
    assert issued[1].receipt_id == first.receipt_id
    assert numbers(demo_database) == [1, 2, 3]
