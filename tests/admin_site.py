"""A demo database with admin page users and receipts of two agencies, for the admin page's tests.

Building one costs seconds (a development PKI, eleven migrations, six password hashes, three signed
receipts), so it is built once per process and day, and each test gets a copy of its files.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from ereceipt.app.demo import load_demo_data
from ereceipt.app.wiring import Services, ensure_keys
from ereceipt.config import load_settings
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.receipts.content import VIETNAM, PayerInfo, PaymentMethod
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
    above and receipts of two agencies.

    The keys and the SQLite database are copies of a site built earlier the same day (the admin
    page counts today's receipts); a database at ``database_url`` is filled here, with those keys.
    """
    template, receipts = _template()
    if database_url:
        shutil.copytree(template / "var" / "keys", home / "var" / "keys", dirs_exist_ok=True)
    else:
        shutil.copytree(template / "var", home / "var", dirs_exist_ok=True)
    services = _services(home, extra_config, database_url)
    if database_url:
        receipts = _fill(services)
    return services, dict(receipts)


_TEMPLATES: dict[date, tuple[Path, dict[str, int]]] = {}


def _template() -> tuple[Path, dict[str, int]]:
    """The site of today to copy, and its receipts' ids; built on first use, removed at exit."""
    today = datetime.now(VIETNAM).date()
    if today not in _TEMPLATES:
        home = Path(tempfile.mkdtemp(prefix="ereceipt-admin-site-"))
        atexit.register(shutil.rmtree, home, ignore_errors=True)
        services = _services(home, "", None)
        receipts = _fill(services)
        services.database.dispose()  # closed, the WAL file is checkpointed into the database file
        _TEMPLATES[today] = home, receipts
    return _TEMPLATES[today]


def _services(home: Path, extra_config: str, database_url: str | None) -> Services:
    (home / "config.ini").write_text("[database]\nurl = sqlite:///var/e.sqlite3\n" + extra_config)
    environ = {"ERECEIPT_DATABASE__URL": database_url} if database_url else {}
    settings = load_settings(home / "config.ini", environ=environ)
    ensure_keys(settings)
    return Services(settings)


def _fill(services: Services) -> dict[str, int]:
    migrate(services.database)
    load_demo_data(services.database)
    assert services.put_signers_on_record("test") == []
    with services.database.write() as session:
        for name, role, agency in USERS:
            add_user(session, name, role, agency, PASSWORD, actor="test")
    return {
        "bd": services.issuer().issue(payment("PT-1", "THA2501", 1_015_000, "Nguyễn Văn An")).receipt_id,
        "bd2": services.issuer().issue(payment("PT-2", "THA2502", 2_000_000, "Trần Thị Bình")).receipt_id,
        "hn": services.issuer()
        .issue(payment("PT-3", "THA2503", 5_000_000, "Công ty TNHH Minh Phát"))
        .receipt_id,
    }


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
