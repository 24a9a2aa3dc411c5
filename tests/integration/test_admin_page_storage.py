"""The admin page's queries and actions on both stores, SQLite and PostgreSQL (scoping, search, figures)."""

from __future__ import annotations

from pathlib import Path

import pytest
from admin_site import PASSWORD, build_site


@pytest.fixture
def app(tmp_path: Path, database_url):
    services, receipts = build_site(tmp_path, database_url=database_url.url)
    application = services.web_application()
    yield application, receipts
    services.database.dispose()


def login(app, name: str):
    client = app.test_client()
    client.get("/admin/dang-nhap")
    with client.session_transaction() as session:
        csrf = session["csrf"]
    answer = client.post(
        "/admin/dang-nhap", data={"username": name, "password": PASSWORD, "csrf_token": csrf}
    )
    assert answer.status_code == 302
    return client


def test_search_figures_and_cancel_work_on_this_store(app) -> None:
    application, receipts = app
    auditor = login(application, "auditor")
    assert "Tìm thấy 1 biên lai" in auditor.get("/admin/bien-lai?nguoi_nop=TRẦN").get_data(as_text=True)
    assert "Tìm thấy 0 biên lai" in auditor.get("/admin/bien-lai?nguoi_nop=50%25").get_data(as_text=True)
    figures = auditor.get("/admin/so-lieu.json").get_json()
    assert {row["agency"]: row["amount"] for row in figures["today"]} == {
        "CCTHADS-BD": 3_015_000,
        "CTHADS-HN": 5_000_000,
    }
    approver = login(application, "bd-approver")
    with approver.session_transaction() as session:
        csrf = session["csrf"]
    answer = approver.post(
        f"/admin/bien-lai/{receipts['bd']}/huy", data={"csrf_token": csrf, "reason": "Nhầm"}
    )
    assert answer.status_code == 302
    after = approver.get("/admin/so-lieu.json").get_json()
    assert after["today"] == [
        {"agency": "CCTHADS-BD", "name": after["today"][0]["name"], "count": 1, "amount": 2_000_000}
    ]
