"""Counter drafts, held payments and user administration on SQLite and PostgreSQL (core, no web)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from ereceipt.core.counter import drafts
from ereceipt.core.counter.tables import ReceiptDraft
from ereceipt.core.errors import BadInput, Conflict, InvalidAmount
from ereceipt.core.intake import held_payments
from ereceipt.core.intake.tables import HeldPaymentResolution
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.tables import EnforcementCase, Issuer, Payment, Receipt
from ereceipt.core.storage import audit
from ereceipt.core.storage.audit import AuditEvent
from ereceipt.core.storage.database import Database
from ereceipt.core.users import accounts as users


def new_draft(session, **changes) -> int:
    fields = dict(
        agency_code="CCTHADS-BD",
        created_by="bd-officer",
        payer_name="Nguyễn Văn An",
        payer_id_number="001085012345",
        payer_address="Số 5 ngõ 12 phố Đội Cấn, Ba Đình, Hà Nội",
        case_payment_code="tha2501",
        amount_vnd="1.015.000",
        purpose=None,
        payment_method="CASH",
    )
    fields.update(changes)
    return drafts.create_draft(session, **fields)


def actions(database: Database) -> list[tuple[str, str]]:
    with database.read() as session:
        return [(e.actor, e.action) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_an_approved_draft_is_numbered_signed_and_linked_in_one_transaction(issuer: ReceiptIssuer) -> None:
    database = issuer.database
    with database.write() as session:
        draft_id = new_draft(session)
    with database.write() as session:
        issued = drafts.approve_draft(session, issuer, draft_id, approved_by="bd-approver")
    assert issued.content.number == 1
    assert issued.content.amount == 1_015_000
    assert issued.content.collection.case_code == "THA2501"
    with database.read() as session:
        draft = session.get(ReceiptDraft, draft_id)
        receipt = session.get(Receipt, draft.receipt_id)
        payment = session.get(Payment, receipt.payment_id)
    assert (draft.status, draft.approved_by, draft.receipt_id) == (
        "approved",
        "bd-approver",
        issued.receipt_id,
    )
    assert receipt.payment_method == "CASH"
    assert (payment.source, payment.external_reference) == (drafts.COUNTER_SOURCE, str(draft_id))
    assert ("bd-officer", "draft.created") in actions(database)
    assert ("bd-approver", "draft.approved") in actions(database)
    with database.write() as session, pytest.raises(Conflict):
        drafts.approve_draft(session, issuer, draft_id, approved_by="other-approver")


def test_a_failed_approval_leaves_the_draft_open_and_takes_no_number(issuer: ReceiptIssuer) -> None:
    database = issuer.database
    with database.write() as session:
        draft_id = new_draft(session, amount_vnd=25_000_001)  # more than case THA2501 owes
    with pytest.raises(Conflict), database.write() as session:
        drafts.approve_draft(session, issuer, draft_id, approved_by="bd-approver")
    with database.read() as session:
        assert session.get(ReceiptDraft, draft_id).status == "draft"
        assert session.scalar(select(Receipt.id)) is None
    with database.write() as session:
        drafts.update_draft(session, draft_id, updated_by="bd-officer", amount_vnd="25000000")
    with database.write() as session:
        assert drafts.approve_draft(session, issuer, draft_id, approved_by="bd-approver").content.number == 1


def test_nobody_approves_their_own_draft(issuer: ReceiptIssuer) -> None:
    with issuer.database.write() as session:
        draft_id = new_draft(session, created_by="bd-approver")
    with pytest.raises(Conflict, match="bốn mắt"), issuer.database.write() as session:
        drafts.approve_draft(session, issuer, draft_id, approved_by="bd-approver")


def test_draft_fields_are_checked_strictly(demo_database: Database) -> None:
    with demo_database.write() as session:
        for changes, error in (
            ({"amount_vnd": "1.015.000,5"}, BadInput),
            ({"amount_vnd": "1015000.0"}, BadInput),
            ({"amount_vnd": 1.5}, InvalidAmount),
            ({"amount_vnd": "0"}, InvalidAmount),
            ({"amount_vnd": "-5"}, BadInput),
            ({"payer_name": "  "}, BadInput),
            ({"payer_id_number": "12345"}, BadInput),
            ({"case_payment_code": "THA2503"}, BadInput),  # a case of another agency
            ({"case_payment_code": "KHONGCO"}, BadInput),
            ({"case_payment_code": None, "purpose": None}, BadInput),
            ({"payment_method": "ONLINE"}, BadInput),
            ({"agency_code": "NOWHERE"}, BadInput),
            ({"field_confidences": {"payer_name": 1.2}}, BadInput),
            ({"field_confidences": {"password": 0.5}}, BadInput),
        ):
            with pytest.raises(error):
                new_draft(session, **changes)
        assert drafts.parse_amount("1.015.000") == drafts.parse_amount(" 1015000 ") == 1_015_000


def test_correcting_a_field_drops_its_ocr_confidence_and_is_audited(demo_database: Database) -> None:
    with demo_database.write() as session:
        draft_id = new_draft(
            session, source_document_id=42, field_confidences={"payer_name": 0.41, "amount_vnd": 0.97}
        )
    with demo_database.write() as session:
        changed = drafts.update_draft(session, draft_id, updated_by="bd-officer2", payer_name="Nguyễn Văn Ân")
    assert changed == {"payer_name": ["Nguyễn Văn An", "Nguyễn Văn Ân"]}
    with demo_database.read() as session:
        draft = session.get(ReceiptDraft, draft_id)
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "draft.updated"))
    assert draft.field_confidences == {"amount_vnd": 0.97}
    assert draft.source_document_id == 42
    assert json.loads(event.details)["changed"] == {"payer_name": ["Nguyễn Văn An", "Nguyễn Văn Ân"]}


def test_a_rejected_draft_keeps_its_reason_and_cannot_be_changed(issuer: ReceiptIssuer) -> None:
    with issuer.database.write() as session:
        draft_id = new_draft(session)
        with pytest.raises(BadInput):
            drafts.reject_draft(session, draft_id, rejected_by="bd-approver", reason=" ")
        drafts.reject_draft(session, draft_id, rejected_by="bd-approver", reason="Sai số tiền")
    with issuer.database.write() as session:
        with pytest.raises(Conflict):
            drafts.update_draft(session, draft_id, updated_by="bd-officer", payer_name="X")
        with pytest.raises(Conflict):
            drafts.approve_draft(session, issuer, draft_id, approved_by="bd-approver")
    with issuer.database.read() as session:
        assert session.get(ReceiptDraft, draft_id).reject_reason == "Sai số tiền"


def held(database: Database, reference: str, amount: int, case_code: str | None = None) -> int:
    now = datetime.now(UTC)
    with database.write() as session:
        case_id = (
            session.scalar(select(EnforcementCase.id).where(EnforcementCase.payment_code == case_code))
            if case_code
            else None
        )
        payment = Payment(
            source="BFTVVNVX", external_reference=reference, amount=amount, payer_name="Lê Văn Cường",
            paid_at=now, case_id=case_id, status="HELD", hold_reason="Không có mã hồ sơ", recorded_at=now,
            remittance_text="nop tien thi hanh an",
        )  # fmt: skip
        session.add(payment)
        session.flush()
        return payment.id


def test_matching_a_held_payment_receipts_it_once_as_a_bank_transfer(issuer: ReceiptIssuer) -> None:
    database = issuer.database
    payment_id = held(database, "FT-1", 2_000_000)
    with database.write() as session:
        case = held_payments.find_case(session, "tha2502")
        issued = held_payments.match_to_case(
            session, issuer, payment_id, case, by="bd-approver", reason="Gọi điện"
        )
    with database.read() as session:
        payment = session.get(Payment, payment_id)
        receipt = session.get(Receipt, issued.receipt_id)
        resolution = session.scalar(select(HeldPaymentResolution))
        payments = session.scalars(select(Payment)).all()
    assert (payment.status, payment.case_id) == ("RECEIPTED", case.id)
    assert (receipt.payment_id, receipt.payment_method, receipt.amount) == (
        payment_id,
        "BANK_TRANSFER",
        2_000_000,
    )
    assert (resolution.action, resolution.receipt_id, resolution.resolved_by) == (
        "MATCHED",
        receipt.id,
        "bd-approver",
    )
    assert len(payments) == 1  # the held payment itself, not a new one
    assert ("bd-approver", "held_payment.matched") in actions(database)
    with database.write() as session, pytest.raises(Conflict):
        held_payments.match_to_case(session, issuer, payment_id, case, by="bd-approver", reason="lần hai")


def test_a_match_above_what_the_case_owes_changes_nothing(issuer: ReceiptIssuer) -> None:
    database = issuer.database
    payment_id = held(database, "FT-2", 99_000_000)
    with pytest.raises(Conflict), database.write() as session:
        case = held_payments.find_case(session, "THA2501")
        held_payments.match_to_case(session, issuer, payment_id, case, by="bd-approver", reason="thử")
    with database.read() as session:
        assert session.get(Payment, payment_id).status == "HELD"
        assert session.scalar(select(HeldPaymentResolution)) is None
        assert session.scalar(select(Receipt.id)) is None


def test_marking_for_refund_keeps_the_reason(issuer: ReceiptIssuer) -> None:
    database = issuer.database
    payment_id = held(database, "FT-3", 500_000)
    with database.write() as session:
        with pytest.raises(BadInput):
            held_payments.mark_for_refund(session, payment_id, by="tw-approver", reason="")
        held_payments.mark_for_refund(session, payment_id, by="tw-approver", reason="Chuyển nhầm")
    with database.read() as session:
        assert session.get(Payment, payment_id).status == "REFUND"
        assert session.scalar(select(HeldPaymentResolution.reason)) == "Chuyển nhầm"
    assert ("tw-approver", "held_payment.refund") in actions(database)


def test_the_last_active_administrator_stays(demo_database: Database) -> None:
    with demo_database.write() as session:
        first = users.add_user(session, "admin", "administrator", None, "mat-khau-dai-1", actor="t").id
        second = users.add_user(session, "admin2", "administrator", None, "mat-khau-dai-2", actor="t").id
    with demo_database.write() as session:
        users.set_active(session, second, False, actor="admin")
    for change in (
        lambda s: users.set_active(s, first, False, actor="admin"),
        lambda s: users.change_role(s, first, "auditor", None, actor="admin"),
    ):
        with pytest.raises(Conflict, match="last active administrator"), demo_database.write() as session:
            change(session)
    with demo_database.write() as session:
        users.set_active(session, second, True, actor="admin")
    with demo_database.write() as session:
        users.change_role(session, first, "approver", "CCTHADS-BD", actor="admin2")
    assert ("admin2", "user.role_changed") in actions(demo_database)


def test_a_reset_password_works_once_shown_and_unlocks(demo_database: Database) -> None:
    with demo_database.write() as session:
        user_id = users.add_user(
            session, "bd-officer", "officer", "CCTHADS-BD", "mat-khau-cu-123", actor="t"
        ).id
    for _ in range(6):
        users.authenticate(demo_database, "bd-officer", "sai")
    with demo_database.write() as session:
        password = users.reset_password(session, user_id, actor="admin")
    assert users.authenticate(demo_database, "bd-officer", "mat-khau-cu-123").user is None
    assert users.authenticate(demo_database, "bd-officer", password).user.id == user_id
    events = [json.dumps(row) for row in actions(demo_database)]
    assert not any(password in event for event in events)


def test_two_approvers_at_once_give_one_receipt(issuer: ReceiptIssuer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    database = issuer.database
    with database.write() as session:
        draft_id = new_draft(session)

    def approve(name: str) -> str:
        try:
            with database.write() as session:
                drafts.approve_draft(session, issuer, draft_id, approved_by=name)
            return "approved"
        except Conflict:
            return "refused"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(approve, ["approver-1", "approver-2"]))
    assert outcomes == ["approved", "refused"]
    with database.read() as session:
        assert len(session.scalars(select(Receipt.id)).all()) == 1


def authors(database: Database, draft_id: int) -> dict[str, str]:
    with database.read() as session:
        return drafts.field_authors(session, session.get(ReceiptDraft, draft_id))


def test_an_approver_who_changed_a_draft_cannot_approve_it(issuer: ReceiptIssuer) -> None:
    """The attack: an approver lowers an officer's amount, names a new payer, then approves."""
    database = issuer.database
    with database.write() as session:
        draft_id = new_draft(session, amount_vnd="1.000.000")
    with database.write() as session:
        drafts.update_draft(
            session, draft_id, updated_by="bd-approver", amount_vnd="1.000", payer_name="Kẻ Gian"
        )
    with pytest.raises(Conflict, match="bốn mắt") as refused, database.write() as session:
        drafts.approve_draft(session, issuer, draft_id, approved_by="bd-approver")
    assert refused.value.code == "FOUR_EYES"
    assert refused.value.fields["own"] == ["payer_name", "amount_vnd"]
    with database.read() as session:
        assert session.get(ReceiptDraft, draft_id).status == "draft"
        assert session.scalar(select(Receipt.id)) is None
    assert authors(database, draft_id) == {
        **dict.fromkeys(drafts.FIELDS, "bd-officer"),
        "payer_name": "bd-approver",
        "amount_vnd": "bd-approver",
    }
    # A second approver, who set nothing, may approve what the first one entered.
    with database.write() as session:
        issued = drafts.approve_draft(session, issuer, draft_id, approved_by="bd-approver2")
    assert issued.content.amount == 1_000
    with database.read() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "draft.approved"))
    assert json.loads(event.details)["authors"]["amount_vnd"] == "bd-approver"


def test_the_approver_must_not_be_the_author_of_any_current_value(issuer: ReceiptIssuer) -> None:
    database = issuer.database
    with database.write() as session:
        draft_id = new_draft(session)
    with database.write() as session:
        drafts.update_draft(session, draft_id, updated_by="bd-approver", amount_vnd="1.000", payer_name="B")
    with database.write() as session:  # the officer sets the amount again, not the payer
        drafts.update_draft(session, draft_id, updated_by="bd-officer", amount_vnd="1.015.000")
    with pytest.raises(Conflict, match="bốn mắt") as refused, database.write() as session:
        drafts.approve_draft(session, issuer, draft_id, approved_by="bd-approver")
    assert refused.value.fields["own"] == ["payer_name"]
    with database.write() as session:  # saving a value unchanged makes nobody its author
        assert drafts.update_draft(session, draft_id, updated_by="bd-officer", payer_name=" B ") == {}
    assert authors(database, draft_id)["payer_name"] == "bd-approver"
    with database.write() as session:
        drafts.update_draft(session, draft_id, updated_by="bd-officer", payer_name="Nguyễn Văn An")
    assert set(authors(database, draft_id).values()) == {"bd-officer"}
    with database.write() as session:
        issued = drafts.approve_draft(session, issuer, draft_id, approved_by="bd-approver")
    assert (issued.content.amount, issued.content.payer.name) == (1_015_000, "Nguyễn Văn An")


def test_fields_an_officer_keeps_from_ocr_are_that_officers(issuer: ReceiptIssuer) -> None:
    """Saving the fields OCR proposed (the counter screen) is entering them; a reading's own draft is
    the uploader's."""
    from ereceipt.core.counter import proposals
    from ereceipt.core.counter.documents import CounterDocument

    database = issuer.database
    with database.write() as session:
        accepted = new_draft(
            session,
            created_by="bd-approver",
            source_document_id=9,
            field_confidences={"payer_name": 0.97, "amount_vnd": 0.99},
        )
        document = CounterDocument(
            content=b"scan", media_type="image/png", sha256="0" * 64, uploaded_by="bd-approver",
            agency_code="CCTHADS-BD", status="done", uploaded_at=datetime.now(UTC),
        )  # fmt: skip
        session.add(document)
        session.flush()
        read = proposals.draft_from_reading(
            session,
            document.id,
            {"payer_name": "Trần Thị Bình", "amount_vnd": 2_000_000, "case_payment_code": "THA2502"},
            {"payer_name": 0.9, "amount_vnd": 0.95, "case_payment_code": 0.9},
        )
    assert read is not None
    for draft_id in (accepted, read):
        assert authors(database, draft_id) == dict.fromkeys(drafts.FIELDS, "bd-approver")
        with pytest.raises(drafts.OwnContent), database.write() as session:
            drafts.approve_draft(session, issuer, draft_id, approved_by="bd-approver")
    with database.write() as session:  # an officer checks a low-confidence field and corrects it
        drafts.update_draft(session, read, updated_by="bd-officer", amount_vnd="2.000.001")
    assert authors(database, read)["amount_vnd"] == "bd-officer"


def test_a_decided_draft_cannot_be_changed_nor_its_authors(issuer: ReceiptIssuer) -> None:
    database = issuer.database
    with database.write() as session:
        draft_id = new_draft(session)
    with database.write() as session:
        drafts.approve_draft(session, issuer, draft_id, approved_by="bd-approver")
    with pytest.raises(Conflict, match="đã được xử lý"), database.write() as session:
        drafts.update_draft(session, draft_id, updated_by="bd-approver", amount_vnd="1.000")
    with database.read() as session:
        assert session.get(ReceiptDraft, draft_id).amount_vnd == 1_015_000
    assert set(authors(database, draft_id).values()) == {"bd-officer"}


def test_the_migration_attributes_older_drafts_to_their_creator_and_their_corrections(
    demo_database: Database,
) -> None:
    """Drafts stored before field authors existed: every field is the creator's, except the fields the
    audit trail shows someone else corrected, so a correction made before the upgrade still counts."""
    from alembic import command

    from ereceipt.core.counter.tables import DraftFieldAuthor
    from ereceipt.core.storage.database import alembic_config, migrate

    config = alembic_config(demo_database.engine.url.render_as_string(hide_password=False))
    with demo_database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")
    now = datetime.now(UTC)
    with demo_database.write() as session:
        agency = session.scalar(select(Issuer.id).where(Issuer.code == "CCTHADS-BD"))
        ids = []
        for amount in (1_000_000, 2_000_000):
            draft = ReceiptDraft(
                issuer_id=agency, status="draft", payer_name="An", amount_vnd=amount, purpose="Án phí",
                payment_method="CASH", created_by="bd-officer", created_at=now,
            )  # fmt: skip
            session.add(draft)
            session.flush()
            ids.append(draft.id)
        changed = {"amount_vnd": [1_000_000, 1_000], "payer_name": ["An", "B"]}
        audit.record(session, "bd-approver", "draft.updated", "receipt_draft", ids[0], changed=changed)
        audit.record(
            session, "bd-officer2", "draft.updated", "receipt_draft", ids[0], changed={"payer_name": []}
        )
    migrate(demo_database)
    assert authors(demo_database, ids[0]) == {
        **dict.fromkeys(drafts.FIELDS, "bd-officer"),
        "amount_vnd": "bd-approver",
        "payer_name": "bd-officer2",
    }
    assert authors(demo_database, ids[1]) == dict.fromkeys(drafts.FIELDS, "bd-officer")
    with demo_database.read() as session:
        rows = session.scalars(select(DraftFieldAuthor).where(DraftFieldAuthor.draft_id.in_(ids))).all()
    assert len(rows) == 2 * len(drafts.FIELDS)  # recorded, not filled in when read
