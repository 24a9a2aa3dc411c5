"""XAdES-T end to end: `ereceipt serve` answers RFC 3161 at /tsa as the development TSA when
`[signature] tsa_url` is its own; with it stopped a receipt is issued at level B and the job leaves it
there; once it runs the job makes it T, and `ereceipt verify`, the lookup page and `openssl ts
-verify` on the extracted token all see the time-stamp."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import server_process
from server_process import Server, ereceipt, http

from ereceipt.core.signatures.timestamp import REPLY_TYPE, REQUEST_TYPE, request
from ereceipt.core.signatures.xades_t import signature_time_stamps, signature_value_digest
from ereceipt.core.xml.parser import parse_xml


def test_a_receipt_waits_at_b_while_the_tsa_is_stopped_and_becomes_t_once_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = server_process.free_port()
    monkeypatch.setattr(server_process, "free_port", lambda: port)
    config = (
        f"[database]\nurl = sqlite:///var/e.sqlite3\n[signature]\ntsa_url = http://127.0.0.1:{port}/tsa\n"
    )
    (tmp_path / "config.ini").write_text(config)
    assert ereceipt(tmp_path, "init", "--demo").returncode == 0
    payment = (Path(__file__).parents[2] / "examples" / "payment.json").read_bytes()
    issued = ereceipt(tmp_path, "issue", "-", "--json", stdin=payment)
    assert issued.returncode == 0, issued.stderr  # the TSA is not running: issuing does not need it
    code = json.loads(issued.stdout)["lookup_code"]

    waiting = ereceipt(tmp_path, "scheduler", "--run-now", "signature_time_stamps")
    # The demo's four receipts and this one wait.
    assert (
        "0 receipts to level T, 5 waiting at level B; TSA unavailable: "
        f"http://127.0.0.1:{port}/tsa: Connection refused; 0 receipts to level LT"
    ) in waiting.stdout.decode(), waiting.stdout
    assert level(tmp_path, code) == ("B", None)

    server = Server(tmp_path, config)
    try:
        status, _, headers = http(
            f"{server.base}/tsa", request(b"\x01" * 32)[0], {"Content-Type": REQUEST_TYPE}
        )
        assert (status, headers["Content-Type"]) == (200, REPLY_TYPE)
        upgraded = ereceipt(tmp_path, "scheduler", "--run-now", "signature_time_stamps")
        assert b": 5 receipts to level T, 0 waiting at level B; " in upgraded.stdout, upgraded.stdout
        got, stamp_time = level(tmp_path, code)
        # The development certificates name port 8080 for their CRL and OCSP: LT waits for them.
        assert got == "T" and stamp_time is not None
        status, page, _ = http(f"{server.base}/tra-cuu?ma={code}")
        assert status == 200 and 'id="signature-level">XAdES-T' in page.decode()
    finally:
        server.stop()

    if shutil.which("openssl"):
        document = parse_xml(ereceipt(tmp_path, "export", code).stdout)
        (token,) = signature_time_stamps(document)
        (tmp_path / "token.der").write_bytes(token)
        keys = tmp_path / "var" / "keys"
        checked = subprocess.run(
            ["openssl", "ts", "-verify", "-digest", signature_value_digest(document).hex(), "-token_in",
             "-in", str(tmp_path / "token.der"), "-CAfile", str(keys / "ca.cert.pem"),
             "-untrusted", str(keys / "tsa.cert.pem")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert "Verification: OK" in checked.stdout, checked.stdout + checked.stderr


def level(home: Path, code: str) -> tuple[str, str | None]:
    exported = ereceipt(home, "export", code)
    (home / "receipt.xml").write_bytes(exported.stdout)
    done = ereceipt(home, "verify", "receipt.xml", "--json")
    report = json.loads(done.stdout)
    assert (done.returncode, report["indication"]) == (0, "TOTAL_PASSED"), report
    return report["level"], report["time_stamp_time"]
