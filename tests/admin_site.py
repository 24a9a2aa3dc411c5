"""A demo database with admin page users and receipts of two agencies, for the admin page's tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ereceipt.app.demo import load_demo_data
from ereceipt.app.wiring import Services, ensure_keys
from ereceipt.config import load_settings
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.receipts.content import PayerInfo, PaymentMethod
from ereceipt.core.storage.database import migrate
from ereceipt.core.users.accounts import add_user

PASSWORD = "mat-khau-thu-nghiem"
USERS = [
    ("admin", "administrator", None),
    ("auditor", "auditor", None),
    ("bd-officer", "officer", "CCTHADS-BD"),
    ("bd-approver", "approver", "CCTHADS-BD"),
    ("hn-approver", "approver", "CTHADS-HN"),
    ("hn-officer", "officer", "CTHADS-HN"),
]


def payment(reference: str, case_code: str, amount: int, name: str) -> IssueRequest:
    incoming = PaymentIn(
        source="counter",
        reference=reference,
        amount=amount,
        payer=PayerInfo(name, "001085012345", "Số 5 ngõ 12 phố Đội Cấn, Ba Đình, Hà Nội"),
        paid_at=datetime.now(UTC),
        method=PaymentMethod.CASH,
        case_code=case_code,
    )
    return IssueRequest(incoming, officer="can.bo.thu")


def build_site(
    home: Path, extra_config: str = "", database_url: str | None = None
) -> tuple[Services, dict[str, int]]:
    """A migrated database (SQLite in ``home`` unless a URL is given) with keys, demo data, the users
    above and receipts of two agencies."""
    (home / "config.ini").write_text("[database]\nurl = sqlite:///var/e.sqlite3\n" + extra_config)
    environ = {"ERECEIPT_DATABASE__URL": database_url} if database_url else {}
    settings = load_settings(home / "config.ini", environ=environ)
    ensure_keys(settings)
    services = Services(settings)
    migrate(services.database)
    load_demo_data(services.database)
    with services.database.write() as session:
        for name, role, agency in USERS:
            add_user(session, name, role, agency, PASSWORD, actor="test")
    receipts = {
        "bd": services.issuer.issue(payment("PT-1", "THA2501", 1_015_000, "Nguyễn Văn An")).receipt_id,
        "bd2": services.issuer.issue(payment("PT-2", "THA2502", 2_000_000, "Trần Thị Bình")).receipt_id,
        "hn": services.issuer.issue(
            payment("PT-3", "THA2503", 5_000_000, "Công ty TNHH Minh Phát")
        ).receipt_id,
    }
    return services, receipts


def token(client) -> str:
    """The CSRF token of the test client's session."""
    with client.session_transaction() as session:
        return session["csrf"]


def login(app, name: str, password: str = PASSWORD):
    """A WSGI test client logged in as ``name``."""
    client = app.test_client()
    client.get("/admin/dang-nhap")
    answer = client.post(
        "/admin/dang-nhap", data={"username": name, "password": password, "csrf_token": token(client)}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client
