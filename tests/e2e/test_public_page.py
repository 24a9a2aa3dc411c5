"""`ereceipt serve` over real HTTP: health checks and the public lookup page (granian, real SQLite)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path

import pytest
from server_process import Server, ereceipt, http

REPO = Path(__file__).resolve().parents[2]
LIMITED = "[lookup]\nfailed_lookups_per_minute = 5\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    home = tmp_path_factory.mktemp("site")
    config = "[database]\nurl = sqlite:///var/e.sqlite3\n"
    (home / "config.ini").write_text(config)
    assert ereceipt(home, "init", "--demo").returncode == 0
    done = ereceipt(home, "issue", str(REPO / "examples" / "payment.json"), "--json")
    assert done.returncode == 0, done.stderr
    server = Server(home, config + LIMITED)
    yield server.base, json.loads(done.stdout)
    output = server.stop()
    assert b"Traceback" not in output, output.decode()


def test_health_and_readiness(site) -> None:
    base, _ = site
    assert http(base + "/healthz")[0] == 200
    status, body, _ = http(base + "/readyz")
    assert status == 200
    checks = json.loads(body)["checks"]
    # The broker is reported too, without deciding readiness (tests/e2e/test_bank_worker.py).
    assert (checks["database"], checks["keys"]) == ("ok", "ok")


def test_lookup_form_is_served_in_vietnamese(site) -> None:
    base, _ = site
    status, body, _ = http(base + "/")
    assert status == 200
    assert "Mã tra cứu".encode() in body


SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


def test_public_pages_send_the_admin_pages_security_headers(site) -> None:
    """Every public answer, pages, errors and downloads, carries the admin page's security headers:
    no inline script, no framing, no type sniffing, no referrer (a result's address holds its code)."""
    base, issued = site
    code = issued["lookup_code"]
    admin = http(base + "/admin/dang-nhap")[2]
    expected = {name: admin[name] for name in SECURITY_HEADERS}
    policy = dict(part.strip().split(" ", 1) for part in expected["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert (expected["X-Frame-Options"], expected["X-Content-Type-Options"]) == ("DENY", "nosniff")
    assert expected["Referrer-Policy"] == "no-referrer"
    for path, status in (
        ("/", 200),
        (f"/tra-cuu?ma={code}", 200),
        (f"/tra-cuu/{code.replace('-', '')}.xml", 200),
        ("/tra-cuu?ma=abc", 400),
        ("/nope", 404),
    ):
        answer = http(base + path)
        assert answer[0] == status, path
        assert {name: answer[2][name] for name in SECURITY_HEADERS} == expected, path


def get_from(source: str, base: str, path: str) -> tuple[int, bytes]:
    """GET ``path`` from the local address ``source`` (any of 127.0.0.0/8 reaches the server)."""
    host, port = base.removeprefix("http://").split(":")
    connection = HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def test_metrics_answer_only_the_addresses_of_metrics_allow(site) -> None:
    """By default only 127.0.0.1 may read /metrics; another address gets a short 403, not the figures."""
    base, _ = site
    status, body = get_from("127.0.0.1", base, "/metrics")
    assert status == 200 and b"ereceipt_treasury_reports" in body
    status, body = get_from("127.0.0.2", base, "/metrics")
    assert status == 403
    assert b"ereceipt_" not in body and len(body) < 200, body
    assert b"metrics_allow" in body
    assert get_from("127.0.0.2", base, "/healthz")[0] == 200  # the rest of the site is not limited


def test_lookup_shows_the_verified_receipt_with_masked_identity(site) -> None:
    base, issued = site
    status, body, _ = http(f"{base}/tra-cuu?ma={issued['lookup_code']}")
    page = body.decode()
    assert status == 200
    assert "Hợp lệ" in page
    assert "1.015.000 đồng" in page
    assert "Nguyễn Văn An" in page
    assert "001085012345" not in page
    assert "•••••••••345" in page
    assert "ngõ 12" not in page  # of the payer's address only the city is shown
    assert "•••, Hà Nội" in page


def test_signed_xml_downloads(site) -> None:
    base, issued = site
    code = issued["lookup_code"].replace("-", "")
    status, body, headers = http(f"{base}/tra-cuu/{code}.xml")
    assert status == 200
    assert headers["Content-Type"].startswith("application/xml")
    assert b"<ds:Signature" in body or b"Signature" in body
    assert "attachment" in headers["Content-Disposition"]


def test_malformed_code_is_a_400_with_a_message(site) -> None:
    base, _ = site
    status, body, _ = http(base + "/tra-cuu?ma=abc")
    assert status == 400
    assert "16 ký tự".encode() in body


def test_unknown_code_is_a_404_page_and_repeated_failures_are_limited(site) -> None:
    base, _ = site
    statuses = [http(base + "/tra-cuu?ma=0000-0000-0000-000" + str(i))[0] for i in range(7)]
    assert statuses[:5] == [404] * 5
    assert statuses[5:] == [429, 429]
    status, body, _ = http(base + "/tra-cuu?ma=0000-0000-0000-0009")
    assert status == 429
    assert "thử lại sau".encode() in body


def test_unknown_page_is_a_404_page(site) -> None:
    base, _ = site
    status, body, _ = http(base + "/nope")
    assert status == 404
    assert b"Traceback" not in body


def test_server_keeps_serving_and_reports_not_ready_when_the_database_is_down(tmp_path: Path) -> None:
    config = "[database]\nurl = postgresql+psycopg://nobody@127.0.0.1:9/none\n"
    (tmp_path / "config.ini").write_text(config)
    keys = ereceipt(tmp_path, "keys", "init")
    assert keys.returncode == 0, keys.stderr
    server = Server(tmp_path, config)
    try:
        status, body, _ = http(server.base + "/readyz")
        assert status == 503
        checks = json.loads(body)["checks"]
        assert (checks["database"], checks["keys"]) == ("failing", "ok")
        assert b"port 9" not in body and b"nobody" not in body  # why is for the log, not for anyone asking
        status, body, _ = http(server.base + "/tra-cuu?ma=0000-0000-0000-0000")
        assert status == 503
        assert "thử lại sau".encode() in body
    finally:
        output = server.stop()
    assert b"Traceback" not in output, output.decode()
    assert b"DEVELOPMENT signing keys are in use" in output
    assert b"readiness check database failed: database unavailable" in output and b"port 9" in output
