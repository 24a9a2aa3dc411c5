"""The transparency log served by `ereceipt serve`, checked by a client written from the C2SP specs alone.

The client below uses only hashlib, base64 and cryptography's Ed25519: none of the log's own code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from server_process import Server, ereceipt, http
from waiting import wait_for

REPO = Path(__file__).resolve().parents[2]
JOBS_OFF = "daily_reports =\nstatement_fetch =\nreconciliation =\nreport_retries =\nmessage_log_archive =\n"
CONFIG = "[database]\nurl = sqlite:///var/e.sqlite3\n"
SCHEDULER = f"[scheduler]\n{JOBS_OFF}transparency_log = */1 * * * * *\n"


def receipt_count(home: Path) -> int:
    with sqlite3.connect(home / "var" / "e.sqlite3") as connection:
        return connection.execute("SELECT count(*) FROM receipt").fetchone()[0]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, dict]]:
    home = tmp_path_factory.mktemp("log-site")
    (home / "config.ini").write_text(CONFIG)
    assert ereceipt(home, "init", "--demo").returncode == 0
    done = ereceipt(home, "issue", str(REPO / "examples" / "payment.json"), "--json")
    assert done.returncode == 0, done.stderr
    server = Server(home, CONFIG + SCHEDULER, workers=1, run_scheduler=True)
    total = receipt_count(home)

    def integrated() -> bool:
        status, body, _ = http(server.base + "/log/checkpoint")
        return status == 200 and int(body.split(b"\n")[1]) >= total

    try:
        wait_for(integrated, timeout=60, what=f"the log to hold {total} receipts (log: {server.log})")
        yield server.base, home, json.loads(done.stdout)
    finally:
        output = server.stop()
    assert b"Traceback" not in output, output.decode()


# -- a client from the specs ------------------------------------------------------------------------


def open_note(note: bytes, vkey: str) -> list[str]:
    """C2SP signed-note: the text's lines, once the signature of ``vkey`` verified."""
    name, key_hash, key = vkey.strip().split("+", 2)
    raw = base64.b64decode(key)
    assert raw[0] == 1
    assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == key_hash
    text, _, signatures = note.decode().rpartition("\n\n")
    for line in signatures.splitlines():
        prefix, signer, blob = line.split(" ")
        signature = base64.b64decode(blob)
        if prefix == "\u2014" and signer == name and signature[:4].hex() == key_hash:
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(signature[4:], (text + "\n").encode())
            return (text + "\n").split("\n")[:-1]
    raise AssertionError("no signature of the log's key")


def mth(hashes: list[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(hashes[:k]) + mth(hashes[k:])).digest()


def test_checkpoint_verifies_with_the_published_vkey_and_tiles_recompute_its_root(site) -> None:
    base, home, _ = site
    vkey = (home / "var" / "keys" / "transparency-log.vkey").read_text()
    status, served_vkey, _ = http(base + "/log/vkey")
    assert status == 200 and served_vkey.decode() == vkey
    status, note, headers = http(base + "/log/checkpoint")
    assert headers["Content-Type"].startswith("text/plain")
    origin, size_text, root_text = open_note(note, vkey)
    assert origin == vkey.split("+")[0] and "DEVELOPMENT" in origin
    size = int(size_text)
    assert 0 < size < 256
    status, tile, headers = http(base + f"/log/tile/0/000.p/{size}")
    assert status == 200 and len(tile) == 32 * size
    assert headers["Content-Type"] == "application/octet-stream"
    assert "immutable" not in headers["Cache-Control"]
    leaves = [tile[i : i + 32] for i in range(0, len(tile), 32)]
    assert mth(leaves) == base64.b64decode(root_text)
    status, bundle, _ = http(base + f"/log/tile/entries/000.p/{size}")
    entries, offset = [], 0
    while offset < len(bundle):
        length = int.from_bytes(bundle[offset : offset + 2], "big")
        entries.append(bundle[offset + 2 : offset + 2 + length])
        offset += 2 + length
    assert [hashlib.sha256(b"\x00" + e).digest() for e in entries] == leaves


def test_the_log_names_receipts_but_not_their_payers(site) -> None:
    base, _, issued = site
    note = http(base + "/log/checkpoint")[1]
    size = int(note.split(b"\n")[1])
    bundle = http(base + f"/log/tile/entries/000.p/{size}")[1]
    number = re.search(r"(\d{7})", issued["number"]).group(1)
    assert b"event issued\n" in bundle and f"\nnumber {number}\n".encode() in bundle
    payer = json.loads((REPO / "examples" / "payment.json").read_text())["payer"]
    for secret in (payer["name"], payer["identity_number"], issued["lookup_code"].replace("-", "")):
        assert secret.encode() not in bundle


@pytest.mark.parametrize(
    "path",
    ["/log/tile/0/001", "/log/tile/0/000.p/255", "/log/tile/0/1", "/log/tile/9/x000/000", "/log/tile/x"],
)
def test_tiles_beyond_the_log_or_malformed_are_404(site, path) -> None:
    base, _, _ = site
    status, body, _ = http(base + path)
    assert status == 404
    assert b"Traceback" not in body


def test_lookup_page_in_a_browser_shows_a_verified_inclusion_proof(site, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    from test_admin_browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing")
    base, _, issued = site
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="vi-VN")
            page.goto(base + "/")
            page.fill("input[name=ma]", issued["lookup_code"])
            page.keyboard.press("Enter")
            page.wait_for_selector("#log-status")
            status = page.locator("#log-status")
            assert status.get_attribute("data-in-log") == "yes"
            assert status.get_attribute("data-verified") == "yes"
            assert "Đã kiểm chứng" in page.text_content("#log-proof")
            assert page.locator(".log-index").count() == 1
            page.screenshot(path=str(tmp_path / "lookup-log.png"), full_page=True)
        finally:
            browser.close()


def test_audit_fetches_receipts_from_the_lookup_service_by_their_codes(site, tmp_path: Path) -> None:
    base, home, issued = site
    vkey = str(home / "var" / "keys" / "transparency-log.vkey")
    codes = tmp_path / "codes.txt"
    codes.write_text(f"# collected from payers\n{issued['lookup_code']}\n\n0000-0000-0000-0000\n")
    audit = ("audit", base + "/log", "--vkey", vkey, "--state", str(tmp_path / "state.json"))
    done = ereceipt(home, *audit, "--receipts", base, "--codes", str(codes))
    out = done.stdout.decode()
    assert done.returncode == 1, out + done.stderr.decode()
    assert "CONSISTENT:" in out  # the log itself is fine: the receipts are reported apart
    lines = {line.split()[2].rstrip(":"): line for line in out.splitlines() if " receipt " in line}
    found = lines[issued["lookup_code"]]
    assert found.startswith("ok") and "in the log: entry" in found and "signature valid" in found
    assert "NOT served by the lookup service" in lines["0000-0000-0000-0000"]
    assert "RECEIPTS: 1 of 2" in out
    codes.write_text(issued["lookup_code"] + "\n")
    again = ereceipt(home, *audit, "--receipts", base, "--codes", str(codes))
    assert again.returncode == 0, again.stdout.decode() + again.stderr.decode()
    assert "RECEIPTS: 1 of 1" in again.stdout.decode()
    unreachable = ereceipt(home, *audit, "--receipts", "http://127.0.0.1:9/", "--codes", str(codes))
    assert unreachable.returncode == 2 and b"could not fetch" in unreachable.stderr
    missing = ereceipt(home, *audit, "--receipts", base)
    assert missing.returncode == 2 and b"--codes" in missing.stderr
