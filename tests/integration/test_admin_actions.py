"""The admin page's review and user actions through the WSGI test client: roles, agencies, CSRF, outcomes.

Every review and user action refuses the anonymous, the wrong role, the wrong agency and a missing CSRF token.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from admin_site import PASSWORD, build_site
from sqlalchemy import select

from ereceipt.core.counter import drafts
from ereceipt.core.counter.documents import CounterDocument
from ereceipt.core.counter.tables import ReceiptDraft
from ereceipt.core.intake.tables import HeldPaymentResolution
from ereceipt.core.receipts.tables import EnforcementCase, Payment, Receipt
from ereceipt.core.storage.audit import AuditEvent
from ereceipt.core.users.tables import AdminUser

CLOSED_BROKER = "[queue]\nurl = amqp://guest:guest@127.0.0.1:1/%2F\n"


@pytest.fixture
def site(tmp_path: Path):
    services, receipts = build_site(tmp_path, CLOSED_BROKER)
    app = services.web_application()
    app.config["TESTING"] = True
    with services.database.write() as session:
        draft = drafts.create_draft(
            session,
            agency_code="CCTHADS-BD",
            created_by="bd-officer",
            payer_name="Phạm Thị Dung",
            payer_id_number="001190001234",
            payer_address="Hà Nội",
            case_payment_code="THA2502",
            amount_vnd=300_000,
            purpose=None,
            payment_method="CASH",
            source_document_id=7,
            field_confidences={"payer_name": 0.55, "amount_vnd": 0.99},
        )
        now = datetime.now(UTC)
        bd_case = session.scalar(select(EnforcementCase.id).where(EnforcementCase.payment_code == "THA2501"))
        held = {}
        for key, case_id, amount in (("bd", bd_case, 3_000_000), ("none", None, 400_000)):
            payment = Payment(
                source="BFTVVNVX",
                external_reference=f"FT-{key}",
                amount=amount,
                payer_name="Lê Văn Cường",
                paid_at=now,
                case_id=case_id,
                status="HELD",
                hold_reason="Vượt số phải nộp",
                recorded_at=now,
            )
            session.add(payment)
            session.flush()
            held[key] = payment.id
        user_ids = dict(session.execute(select(AdminUser.username, AdminUser.id)).all())
    return app, services, {"draft": draft, "held": held, "users": user_ids, **receipts}


def _csrf(client) -> str:
    client.get("/admin/dang-nhap")
    with client.session_transaction() as session:
        return session["csrf"]


def login(app, name: str, password: str = PASSWORD):
    client = app.test_client()
    answer = client.post(
        "/admin/dang-nhap", data={"username": name, "password": password, "csrf_token": _csrf(client)}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def token(client) -> str:
    with client.session_transaction() as session:
        return session["csrf"]


def actions(ids: dict) -> dict[str, tuple[str, dict]]:
    """Every action tested here: (path, form) — a valid form, so that a refusal is due to who sends it."""
    draft, held, users = ids["draft"], ids["held"], ids["users"]
    return {
        "draft_new": (
            "/admin/phe-duyet/moi",
            {
                "payer_name": "A",
                "amount_vnd": "1000",
                "purpose": "Án phí",
                "payment_method": "CASH",
                "agency": "CCTHADS-BD",
            },
        ),
        "draft_update": (
            f"/admin/phe-duyet/{draft}",
            {
                "payer_name": "Phạm Thị Dung",
                "amount_vnd": "300000",
                "case_payment_code": "THA2502",
                "payment_method": "CASH",
            },
        ),
        "draft_approve": (f"/admin/phe-duyet/{draft}/duyet", {}),
        "draft_reject": (f"/admin/phe-duyet/{draft}/tu-choi", {"reason": "Sai"}),
        "held_match": (
            f"/admin/thanh-toan-treo/{held['bd']}/khop",
            {"case_code": "THA2502", "reason": "Gọi điện"},
        ),
        "held_refund": (f"/admin/thanh-toan-treo/{held['bd']}/hoan-tien", {"reason": "Chuyển nhầm"}),
        "dead_reprocess": ("/admin/thu-loi/abc/xu-ly-lai", {}),
        "dead_discard": ("/admin/thu-loi/abc/bo", {"reason": "Trùng"}),
        "user_deactivate": (f"/admin/nguoi-dung/{users['bd-officer']}/ngung", {}),
        "user_reactivate": (f"/admin/nguoi-dung/{users['bd-officer']}/kich-hoat", {}),
        "user_role": (
            f"/admin/nguoi-dung/{users['bd-officer']}/vai-tro",
            {"role": "administrator", "agency": ""},
        ),
        "user_unlock": (f"/admin/nguoi-dung/{users['bd-officer']}/mo-khoa", {}),
        "user_password": (f"/admin/nguoi-dung/{users['bd-officer']}/dat-lai-mat-khau", {}),
    }


def unchanged(services, ids) -> None:
    with services.database.read() as session:
        assert session.get(ReceiptDraft, ids["draft"]).status == "draft"
        assert session.get(Payment, ids["held"]["bd"]).status == "HELD"
        assert session.scalar(select(HeldPaymentResolution)) is None
        officer = session.scalar(select(AdminUser).where(AdminUser.username == "bd-officer"))
        assert (officer.active, officer.role) == (True, "officer")
        assert session.scalar(select(ReceiptDraft).where(ReceiptDraft.payer_name == "A")) is None


def test_every_new_page_and_action_refuses_the_anonymous(site) -> None:
    app, services, ids = site
    client = app.test_client()
    for page in (
        "/admin/phe-duyet",
        "/admin/phe-duyet/moi",
        f"/admin/phe-duyet/{ids['draft']}",
        "/admin/thu-loi",
    ):
        answer = client.get(page)
        assert answer.status_code == 302 and "/admin/dang-nhap" in answer.headers["Location"], page
    csrf = _csrf(client)
    for name, (path, form) in actions(ids).items():
        answer = client.post(path, data={**form, "csrf_token": csrf})
        assert answer.status_code == 302 and "/admin/dang-nhap" in answer.headers["Location"], name
    unchanged(services, ids)


def test_every_new_action_refuses_a_missing_or_forged_csrf_token(site) -> None:
    app, services, ids = site
    clients = {role: login(app, name) for role, name in (("approver", "bd-approver"), ("admin", "admin"))}
    for name, (path, form) in actions(ids).items():
        client = clients["admin" if name.startswith(("user", "dead")) else "approver"]
        assert client.post(path, data=form).status_code == 403, name
        assert client.post(path, data={**form, "csrf_token": "forged"}).status_code == 403, name
    unchanged(services, ids)


ALLOWED = {
    "draft_new": {"bd-officer", "bd-approver"},
    "draft_update": {"bd-officer", "bd-approver"},
    "draft_approve": {"bd-approver"},
    "draft_reject": {"bd-approver"},
    "held_match": {"bd-approver"},
    "held_refund": {"bd-approver"},
    "dead_reprocess": {"admin"},
    "dead_discard": {"admin"},
    "user_deactivate": {"admin"},
    "user_reactivate": {"admin"},
    "user_role": {"admin"},
    "user_unlock": {"admin"},
    "user_password": {"admin"},
}


def test_every_new_action_refuses_the_wrong_role(site) -> None:
    app, services, ids = site
    clients = {name: login(app, name) for name in ("bd-officer", "bd-approver", "auditor", "admin")}
    for name, (path, form) in actions(ids).items():
        for user, client in clients.items():
            if user in ALLOWED[name]:
                continue
            answer = client.post(path, data={**form, "csrf_token": token(client)})
            assert answer.status_code == 403, (name, user)
    unchanged(services, ids)


def test_every_new_action_refuses_the_wrong_agency(site) -> None:
    app, services, ids = site
    hn_approver, hn_officer = login(app, "hn-approver"), login(app, "hn-officer")
    refused = {
        "draft_update": hn_officer,
        "draft_approve": hn_approver,
        "draft_reject": hn_approver,
        "held_match": hn_approver,
        "held_refund": hn_approver,
    }
    for name, client in refused.items():
        path, form = actions(ids)[name]
        assert client.post(path, data={**form, "csrf_token": token(client)}).status_code == 404, name
    assert hn_officer.get(f"/admin/phe-duyet/{ids['draft']}").status_code == 404
    # Dead letters are the national level's: an agency's user is refused even the list.
    assert hn_approver.get("/admin/thu-loi").status_code == 403
    for name in ("dead_reprocess", "dead_discard"):
        path, form = actions(ids)[name]
        assert hn_approver.post(path, data={**form, "csrf_token": token(hn_approver)}).status_code == 403
    # An agency's administrator manages only that agency's users.
    with services.database.write() as session:
        from ereceipt.core.users.accounts import add_user

        add_user(session, "hn-admin", "administrator", "CTHADS-HN", PASSWORD, actor="test")
    hn_admin = login(app, "hn-admin")
    for name in ("user_deactivate", "user_reactivate", "user_unlock", "user_password"):
        path, form = actions(ids)[name]
        assert hn_admin.post(path, data={**form, "csrf_token": token(hn_admin)}).status_code == 404, name
    path, _ = actions(ids)["user_role"]
    national = {"role": "officer", "agency": "", "csrf_token": token(hn_admin)}
    assert hn_admin.post(path, data=national).status_code == 403
    unchanged(services, ids)


def test_officer_enters_a_draft_and_another_approver_approves_it_with_the_number_shown(site) -> None:
    app, services, _ = site
    officer = login(app, "bd-officer")
    form = {
        "payer_name": "Đỗ Văn Em",
        "payer_id_number": "",
        "payer_address": "",
        "case_payment_code": "tha2501",
        "amount_vnd": "1.250.000",
        "purpose": "",
        "payment_method": "BANK_TRANSFER",
    }
    bad = officer.post(
        "/admin/phe-duyet/moi", data={**form, "amount_vnd": "1,25 triệu", "csrf_token": token(officer)}
    )
    assert bad.status_code == 400
    assert "số nguyên đồng" in bad.get_data(as_text=True)
    answer = officer.post("/admin/phe-duyet/moi", data={**form, "csrf_token": token(officer)})
    assert answer.status_code == 302
    draft_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    page = officer.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Phê duyệt và ký số" not in page  # an officer cannot approve
    approver = login(app, "bd-approver")
    queue = approver.get("/admin/phe-duyet").get_data(as_text=True)
    assert "Đỗ Văn Em" in queue
    assert login(app, "bd-approver").get("/admin/so-lieu.json").get_json()["pending_reviews"] == 2
    answer = approver.post(f"/admin/phe-duyet/{draft_id}/duyet", data={"csrf_token": token(approver)})
    assert answer.status_code == 302
    page = approver.get(answer.headers["Location"]).get_data(as_text=True)
    number = re.search(r'id="approved-number"[^>]*>([A-Z0-9]+ \d{7})<', page).group(1)
    assert number.endswith("0000003")  # the third receipt of the agency's series
    assert "Đã phê duyệt và ký số: biên lai" in page
    with services.database.read() as session:
        receipt = session.get(Receipt, session.get(ReceiptDraft, draft_id).receipt_id)
    assert (receipt.amount, receipt.payment_method) == (1_250_000, "BANK_TRANSFER")
    assert services.verify_receipt(receipt.signed_xml).passed


def test_the_draft_page_marks_low_confidence_fields_and_leaves_room_for_the_scan(site) -> None:
    app, _, ids = site
    page = login(app, "bd-approver").get(f"/admin/phe-duyet/{ids['draft']}").get_data(as_text=True)
    assert 'id="low-confidence"' in page
    assert re.search(r'class="low-confidence" id="field-payer_name"', page)
    assert not re.search(r'class="low-confidence" id="field-amount_vnd"', page)
    assert "cần kiểm tra (55%)" in page
    assert 'id="scan"' in page and "Bản quét tài liệu số 7" in page


def test_approver_cannot_approve_own_draft_and_rejects_with_a_reason(site) -> None:
    app, services, ids = site
    approver = login(app, "bd-approver")
    with services.database.write() as session:
        own = drafts.create_draft(
            session,
            agency_code="CCTHADS-BD",
            created_by="bd-approver",
            payer_name="X",
            payer_id_number=None,
            payer_address=None,
            case_payment_code=None,
            amount_vnd=1000,
            purpose="Án phí",
            payment_method="CASH",
        )
    answer = approver.post(f"/admin/phe-duyet/{own}/duyet", data={"csrf_token": token(approver)})
    assert answer.status_code == 409
    assert "nguyên tắc bốn mắt" in answer.get_data(as_text=True)
    assert (
        approver.post(
            f"/admin/phe-duyet/{ids['draft']}/tu-choi", data={"csrf_token": token(approver)}
        ).status_code
        == 400
    )
    approver.post(
        f"/admin/phe-duyet/{ids['draft']}/tu-choi",
        data={"csrf_token": token(approver), "reason": "Thiếu chứng từ"},
    )
    with services.database.read() as session:
        assert session.get(ReceiptDraft, own).status == "draft"
        assert session.get(ReceiptDraft, ids["draft"]).reject_reason == "Thiếu chứng từ"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "draft.rejected"))
    assert event.actor == "bd-approver"


def test_an_approver_who_edits_a_draft_cannot_then_approve_it(site) -> None:
    """The attack over HTTP: an approver lowers an officer's amount and names a new payer, then approves."""
    app, services, _ = site
    officer, approver = login(app, "bd-officer"), login(app, "bd-approver")
    form = {
        "payer_name": "Đỗ Văn Em",
        "payer_id_number": "001085012345",
        "payer_address": "Hà Nội",
        "case_payment_code": "THA2501",
        "amount_vnd": "1.000.000",
        "purpose": "",
        "payment_method": "CASH",
    }
    answer = officer.post("/admin/phe-duyet/moi", data={**form, "csrf_token": token(officer)})
    draft_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    edited = {**form, "amount_vnd": "1.000", "payer_name": "Kẻ Gian", "csrf_token": token(approver)}
    assert approver.post(f"/admin/phe-duyet/{draft_id}", data=edited).status_code == 302
    page = approver.get(f"/admin/phe-duyet/{draft_id}").get_data(as_text=True)
    assert 'id="approve"' not in page  # the page says why instead of offering the button
    assert 'id="author-amount_vnd">Nhập/sửa bởi bd-approver<' in page
    assert 'id="author-payer_address">Nhập/sửa bởi bd-officer<' in page

    answer = approver.post(f"/admin/phe-duyet/{draft_id}/duyet", data={"csrf_token": token(approver)})
    assert answer.status_code == 409
    text = answer.get_data(as_text=True)
    assert "bạn đã nhập hoặc sửa Người nộp tiền, Số tiền (đồng) của bản nháp này" in text
    assert "nguyên tắc bốn mắt" in text
    with services.database.read() as session:
        draft = session.get(ReceiptDraft, draft_id)
        assert (draft.status, draft.receipt_id, draft.amount_vnd) == ("draft", None, 1_000)
        assert session.scalar(select(Receipt).where(Receipt.amount == 1_000)) is None

    # Another approver reads who set what and approves; the draft can no longer be changed.
    with services.database.write() as session:
        from ereceipt.core.users.accounts import add_user

        add_user(session, "bd-approver2", "approver", "CCTHADS-BD", PASSWORD, actor="test")
    second = login(app, "bd-approver2")
    answer = second.post(f"/admin/phe-duyet/{draft_id}/duyet", data={"csrf_token": token(second)})
    assert answer.status_code == 302
    again = {**form, "csrf_token": token(officer)}
    officer.post(f"/admin/phe-duyet/{draft_id}", data=again)
    with services.database.read() as session:
        draft = session.get(ReceiptDraft, draft_id)
        assert (draft.status, draft.amount_vnd, draft.payer_name) == ("approved", 1_000, "Kẻ Gian")


def test_an_approver_who_keeps_ocr_proposed_fields_has_entered_them(site) -> None:
    """Saving the fields OCR proposed (the counter screen) is entering them: who saves them cannot approve."""
    app, services, _ = site
    reading = {
        "fields": {"payer_name": "Trần Thị Bình", "amount_vnd": 2_000_000, "case_payment_code": "THA2502"},
        "confidences": {"payer_name": 0.95, "amount_vnd": 0.6, "case_payment_code": 0.9},
    }
    with services.database.write() as session:
        document = CounterDocument(
            content=b"scan", media_type="image/png", sha256="0" * 64, uploaded_by="bd-officer",
            agency_code="CCTHADS-BD", status="done", result=json.dumps(reading),
            uploaded_at=datetime.now(UTC),
        )  # fmt: skip
        session.add(document)
        session.flush()
        document_id = document.id
    try:
        approver = login(app, "bd-approver")
        fields = {
            "payer_name": "Trần Thị Bình",
            "payer_id_number": "",
            "payer_address": "",
            "case_payment_code": "THA2502",
            "amount_vnd": "2.000.000",
            "purpose": "",
            "payment_method": "CASH",
        }
        answer = approver.post(
            f"/admin/tiep-nhan/{document_id}/ban-nhap", data={"csrf_token": token(approver), **fields}
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)
        draft_id = int(answer.headers["Location"].rsplit("/", 1)[1])
        with services.database.read() as session:
            draft = session.get(ReceiptDraft, draft_id)
            assert draft.field_confidences == {
                "payer_name": 0.95,
                "amount_vnd": 0.6,
                "case_payment_code": 0.9,
            }
            assert set(drafts.field_authors(session, draft).values()) == {"bd-approver"}
        answer = approver.post(f"/admin/phe-duyet/{draft_id}/duyet", data={"csrf_token": token(approver)})
        assert answer.status_code == 409
        assert "nguyên tắc bốn mắt" in answer.get_data(as_text=True)
    finally:
        services.counter_reader().close()


def test_approver_matches_a_held_payment_to_a_case_of_the_agency(site) -> None:
    app, services, ids = site
    approver = login(app, "bd-approver")
    path = f"/admin/thanh-toan-treo/{ids['held']['bd']}/khop"
    answer = approver.post(path, data={"csrf_token": token(approver), "case_code": "THA2503", "reason": "x"})
    assert "thuộc đơn vị khác" in approver.get(answer.headers["Location"]).get_data(as_text=True)
    answer = approver.post(
        path, data={"csrf_token": token(approver), "case_code": "THA2502", "reason": "Gọi điện"}
    )
    assert answer.status_code == 302 and "/admin/bien-lai/" in answer.headers["Location"]
    page = approver.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Chuyển khoản" in page and "3.000.000 đồng" in page
    with services.database.read() as session:
        assert session.get(Payment, ids["held"]["bd"]).status == "RECEIPTED"
    listing = approver.get("/admin/thanh-toan-treo").get_data(as_text=True)
    assert "Đã khớp hồ sơ" in listing and "Gọi điện" in listing


def test_national_approver_marks_an_unmatched_payment_for_refund(site) -> None:
    app, services, ids = site
    with services.database.write() as session:
        from ereceipt.core.users.accounts import add_user

        add_user(session, "tw-approver", "approver", None, PASSWORD, actor="test")
    client = login(app, "tw-approver")
    path = f"/admin/thanh-toan-treo/{ids['held']['none']}/hoan-tien"
    assert client.post(path, data={"csrf_token": token(client)}).status_code == 400
    assert (
        client.post(path, data={"csrf_token": token(client), "reason": "Không thuộc THADS"}).status_code
        == 302
    )
    with services.database.read() as session:
        assert session.get(Payment, ids["held"]["none"]).status == "REFUND"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "held_payment.refund"))
    assert (event.actor, json.loads(event.details)["reason"]) == ("tw-approver", "Không thuộc THADS")


def test_administrator_manages_users_and_keeps_the_last_administrator(site) -> None:
    app, services, ids = site
    admin = login(app, "admin")
    officer_id, admin_id = ids["users"]["bd-officer"], ids["users"]["admin"]
    assert (
        admin.post(f"/admin/nguoi-dung/{officer_id}/ngung", data={"csrf_token": token(admin)}).status_code
        == 302
    )
    answer = app.test_client().post(
        "/admin/dang-nhap",
        data={"username": "bd-officer", "password": PASSWORD, "csrf_token": _csrf(app.test_client())},
    )
    assert answer.status_code in (401, 403)
    admin.post(f"/admin/nguoi-dung/{officer_id}/kich-hoat", data={"csrf_token": token(admin)})
    reset = admin.post(f"/admin/nguoi-dung/{officer_id}/dat-lai-mat-khau", data={"csrf_token": token(admin)})
    password = re.search(r'id="new-password"[^>]*>([^<]+)<', reset.get_data(as_text=True)).group(1)
    assert reset.headers["Cache-Control"] == "no-store"
    login(app, "bd-officer", password)
    admin.post(
        f"/admin/nguoi-dung/{officer_id}/vai-tro",
        data={"csrf_token": token(admin), "role": "approver", "agency": "CTHADS-HN"},
    )
    with services.database.read() as session:
        user = session.get(AdminUser, officer_id)
        assert (user.role, user.issuer_id is not None) == ("approver", True)
    answer = admin.post(f"/admin/nguoi-dung/{admin_id}/ngung", data={"csrf_token": token(admin)})
    assert "last active administrator" in admin.get(answer.headers["Location"]).get_data(as_text=True)
    admin.post(
        f"/admin/nguoi-dung/{admin_id}/vai-tro",
        data={"csrf_token": token(admin), "role": "auditor", "agency": ""},
    )
    with services.database.read() as session:
        me = session.get(AdminUser, admin_id)
        assert (me.active, me.role) == (True, "administrator")
        done = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.actor == "admin"))]
    for action in ("user.deactivated", "user.reactivated", "user.password_reset", "user.role_changed"):
        assert action in done


def test_administrator_unlocks_a_locked_out_user(site) -> None:
    app, _, ids = site
    client = app.test_client()
    for _ in range(5):
        client.post(
            "/admin/dang-nhap",
            data={"username": "hn-officer", "password": "sai", "csrf_token": _csrf(client)},
        )
    refused = client.post(
        "/admin/dang-nhap", data={"username": "hn-officer", "password": PASSWORD, "csrf_token": _csrf(client)}
    )
    assert refused.status_code == 401
    admin = login(app, "admin")
    assert "Mở khóa" in admin.get("/admin/nguoi-dung").get_data(as_text=True)
    admin.post(f"/admin/nguoi-dung/{ids['users']['hn-officer']}/mo-khoa", data={"csrf_token": token(admin)})
    login(app, "hn-officer")


def test_dead_letter_page_says_clearly_when_the_broker_is_down(site) -> None:
    app, _, _ = site
    answer = login(app, "auditor").get("/admin/thu-loi")
    assert answer.status_code == 503
    assert "Không kết nối được máy chủ hàng đợi RabbitMQ" in answer.get_data(as_text=True)
    figures = login(app, "admin").get("/admin/so-lieu.json").get_json()
    assert figures["dead_letters"] is None
    dashboard = login(app, "admin").get("/admin/").get_data(as_text=True)
    assert re.search(r'id="dead-down"\s*>RabbitMQ không kết nối được', dashboard)  # shown
    assert re.search(r'id="dead-link"\s+hidden', dashboard)
    client = login(app, "admin")
    answer = client.post("/admin/thu-loi/abc/bo", data={"csrf_token": token(client), "reason": "x"})
    assert answer.status_code == 302
    assert "RabbitMQ không kết nối được" in client.get("/admin/thu-loi").get_data(as_text=True)


def test_a_password_reset_ends_the_sessions_made_before_it(site) -> None:
    app, _, ids = site
    officer = login(app, "bd-officer")
    assert officer.get("/admin/").status_code == 200
    admin = login(app, "admin")
    admin.post(
        f"/admin/nguoi-dung/{ids['users']['bd-officer']}/dat-lai-mat-khau", data={"csrf_token": token(admin)}
    )
    answer = officer.get("/admin/")
    assert answer.status_code == 302 and "/admin/dang-nhap" in answer.headers["Location"]
    assert admin.get("/admin/").status_code == 200
