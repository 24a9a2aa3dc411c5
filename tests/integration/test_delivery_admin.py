"""The admin delivery screen and /metrics through Flask's WSGI test client: scoping, roles, CSRF, resend."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from admin_site import PASSWORD, build_site, payment
from sqlalchemy import select, update

from ereceipt.core.delivery.outbox import FAILED, PENDING, PayerNotice
from ereceipt.core.receipts.payer_contact import PayerContact
from ereceipt.core.storage.audit import AuditEvent


@pytest.fixture
def site(tmp_path: Path):
    services, _ = build_site(tmp_path)
    notices = {}
    for key, reference, case, email in (
        ("bd", "PT-11", "THA2501", "refused@example.invalid"),
        ("hn", "PT-12", "THA2503", "cong.ty@example.invalid"),
    ):
        request = payment(reference, case, 100_000, "Nguyễn Văn An")
        with_contact = replace(request.payment, contact=PayerContact(email, "+84912345678"))
        issued = services.issuer().issue(replace(request, payment=with_contact))
        with services.database.write() as session:
            email_notice = session.scalars(
                select(PayerNotice).where(
                    PayerNotice.receipt_id == issued.receipt_id, PayerNotice.channel == "EMAIL"
                )
            ).one()
            email_notice.status, email_notice.failed_at = FAILED, datetime.now(UTC)
            email_notice.last_error = "recipient refused: 550 5.1.1 no such user"
            notices[key] = email_notice.id
    app = services.web_application()
    app.config["TESTING"] = True
    return app, services, notices


def login(app, name: str):
    client = app.test_client()
    client.get("/admin/dang-nhap")
    answer = client.post(
        "/admin/dang-nhap", data={"username": name, "password": PASSWORD, "csrf_token": csrf(client)}
    )
    assert answer.status_code == 302
    return client


def csrf(client) -> str:
    with client.session_transaction() as session:
        return session["csrf"]


def status(services, notice_id: int) -> str:
    with services.database.read() as session:
        return session.get(PayerNotice, notice_id).status


def test_the_screen_refuses_the_anonymous(site) -> None:
    app, _, notices = site
    client = app.test_client()
    assert client.get("/admin/thong-bao").headers["Location"].startswith("/admin/dang-nhap")
    client.get("/admin/dang-nhap")
    answer = client.post(f"/admin/thong-bao/{notices['bd']}/gui-lai", data={"csrf_token": csrf(client)})
    assert answer.status_code == 302


def test_an_agency_officer_sees_only_its_agencys_notices(site) -> None:
    app, _, _ = site
    page = login(app, "bd-officer").get("/admin/thong-bao").get_data(as_text=True)
    assert "refused@example.invalid" in page and "recipient refused: 550" in page
    assert "cong.ty@example.invalid" not in page
    assert "Gửi lại" in page
    everything = login(app, "auditor").get("/admin/thong-bao").get_data(as_text=True)
    assert "refused@example.invalid" in everything and "cong.ty@example.invalid" in everything
    assert 'action="/admin/thong-bao/' not in everything  # an auditor reads, never resends


def test_pending_notices_are_listed_too(site) -> None:
    app, _, _ = site
    page = login(app, "bd-officer").get("/admin/thong-bao?trang_thai=PENDING").get_data(as_text=True)
    assert "+84912345678" in page and "Đang chờ gửi" in page


def test_resend_with_a_corrected_address_is_queued_and_audited(site) -> None:
    app, services, notices = site
    client = login(app, "bd-officer")
    answer = client.post(
        f"/admin/thong-bao/{notices['bd']}/gui-lai",
        data={"csrf_token": csrf(client), "recipient": "an.nguyen@example.invalid"},
        follow_redirects=True,
    )
    assert "Đã đưa thông báo tới an.nguyen@example.invalid vào hàng chờ gửi lại." in answer.get_data(
        as_text=True
    )
    with services.database.read() as session:
        notice = session.get(PayerNotice, notices["bd"])
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "notice.resent")).one()
    assert (notice.status, notice.recipient, notice.attempts) == (PENDING, "an.nguyen@example.invalid", 0)
    assert event.actor == "bd-officer"
    assert json.loads(event.details)["previous_recipient"] == "refused@example.invalid"


def test_resend_refuses_a_wrong_address_with_the_reason(site) -> None:
    app, services, notices = site
    client = login(app, "bd-approver")
    answer = client.post(
        f"/admin/thong-bao/{notices['bd']}/gui-lai",
        data={"csrf_token": csrf(client), "recipient": "not-an-address"},
        follow_redirects=True,
    )
    assert "Không gửi lại được: e-mail address" in answer.get_data(as_text=True)
    assert status(services, notices["bd"]) == FAILED


def test_resend_refuses_other_agencies_roles_and_forged_forms(site) -> None:
    app, services, notices = site
    other = login(app, "hn-officer")
    assert (
        other.post(f"/admin/thong-bao/{notices['bd']}/gui-lai", data={"csrf_token": csrf(other)}).status_code
        == 404
    )
    for name in ("auditor", "admin"):
        client = login(app, name)
        answer = client.post(f"/admin/thong-bao/{notices['bd']}/gui-lai", data={"csrf_token": csrf(client)})
        assert answer.status_code == 403, name
    officer = login(app, "bd-officer")
    assert (
        officer.post(f"/admin/thong-bao/{notices['bd']}/gui-lai", data={"csrf_token": "forged"}).status_code
        == 403
    )
    assert status(services, notices["bd"]) == FAILED


def test_metrics_count_notices_by_channel_and_status(site) -> None:
    app, services, _ = site
    with services.database.write() as session:
        session.execute(update(PayerNotice).where(PayerNotice.channel == "SMS").values(status="SENT"))
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert "# TYPE ereceipt_payer_notices gauge" in text
    assert 'ereceipt_payer_notices{channel="EMAIL",status="FAILED"} 2.0' in text
    assert 'ereceipt_payer_notices{channel="SMS",status="SENT"} 2.0' in text
