"""Level LTA end to end: with `ereceipt serve` as the development TSA, receipts time-stamped to T are
taken to LTA by `ereceipt archive run` (one TSA call for the batch), `ereceipt archive status`
shows the progress, `ereceipt verify` and the lookup page report LTA, and `ereceipt archive record`
writes the receipt's RFC 6283 evidence record, which verifies against the receipt's bytes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import server_process
from cryptography import x509
from server_process import Server, ereceipt, http

from ereceipt.core.signatures.evidence_record import verify_evidence_record


def test_archive_run_takes_receipts_to_lta_and_the_record_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = server_process.free_port()
    monkeypatch.setattr(server_process, "free_port", lambda: port)
    config = (  # LT switched off: receipts are archived from level T
        f"[database]\nurl = sqlite:///var/e.sqlite3\n[signature]\ntsa_url = http://127.0.0.1:{port}/tsa\n"
        "[scheduler]\nvalidation_data_per_run = 0\n"
    )
    (tmp_path / "config.ini").write_text(config)
    assert ereceipt(tmp_path, "init", "--demo").returncode == 0
    payment = (Path(__file__).parents[2] / "examples" / "payment.json").read_bytes()
    code = json.loads(ereceipt(tmp_path, "issue", "-", "--json", stdin=payment).stdout)["lookup_code"]

    stopped = ereceipt(tmp_path, "archive", "run")
    assert b"0 receipts to level LTA" in stopped.stdout and b"0 receipts waiting" in stopped.stdout
    server = Server(tmp_path, config)
    try:
        ereceipt(tmp_path, "scheduler", "--run-now", "signature_time_stamps")
        waiting = ereceipt(tmp_path, "archive", "status").stdout.decode()
        assert waiting.startswith("0 receipts at level LTA, 5 waiting to be archived; 0 archive time-stamps")
        done = ereceipt(tmp_path, "archive", "run").stdout.decode()
        assert done.startswith("5 receipts to level LTA, 0 archive time-stamps renewed, 1 TSA calls"), done
        archived = ereceipt(tmp_path, "archive", "status").stdout.decode()
        assert archived.startswith("5 receipts at level LTA, 0 waiting to be archived; 1 archive time-stamps")
        status, page, _ = http(f"{server.base}/tra-cuu?ma={code}")
        assert status == 200 and 'id="signature-level">XAdES-LTA' in page.decode()
    finally:
        server.stop()

    (tmp_path / "receipt.xml").write_bytes(ereceipt(tmp_path, "export", code).stdout)
    verified = ereceipt(tmp_path, "verify", "receipt.xml", "--json")
    report = json.loads(verified.stdout)
    assert (verified.returncode, report["indication"], report["level"]) == (0, "TOTAL_PASSED", "LTA"), report
    assert ereceipt(tmp_path, "archive", "record", "receipt.xml", "-o", "er.xml").returncode == 0
    anchors = [x509.load_pem_x509_certificate((tmp_path / "var" / "keys" / "ca.cert.pem").read_bytes())]
    record, receipt = (tmp_path / "er.xml").read_bytes(), (tmp_path / "receipt.xml").read_bytes()
    assert verify_evidence_record(record, receipt, anchors, datetime.now(UTC)).renewals == 0
    other = receipt.replace(b"><", b">\n<", 1)  # other bytes (a whitespace node): not what was archived
    assert other != receipt
    (tmp_path / "other.xml").write_bytes(other)
    assert ereceipt(tmp_path, "archive", "record", "other.xml").returncode == 1
