"""The admin page through Flask's WSGI test client: anonymous, roles, agencies, CSRF, lock-out, actions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from admin_site import PASSWORD, build_site
from sqlalchemy import select

from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.storage.audit import AuditEvent
from ereceipt.core.users.accounts import lock_wait
from ereceipt.core.users.tables import AdminUser


@pytest.fixture
def site(tmp_path: Path):
    services, receipts = build_site(tmp_path)
    app = services.web_application()
    app.config["TESTING"] = True
    return app, services, receipts


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


def status_of(services, receipt_id: int) -> str:
    with services.database.read() as session:
        return session.get(Receipt, receipt_id).status


def pages(receipts: dict) -> list[str]:
    rid = receipts["bd"]
    return [
        "/admin/",
        "/admin/so-lieu.json",
        "/admin/bien-lai",
        f"/admin/bien-lai/{rid}",
        f"/admin/bien-lai/{rid}.xml",
        f"/admin/bien-lai/{rid}.pdf",
        "/admin/nguoi-dung",
        "/admin/nhat-ky",
        "/admin/thanh-toan-treo",
    ]


def test_every_page_refuses_the_anonymous(site) -> None:
    app, _, receipts = site
    client = app.test_client()
    for page in pages(receipts):
        answer = client.get(page)
        if page.endswith(".json"):
            assert answer.status_code == 401, page
        else:
            assert answer.status_code == 302, page
            assert answer.headers["Location"].startswith("/admin/dang-nhap"), page


def test_every_action_refuses_the_anonymous_even_with_a_csrf_token(site) -> None:
    app, services, receipts = site
    client = app.test_client()
    csrf = _csrf(client)
    rid = receipts["bd"]
    for action in (f"/admin/bien-lai/{rid}/huy", f"/admin/bien-lai/{rid}/thay-the", "/admin/nguoi-dung"):
        answer = client.post(action, data={"csrf_token": csrf, "reason": "x", "username": "x"})
        assert answer.status_code == 302, action
    assert status_of(services, rid) == "ISSUED"


def test_login_sets_a_hardened_session_cookie_and_logout_ends_it(site) -> None:
    app, _, _ = site
    client = app.test_client()
    answer = client.post(
        "/admin/dang-nhap", data={"username": "admin", "password": PASSWORD, "csrf_token": _csrf(client)}
    )
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over plain http in this test
    assert client.get("/admin/").status_code == 200
    assert client.post("/admin/dang-xuat", data={"csrf_token": token(client)}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_session_cookie_is_secure_when_the_public_url_is_https(tmp_path: Path) -> None:
    services, _ = build_site(tmp_path, "[server]\npublic_url = https://bienlai.example.gov.vn\n")
    app = services.web_application()
    client = app.test_client()
    answer = client.post(
        "/admin/dang-nhap", data={"username": "admin", "password": PASSWORD, "csrf_token": _csrf(client)}
    )
    assert "Secure" in answer.headers["Set-Cookie"]


def test_every_form_refuses_a_missing_or_wrong_csrf_token(site) -> None:
    app, services, receipts = site
    rid = receipts["bd"]
    approver, admin = login(app, "bd-approver"), login(app, "admin")
    forms = [
        (approver, f"/admin/bien-lai/{rid}/huy", {"reason": "nhầm"}),
        (approver, f"/admin/bien-lai/{rid}/thay-the", {"reason": "nhầm", "payer_name": "A"}),
        (approver, "/admin/dang-xuat", {}),
        (admin, "/admin/nguoi-dung", {"username": "new", "role": "officer", "password": "x" * 12}),
    ]
    for client, action, data in forms:
        assert client.post(action, data=data).status_code == 403, action
        assert client.post(action, data={**data, "csrf_token": "forged"}).status_code == 403, action
    anonymous = app.test_client()
    answer = anonymous.post("/admin/dang-nhap", data={"username": "admin", "password": PASSWORD})
    assert answer.status_code == 403
    assert status_of(services, rid) == "ISSUED"
    with services.database.read() as session:
        assert session.scalar(select(AdminUser).where(AdminUser.username == "new")) is None
    assert approver.get("/admin/").status_code == 200  # the refused log-out did not log out


def test_cancel_and_replace_refuse_every_role_but_approver(site) -> None:
    app, services, receipts = site
    rid = receipts["bd"]
    for name in ("bd-officer", "auditor", "admin"):
        client = login(app, name)
        for action in (f"/admin/bien-lai/{rid}/huy", f"/admin/bien-lai/{rid}/thay-the"):
            answer = client.post(action, data={"csrf_token": token(client), "reason": "thử"})
            assert answer.status_code == 403, (name, action)
    assert status_of(services, rid) == "ISSUED"


def test_users_page_is_for_administrators_and_audit_trail_for_administrators_and_auditors(site) -> None:
    app, _, _ = site
    for name in ("bd-officer", "bd-approver", "auditor"):
        client = login(app, name)
        assert client.get("/admin/nguoi-dung").status_code == 403, name
        answer = client.post(
            "/admin/nguoi-dung",
            data={
                "csrf_token": token(client),
                "username": "x",
                "role": "administrator",
                "password": "y" * 12,
            },
        )
        assert answer.status_code == 403, name
    for name in ("bd-officer", "bd-approver"):
        assert login(app, name).get("/admin/nhat-ky").status_code == 403, name
    for name in ("admin", "auditor"):
        assert login(app, name).get("/admin/nhat-ky").status_code == 200, name


def test_another_agencys_receipt_is_not_found_and_cannot_be_cancelled(site) -> None:
    app, services, receipts = site
    rid = receipts["bd"]
    client = login(app, "hn-approver")
    for page in (f"/admin/bien-lai/{rid}", f"/admin/bien-lai/{rid}.xml", f"/admin/bien-lai/{rid}.pdf"):
        assert client.get(page).status_code == 404, page
    for action in (f"/admin/bien-lai/{rid}/huy", f"/admin/bien-lai/{rid}/thay-the"):
        answer = client.post(action, data={"csrf_token": token(client), "reason": "thử"})
        assert answer.status_code == 404, action
    assert status_of(services, rid) == "ISSUED"


def test_search_shows_only_the_users_agency_and_everything_to_the_national_level(site) -> None:
    app, _, _ = site
    officer = login(app, "hn-officer").get("/admin/bien-lai").get_data(as_text=True)
    assert "Tìm thấy 1 biên lai" in officer
    assert "Công ty TNHH Minh Phát" in officer
    assert "Nguyễn Văn An" not in officer
    auditor = login(app, "auditor").get("/admin/bien-lai").get_data(as_text=True)
    assert "Tìm thấy 3 biên lai" in auditor


def test_search_filters_by_number_payer_identity_case_and_dates(site) -> None:
    app, _, _ = site
    client = login(app, "auditor")

    def found(query: str) -> int:
        page = client.get("/admin/bien-lai?" + query).get_data(as_text=True)
        return int(re.search(r"Tìm thấy (\d+) biên lai", page).group(1))

    assert found("nguoi_nop=trần thị") == 1
    assert found("ho_so=tha2503") == 1
    assert found("dinh_danh=001085012345") == 3
    assert found("dinh_danh=079190004321") == 0
    assert found("so=1&ky_hieu=" + "") == 2  # number 1 in each agency's series
    assert found("tu_ngay=2000-01-01&den_ngay=2000-01-02") == 0
    assert client.get("/admin/bien-lai?tu_ngay=hôm-qua").status_code == 400


def test_detail_shows_the_verification_report_and_the_signed_fields(site) -> None:
    app, _, receipts = site
    page = login(app, "bd-officer").get(f"/admin/bien-lai/{receipts['bd']}").get_data(as_text=True)
    assert "Hợp lệ" in page
    assert "TOTAL_PASSED" in page
    assert "1.015.000 đồng" in page
    assert "Nguyễn Văn An" in page
    assert "Hủy biên lai" not in page  # an officer gets no cancel form


def test_xml_and_pdf_download(site) -> None:
    app, services, receipts = site
    client = login(app, "bd-officer")
    xml = client.get(f"/admin/bien-lai/{receipts['bd']}.xml")
    assert xml.status_code == 200
    assert xml.mimetype == "application/xml"
    assert services.verify_receipt(xml.data).passed
    pdf = client.get(f"/admin/bien-lai/{receipts['bd']}.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert b"DejaVu" in pdf.data  # the font with Vietnamese diacritics is embedded
    assert b"/Subtype /Image" in pdf.data  # the QR code
    assert "attachment" in pdf.headers["Content-Disposition"]


def test_approver_cancels_with_a_reason_and_the_audit_trail_names_them(site) -> None:
    app, services, receipts = site
    rid = receipts["bd"]
    client = login(app, "bd-approver")
    assert client.post(f"/admin/bien-lai/{rid}/huy", data={"csrf_token": token(client)}).status_code == 400
    answer = client.post(
        f"/admin/bien-lai/{rid}/huy", data={"csrf_token": token(client), "reason": "Thu nhầm"}
    )
    assert answer.status_code == 302
    assert status_of(services, rid) == "CANCELLED"
    with services.database.read() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "receipt.cancelled"))
    assert event.actor == "bd-approver"
    assert json.loads(event.details)["reason"] == "Thu nhầm"
    page = client.get(f"/admin/bien-lai/{rid}").get_data(as_text=True)
    assert "Đã hủy" in page
    assert "Thu nhầm" in page


def test_approver_replaces_and_the_new_receipt_names_the_old(site) -> None:
    app, services, receipts = site
    rid = receipts["bd"]
    client = login(app, "bd-approver")
    answer = client.post(
        f"/admin/bien-lai/{rid}/thay-the",
        data={"csrf_token": token(client), "reason": "Sai tên", "payer_name": "Nguyễn Văn Ân"},
    )
    assert answer.status_code == 302
    new_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    with services.database.read() as session:
        new = session.get(Receipt, new_id)
    assert new.replaces_id == rid
    assert status_of(services, rid) == "CANCELLED"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Nguyễn Văn Ân" in page
    assert "Thay thế biên lai" in page


def test_national_approver_acts_on_every_agency(site) -> None:
    app, services, receipts = site
    with services.database.write() as session:
        from ereceipt.core.users.accounts import add_user

        add_user(session, "tw-approver", "approver", None, PASSWORD, actor="test")
    client = login(app, "tw-approver")
    answer = client.post(
        f"/admin/bien-lai/{receipts['hn']}/huy", data={"csrf_token": token(client), "reason": "Thu nhầm"}
    )
    assert answer.status_code == 302
    assert status_of(services, receipts["hn"]) == "CANCELLED"


def test_dashboard_figures_are_scoped_and_served_as_json(site) -> None:
    app, _, _ = site
    figures = login(app, "bd-officer").get("/admin/so-lieu.json").get_json()
    assert [row["agency"] for row in figures["today"]] == ["CCTHADS-BD"]
    assert figures["today"][0]["count"] == 2
    assert figures["today"][0]["amount"] == 3_015_000
    assert len(figures["days"]) == 30
    assert figures["days"][-1]["amount"] == 3_015_000
    assert len(figures["bars"]) == 30
    national = login(app, "auditor").get("/admin/so-lieu.json").get_json()
    assert sum(row["amount"] for row in national["month"]) == 8_015_000
    page = login(app, "auditor").get("/admin/").get_data(as_text=True)
    assert "<svg" in page
    assert "8.015.000 đồng" in page


def test_administrator_adds_a_user_who_can_then_log_in(site) -> None:
    app, services, _ = site
    client = login(app, "admin")
    answer = client.post(
        "/admin/nguoi-dung",
        data={
            "csrf_token": token(client),
            "username": "bd-auditor",
            "role": "auditor",
            "agency": "CCTHADS-BD",
            "password": "mot-mat-khau-dai",
        },
    )
    assert answer.status_code == 302
    assert "bd-auditor" in client.get("/admin/nguoi-dung").get_data(as_text=True)
    login(app, "bd-auditor", "mot-mat-khau-dai")
    with services.database.read() as session:
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.added").order_by(AuditEvent.id.desc())
        )
    assert event.actor == "admin"


def test_wrong_passwords_lock_the_name_for_that_address_with_growing_waits(site) -> None:
    app, _, _ = site
    client = app.test_client()
    for _ in range(5):
        answer = client.post(
            "/admin/dang-nhap",
            data={"username": "bd-officer", "password": "sai", "csrf_token": _csrf(client)},
        )
        assert answer.status_code == 401
    answer = client.post(
        "/admin/dang-nhap", data={"username": "bd-officer", "password": PASSWORD, "csrf_token": _csrf(client)}
    )
    assert answer.status_code == 401
    assert "không đúng" in answer.get_data(as_text=True)  # the same answer as a wrong password
    assert lock_wait(4) is None
    assert lock_wait(5).total_seconds() == 30
    assert lock_wait(6).total_seconds() == 60
    assert lock_wait(50).total_seconds() == 30 * 60


def test_unknown_user_and_wrong_password_get_the_same_answer(site) -> None:
    app, _, _ = site
    client = app.test_client()
    unknown = client.post(
        "/admin/dang-nhap", data={"username": "nobody", "password": "x", "csrf_token": _csrf(client)}
    )
    wrong = client.post(
        "/admin/dang-nhap", data={"username": "admin", "password": "x", "csrf_token": _csrf(client)}
    )
    assert unknown.status_code == wrong.status_code == 401
    assert "không đúng" in unknown.get_data(as_text=True)
    assert "không đúng" in wrong.get_data(as_text=True)


def test_login_does_not_redirect_outside_the_admin_page(site) -> None:
    app, _, _ = site
    client = app.test_client()
    answer = client.post(
        "/admin/dang-nhap?next=//evil.example/admin/",
        data={"username": "admin", "password": PASSWORD, "csrf_token": _csrf(client)},
    )
    assert answer.headers["Location"] == "/admin/"


def test_held_payments_are_listed_read_only_per_agency(site) -> None:
    from datetime import UTC, datetime

    from ereceipt.core.receipts.tables import EnforcementCase, Payment

    app, services, _ = site
    now = datetime.now(UTC)
    with services.database.write() as session:
        case_id = session.scalar(select(EnforcementCase.id).where(EnforcementCase.payment_code == "THA2501"))
        for reference, case, reason in (
            ("B-1", case_id, "Số tiền vượt số phải nộp"),
            ("B-2", None, "Không có mã hồ sơ"),
        ):
            session.add(
                Payment(
                    source="bank", external_reference=reference, amount=99_000_000, payer_name="Lê Văn Cường",
                    paid_at=now, case_id=case, status="HELD", hold_reason=reason, recorded_at=now,
                )
            )  # fmt: skip
    national = login(app, "auditor").get("/admin/thanh-toan-treo").get_data(as_text=True)
    assert "Số tiền vượt số phải nộp" in national
    assert "Không có mã hồ sơ" in national
    bd = login(app, "bd-officer").get("/admin/thanh-toan-treo").get_data(as_text=True)
    assert "Số tiền vượt số phải nộp" in bd
    assert "Không có mã hồ sơ" not in bd
    assert "Số tiền vượt số phải nộp" not in login(app, "hn-officer").get("/admin/thanh-toan-treo").get_data(
        as_text=True
    )
    assert login(app, "auditor").get("/admin/so-lieu.json").get_json()["held_payments"] == 2
