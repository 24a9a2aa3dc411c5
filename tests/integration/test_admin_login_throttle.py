"""Admin log-in failures through Flask's WSGI test client on a real database: every failure gives one
answer and does the same work (counted in password-hash calls, not timed), and failures are throttled
per (name, client address) and, only when they come from many addresses, per name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from admin_site import PASSWORD, build_site
from argon2 import PasswordHasher
from sqlalchemy import select

from ereceipt.core.users import accounts
from ereceipt.core.users.tables import AdminUser

TRUSTED = "[server]\nlogin_trusted_networks = 192.168.10.0/24\n"


class CountingHasher(PasswordHasher):
    """The real argon2id hasher, counting its verifications and hashings."""

    def __init__(self) -> None:
        super().__init__()
        self.verified = self.hashed = 0

    def verify(self, hash, password) -> bool:
        self.verified += 1
        return super().verify(hash, password)

    def hash(self, password, *, salt=None) -> str:
        self.hashed += 1
        return super().hash(password, salt=salt)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    services, _ = build_site(tmp_path, TRUSTED)
    hasher = CountingHasher()
    monkeypatch.setattr(accounts, "HASHER", hasher)
    return services.web_application(), services, hasher


def attempt(app, name: str, password: str, address: str, client=None):
    """A log-in from ``address`` (a new browser unless ``client`` is given); the answer."""
    client = client or app.test_client()
    environ = {"REMOTE_ADDR": address}
    client.get("/admin/dang-nhap", environ_base=environ)
    with client.session_transaction() as session:
        token = session["csrf"]
    return client.post(
        "/admin/dang-nhap",
        data={"username": name, "password": password, "csrf_token": token},
        environ_base=environ,
    )


def error_of(answer) -> str:
    return re.search(r'<p class="error" role="alert">(.*?)</p>', answer.get_data(as_text=True)).group(1)


def test_every_failing_log_in_gives_one_answer_after_exactly_one_password_verification(site) -> None:
    app, services, hasher = site
    with services.database.write() as session:
        officer_id = session.scalar(select(AdminUser.id).where(AdminUser.username == "hn-officer"))
        accounts.set_active(session, officer_id, False, actor="test")
    for _ in range(accounts.FREE_FAILURES):  # locks bd-officer for 10.0.0.1
        assert attempt(app, "bd-officer", "sai", "10.0.0.1").status_code == 401
    for n in range(accounts.ACCOUNT_ADDRESSES):  # locks bd-approver for every untrusted address
        assert attempt(app, "bd-approver", "sai", f"10.1.0.{n}").status_code == 401
    cases = {
        "unknown name": ("nobody", PASSWORD, "10.9.0.1"),
        "wrong password": ("auditor", "sai", "10.9.0.1"),
        "deactivated": ("hn-officer", PASSWORD, "10.9.0.1"),
        "locked for this address": ("bd-officer", PASSWORD, "10.0.0.1"),
        "locked for every address": ("bd-approver", PASSWORD, "10.2.0.1"),
    }
    answers = set()
    for case, (name, password, address) in cases.items():
        before = hasher.verified, hasher.hashed
        answer = attempt(app, name, password, address)
        assert answer.status_code == 401, case
        assert (hasher.verified - before[0], hasher.hashed - before[1]) == (1, 0), case
        answers.add(error_of(answer))
    assert len(answers) == 1
    assert "tạm" not in answers.pop().split(",")[0]  # no lock time, no hint of which case it was
    before = hasher.verified
    assert attempt(app, "auditor", PASSWORD, "10.9.0.1").status_code == 302  # and success: one as well
    assert hasher.verified - before == 1


def test_one_address_cannot_lock_a_name_out_for_others(site) -> None:
    app, _, _ = site
    for _ in range(3 * accounts.FREE_FAILURES):
        assert attempt(app, "admin", "doan", "203.0.113.66").status_code == 401
    assert attempt(app, "admin", PASSWORD, "203.0.113.66").status_code == 401
    assert attempt(app, "admin", PASSWORD, "198.51.100.7").status_code == 302


def test_failures_from_many_addresses_lock_the_name_except_from_a_trusted_network(site) -> None:
    app, services, _ = site
    for n in range(accounts.ACCOUNT_ADDRESSES - 1):
        attempt(app, "admin", "doan", f"203.0.113.{n}")
    assert attempt(app, "admin", PASSWORD, "198.51.100.7").status_code == 302  # nine addresses: not yet
    attempt(app, "admin", "doan", "203.0.113.200")
    assert attempt(app, "admin", PASSWORD, "198.51.100.8").status_code == 401
    with services.database.read() as session:
        assert session.scalar(select(AdminUser).where(AdminUser.username == "admin")).locked_until
    assert attempt(app, "admin", PASSWORD, "192.168.10.5").status_code == 302  # the trusted network
    admin = app.test_client()  # an administrator unlocks the name for everyone
    attempt(app, "admin", PASSWORD, "192.168.10.5", client=admin)
    with services.database.read() as session:
        admin_id = session.scalar(select(AdminUser.id).where(AdminUser.username == "admin"))
    with admin.session_transaction() as session:
        token = session["csrf"]
    unlock = admin.post(
        f"/admin/nguoi-dung/{admin_id}/mo-khoa",
        data={"csrf_token": token},
        environ_base={"REMOTE_ADDR": "192.168.10.5"},
    )
    assert unlock.status_code == 302
    assert attempt(app, "admin", PASSWORD, "198.51.100.9").status_code == 302
