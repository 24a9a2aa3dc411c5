"""`ereceipt serve` over real HTTP: health checks and the public lookup page (gunicorn, real SQLite)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own test server)
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def start_server(home: Path, config: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    (home / "config.ini").write_text(
        config + f"\n[server]\nport = {port}\nworkers = 2\n[lookup]\nfailed_lookups_per_minute = 5\n"
    )
    env = {**os.environ, "ERECEIPT_CONFIG": str(home / "config.ini")}
    server = subprocess.Popen(
        [sys.executable, "-m", "ereceipt", "serve"],
        cwd=home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if get(base + "/healthz")[0] == 200:
                return server, base
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise AssertionError(server.stdout.read().decode())


def stop(server: subprocess.Popen) -> bytes:
    server.terminate()
    output, _ = server.communicate(timeout=30)
    return output


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    home = tmp_path_factory.mktemp("site")
    config = "[database]\nurl = sqlite:///var/e.sqlite3\n"
    (home / "config.ini").write_text(config)
    env = {**os.environ, "ERECEIPT_CONFIG": str(home / "config.ini")}
    for args in (["init", "--demo"], ["issue", str(REPO / "examples" / "payment.json"), "--json"]):
        done = subprocess.run(
            [sys.executable, "-m", "ereceipt", *args], cwd=home, env=env, capture_output=True
        )
        assert done.returncode == 0, done.stderr
    issued = json.loads(done.stdout)
    server, base = start_server(home, config)
    yield base, issued
    output = stop(server)
    assert b"Traceback" not in output, output.decode()


def test_health_and_readiness(site) -> None:
    base, _ = site
    assert get(base + "/healthz")[0] == 200
    status, body, _ = get(base + "/readyz")
    assert status == 200
    assert json.loads(body)["checks"] == {"database": "ok", "keys": "ok"}


def test_lookup_form_is_served_in_vietnamese(site) -> None:
    base, _ = site
    status, body, _ = get(base + "/")
    assert status == 200
    assert "Mã tra cứu".encode() in body


def test_lookup_shows_the_verified_receipt_with_masked_identity(site) -> None:
    base, issued = site
    status, body, _ = get(f"{base}/tra-cuu?ma={issued['lookup_code']}")
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
    status, body, headers = get(f"{base}/tra-cuu/{code}.xml")
    assert status == 200
    assert headers["Content-Type"].startswith("application/xml")
    assert b"<ds:Signature" in body or b"Signature" in body
    assert "attachment" in headers["Content-Disposition"]


def test_malformed_code_is_a_400_with_a_message(site) -> None:
    base, _ = site
    status, body, _ = get(base + "/tra-cuu?ma=abc")
    assert status == 400
    assert "16 ký tự".encode() in body


def test_unknown_code_is_a_404_page_and_repeated_failures_are_limited(site) -> None:
    base, _ = site
    statuses = [get(base + "/tra-cuu?ma=0000-0000-0000-000" + str(i))[0] for i in range(7)]
    assert statuses[:5] == [404] * 5
    assert statuses[5:] == [429, 429]
    status, body, _ = get(base + "/tra-cuu?ma=0000-0000-0000-0009")
    assert status == 429
    assert "thử lại sau".encode() in body


def test_unknown_page_is_a_404_page(site) -> None:
    base, _ = site
    status, body, _ = get(base + "/nope")
    assert status == 404
    assert b"Traceback" not in body


def test_server_keeps_serving_and_reports_not_ready_when_the_database_is_down(tmp_path: Path) -> None:
    keys = subprocess.run(
        [sys.executable, "-m", "ereceipt", "keys", "init", "--directory", str(tmp_path / "var" / "keys")],
        capture_output=True,
    )
    assert keys.returncode == 0, keys.stderr
    server, base = start_server(tmp_path, "[database]\nurl = postgresql+psycopg://nobody@127.0.0.1:9/none\n")
    try:
        status, body, _ = get(base + "/readyz")
        assert status == 503
        assert json.loads(body)["checks"]["keys"] == "ok"
        status, body, _ = get(base + "/tra-cuu?ma=0000-0000-0000-0000")
        assert status == 503
        assert "thử lại sau".encode() in body
    finally:
        output = stop(server)
    assert b"Traceback" not in output, output.decode()
    assert b"DEVELOPMENT signing keys are in use" in output
