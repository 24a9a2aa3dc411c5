"""XAdES-LT end to end: `ereceipt serve` publishes the development CA's CRL at /ca/crl and answers
OCSP at /ca/ocsp, which `openssl crl` and `openssl ocsp` accept; the upgrade job embeds them and the
chains in each receipt at level T (level LT); `ereceipt keys revoke` shows in both; and with the
server stopped (no CRL, no OCSP, no network) an LT receipt, revoked after its time-stamp, still
verifies, and xmlsec1 still validates its XML signature."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import server_process
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from server_process import Server, ereceipt, http

from ereceipt.core.signatures.development_ca import CRL_TYPE
from ereceipt.core.signatures.xades_lt import signer_validation_data
from ereceipt.core.xml.parser import parse_xml

needs_tools = pytest.mark.skipif(
    not (shutil.which("openssl") and shutil.which("xmlsec1")), reason="openssl and xmlsec1 (make test)"
)


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, check=False)


@needs_tools
def test_lt_receipts_carry_the_ca_answers_and_verify_with_the_ca_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = server_process.free_port()
    monkeypatch.setattr(server_process, "free_port", lambda: port)
    base = f"http://127.0.0.1:{port}"
    config = f"[database]\nurl = sqlite:///var/e.sqlite3\n[signature]\ntsa_url = {base}/tsa\n"
    # As Server writes it, so that `ereceipt init` makes certificates that name this server's CA.
    (tmp_path / "config.ini").write_text(config + f"\n[server]\nport = {port}\npublic_url = {base}\n")
    assert ereceipt(tmp_path, "init", "--demo").returncode == 0
    payment = (Path(__file__).parents[2] / "examples" / "payment.json").read_bytes()
    code = json.loads(ereceipt(tmp_path, "issue", "-", "--json", stdin=payment).stdout)["lookup_code"]
    keys = tmp_path / "var" / "keys"

    server = Server(tmp_path, config)
    try:
        upgraded = ereceipt(tmp_path, "scheduler", "--run-now", "signature_time_stamps")
        assert (
            b": 5 receipts to level T, 0 waiting at level B; 5 receipts to level LT, 0 waiting at level T\n"
            in upgraded.stdout
        ), upgraded.stdout + upgraded.stderr
        status, page, _ = http(f"{base}/tra-cuu?ma={code}")
        assert status == 200 and 'id="signature-level">XAdES-LT' in page.decode()
        exported = ereceipt(tmp_path, "export", code).stdout
        (tmp_path / "receipt.xml").write_bytes(exported)
        signer = signer_validation_data(parse_xml(exported)).certificates[0]
        (tmp_path / "signer.pem").write_bytes(signer.public_bytes(serialization.Encoding.PEM))

        revoked = ereceipt(tmp_path, "keys", "revoke", "signer.pem", "--reason", "keyCompromise")
        assert revoked.returncode == 0, revoked.stderr
        status, crl, headers = http(f"{base}/ca/crl")
        assert (status, headers["Content-Type"]) == (200, CRL_TYPE)
        assert x509.load_der_x509_crl(crl).get_revoked_certificate_by_serial_number(signer.serial_number)
        (tmp_path / "ca.crl").write_bytes(crl)
        checked = run("openssl", "crl", "-inform", "DER", "-in", str(tmp_path / "ca.crl"),
                      "-CAfile", str(keys / "ca.cert.pem"), "-noout", "-nextupdate")  # fmt: skip
        assert checked.returncode == 0 and "verify OK" in checked.stderr, checked.stdout + checked.stderr
        ca = str(keys / "ca.cert.pem")
        asked = run("openssl", "ocsp", "-issuer", ca, "-cert", str(tmp_path / "signer.pem"),
                    "-url", f"{base}/ca/ocsp", "-CAfile", ca)  # fmt: skip
        assert "Response verify OK" in asked.stderr, asked.stdout + asked.stderr
        assert f"{tmp_path / 'signer.pem'}: revoked" in asked.stdout, asked.stdout
        assert "Reason: keyCompromise" in asked.stdout, asked.stdout
    finally:
        server.stop()

    # Nothing answers at the CA's URLs now: the receipt's own validation data must do.
    assert http_refused(f"{base}/ca/crl")
    done = ereceipt(tmp_path, "verify", "receipt.xml", "--json")
    report = json.loads(done.stdout)
    assert (done.returncode, report["indication"], report["level"]) == (0, "TOTAL_PASSED", "LT"), report
    assert report["time_stamp_time"] is not None
    xmlsec = run("xmlsec1", "--verify", "--trusted-pem", str(keys / "ca.cert.pem"), "--id-attr:Id",
                 "SignedProperties", "--id-attr:Id", "KeyInfo", str(tmp_path / "receipt.xml"))  # fmt: skip
    assert xmlsec.returncode == 0 and "OK" in xmlsec.stderr, xmlsec.stderr


def http_refused(url: str) -> bool:
    try:
        http(url)
    except OSError:
        return True
    return False
