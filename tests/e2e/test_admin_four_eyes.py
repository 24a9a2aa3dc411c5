"""Four eyes on the real server (`ereceipt serve`) over HTTP: an approver who edits a draft cannot approve it.

The attack: an officer enters a counter draft of 1 000 000 đồng; an approver lowers the amount to
1 000, names another payer and approves. The approval is refused (409, the fields named on the
page), nothing is numbered or signed, and another approver may approve the content as it stands.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from pathlib import Path

from server_process import Server, ereceipt

PASSWORD = "mat-khau-bon-mat-1"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test reads each 302 itself


class Browser:
    """One logged-in admin user: a cookie jar and the CSRF token of its session."""

    def __init__(self, base: str, name: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )
        self.csrf = self._token("/admin/dang-nhap")
        status, _, headers = self.post("/admin/dang-nhap", username=name, password=PASSWORD)
        assert status == 302, (status, name, headers.items())
        self.csrf = self._token("/admin/phe-duyet")  # a new session at login has a token of its own

    def _token(self, path: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', self.get(path)[1]).group(1)

    def _open(self, request: urllib.request.Request) -> tuple[int, str, Message]:
        try:
            with self.opener.open(request, timeout=30) as answer:
                return answer.status, answer.read().decode(), answer.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers

    def get(self, path: str) -> tuple[int, str, Message]:
        return self._open(urllib.request.Request(self.base + path))  # noqa: S310

    def post(self, path: str, **form: str) -> tuple[int, str, Message]:
        body = urllib.parse.urlencode({**form, "csrf_token": self.csrf}).encode()
        return self._open(urllib.request.Request(self.base + path, data=body))  # noqa: S310


def test_an_approver_who_edits_a_draft_is_refused_its_approval(tmp_path: Path) -> None:
    config = "[database]\nurl = sqlite:///var/e.sqlite3\n"
    (tmp_path / "config.ini").write_text(config)
    assert ereceipt(tmp_path, "init", "--demo").returncode == 0
    for name, role in (("bd-officer", "officer"), ("bd-approver", "approver"), ("bd-approver2", "approver")):
        added = ereceipt(
            tmp_path, "users", "add", name, "--role", role, "--agency", "CCTHADS-BD", "--password-stdin",
            stdin=PASSWORD.encode() + b"\n",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    server = Server(tmp_path, config)
    try:
        officer = Browser(server.base, "bd-officer")
        form = {
            "payer_name": "Phạm Thị Dung",
            "payer_id_number": "001190001234",
            "payer_address": "Số 8 phố Liễu Giai, Ba Đình, Hà Nội",
            "case_payment_code": "THA2502",
            "amount_vnd": "1.000.000",
            "purpose": "",
            "payment_method": "CASH",
        }
        status, _, headers = officer.post("/admin/phe-duyet/moi", **form)
        assert status == 302
        draft = headers["Location"].rsplit("/", 1)[1]

        approver = Browser(server.base, "bd-approver")
        status, _, _ = approver.post(
            f"/admin/phe-duyet/{draft}", **{**form, "amount_vnd": "1.000", "payer_name": "Kẻ Gian"}
        )
        assert status == 302
        status, page, _ = approver.post(f"/admin/phe-duyet/{draft}/duyet")
        assert status == 409, page
        assert "bạn đã nhập hoặc sửa Người nộp tiền, Số tiền (đồng) của bản nháp này" in page
        assert 'id="approve"' not in page and 'id="approved-number"' not in page
        status, page, _ = officer.get(f"/admin/phe-duyet/{draft}")
        assert 'id="author-amount_vnd">Nhập/sửa bởi bd-approver<' in page
        assert re.search(r'id="draft-status" class="">Chờ phê duyệt', page)  # still waiting, unsigned

        second = Browser(server.base, "bd-approver2")
        status, _, headers = second.post(f"/admin/phe-duyet/{draft}/duyet")
        assert status == 302
        status, page, _ = second.get(f"/admin/phe-duyet/{draft}")
        assert re.search(r'id="approved-number"[^>]*>[A-Z0-9]+ 0000001<', page), page
    finally:
        output = server.stop()
    assert b"Traceback" not in output, output.decode()
