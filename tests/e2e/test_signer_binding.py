"""Forged receipts never verify: re-signed with the amount changed by every certificate of the
development PKI that is not on record for the receipt's issuer, through ``ereceipt verify``, SOAP
``verifyReceipt`` (zeep, real server) and the public lookup page (real HTTP)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from server_process import Server, ereceipt, http
from test_soap import call
from zeep import Client

from ereceipt.core.signatures.signing_identity import SigningIdentity
from ereceipt.core.signatures.xades import ReceiptSigner
from ereceipt.core.xml.namespaces import DS
from ereceipt.soap.zeep_signature import XRoadSignature

RECEIPT_NS = "urn:ereceipt:thads:receipt:1.0"
# Every key of the development PKI that must never sign a receipt of CCTHADS-BD (THA2501's agency).
FORGERS = ["portal-client", "bank-client", "soap-server", "issuer-signing", "issuer-CTHADS-HN", "tsa"]
ACCESS = "[access]\nVN/GOV/000000002/DVCQG = var/keys/portal-client.cert.pem | * | signed\n"


def new_home(home: Path) -> Path:
    (home / "config.ini").write_text("[database]\nurl = sqlite:///var/e.sqlite3\n" + ACCESS)
    done = ereceipt(home, "init", "--demo")
    assert done.returncode == 0, done.stderr
    return home


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return new_home(tmp_path_factory.mktemp("binding"))


def issue(home: Path, reference: str) -> tuple[str, bytes]:
    payment = json.loads((Path(__file__).parents[2] / "examples" / "payment.json").read_text())
    payment["reference"] = reference
    done = ereceipt(home, "issue", "-", "--json", stdin=json.dumps(payment).encode())
    assert done.returncode == 0, done.stderr
    code = json.loads(done.stdout)["lookup_code"]
    exported = ereceipt(home, "export", code)
    assert exported.returncode == 0, exported.stderr
    return code, exported.stdout


def forge(home: Path, genuine: bytes, party: str) -> bytes:
    """The genuine receipt with its amount changed to 15 000 đồng, signed again with ``party``'s key."""
    keys = home / "var" / "keys"
    document = etree.fromstring(genuine)
    document.remove(document.find(f"{{{DS}}}Signature"))
    document.find(f"{{{RECEIPT_NS}}}Amount").text = "15000"
    certificate = x509.load_pem_x509_certificate((keys / f"{party}.cert.pem").read_bytes())
    key = serialization.load_pem_private_key((keys / f"{party}.key.pem").read_bytes(), None)
    ca = x509.load_pem_x509_certificate((keys / "ca.cert.pem").read_bytes())
    return ReceiptSigner(SigningIdentity(key, certificate, (ca,))).sign_bytes(document)


@pytest.fixture(scope="module")
def genuine(home: Path) -> tuple[str, bytes]:
    return issue(home, "PT-BINDING-1")


def verify(home: Path, data: bytes, name: str) -> tuple[int, dict]:
    (home / name).write_bytes(data)
    done = ereceipt(home, "verify", name, "--json")
    return done.returncode, json.loads(done.stdout)


def test_the_genuine_receipt_verifies_offline(home: Path, genuine) -> None:
    code, report = verify(home, genuine[1], "genuine.xml")
    assert (code, report["indication"]) == (0, "TOTAL_PASSED"), report
    assert "signer on record for CCTHADS-BD" in report["message"]
    assert report["signing_time_basis"].startswith("claimed by the signer")


@pytest.mark.parametrize("party", FORGERS)
def test_a_receipt_forged_with_a_key_not_on_record_fails_offline(home: Path, genuine, party: str) -> None:
    code, report = verify(home, forge(home, genuine[1], party), f"forged-{party}.xml")
    assert code != 0
    assert report["indication"] != "TOTAL_PASSED"
    assert report["sub_indication"] == "CHAIN_CONSTRAINTS_FAILURE", report
    if party.startswith("issuer-"):
        assert "not on record for issuer CCTHADS-BD" in report["message"]


def test_every_demo_issuers_genuine_receipt_verifies(home: Path) -> None:
    payment = json.loads((Path(__file__).parents[2] / "examples" / "payment.json").read_text())
    payment.update(reference="PT-BINDING-HN", case_code="THA2503", amount=2_000_000)
    done = ereceipt(home, "issue", "-", "--json", stdin=json.dumps(payment).encode())
    assert done.returncode == 0, done.stderr
    exported = ereceipt(home, "export", json.loads(done.stdout)["lookup_code"]).stdout
    code, report = verify(home, exported, "genuine-hn.xml")
    assert (code, report["indication"]) == (0, "TOTAL_PASSED"), report
    assert "signer on record for CTHADS-HN" in report["message"]


def test_keys_list_retire_and_rotation(tmp_path: Path) -> None:
    """A home of its own: retiring and delegating change the record the other tests rely on."""
    home = new_home(tmp_path)
    genuine = issue(home, "PT-BINDING-1")
    listing = ereceipt(home, "keys", "list", "CCTHADS-BD")
    assert listing.returncode == 0 and b"UID=MST:0100000002" in listing.stdout, listing.stdout
    fingerprint = listing.stdout.split(b"\t")[1].decode()
    # Retired now: the receipt signed before still verifies; a receipt signed after does not.
    retired = ereceipt(home, "keys", "retire", "CCTHADS-BD", fingerprint[:16], "--by", "tester")
    assert retired.returncode == 0, retired.stderr
    code, report = verify(home, genuine[1], "before-retirement.xml")
    assert (code, report["indication"]) == (0, "TOTAL_PASSED"), report
    late = ereceipt(home, "issue", "-", "--json", stdin=_payment("PT-BINDING-LATE"))
    assert late.returncode == 0, late.stderr
    exported = ereceipt(home, "export", json.loads(late.stdout)["lookup_code"]).stdout
    code, report = verify(home, exported, "after-retirement.xml")
    assert (code, report["sub_indication"]) == (1, "REVOKED_NO_POE"), report
    assert "retired for CCTHADS-BD" in report["message"]
    # The new certificate: another agency's key delegated would do too; here HN signs for BD.
    delegated = ereceipt(home, "keys", "delegate", "CCTHADS-BD", "CTHADS-HN", "--by", "tester")
    assert delegated.returncode == 0, delegated.stderr
    code, report = verify(home, forge(home, genuine[1], "issuer-CTHADS-HN"), "delegated.xml")
    assert (code, report["indication"]) == (0, "TOTAL_PASSED"), report
    assert "by delegation from CCTHADS-BD" in report["message"]


def _payment(reference: str) -> bytes:
    payment = json.loads((Path(__file__).parents[2] / "examples" / "payment.json").read_text())
    payment["reference"] = reference
    return json.dumps(payment).encode()


@pytest.fixture(scope="module")
def server(home: Path, genuine) -> Iterator[Server]:
    server = Server(home, "[database]\nurl = sqlite:///var/e.sqlite3\n" + ACCESS)
    yield server
    output = server.stop()
    assert b"Traceback" not in output, output.decode()


@pytest.fixture(scope="module")
def client(home: Path, server: Server) -> Client:
    keys = home / "var" / "keys"
    signature = XRoadSignature(
        keys / "portal-client.key.pem",
        keys / "portal-client.cert.pem",
        service_certificate=keys / "soap-server.cert.pem",
    )
    return Client(f"{server.base}/soap?wsdl", wsse=signature)


def test_soap_verify_receipt_attaches_only_the_same_receipt(client: Client, home: Path, genuine) -> None:
    valid = call(client, "verifyReceipt", SignedXml=genuine[1]).body
    assert (valid.Indication, valid.SameAsStored) == ("TOTAL_PASSED", True)
    assert valid.Receipt is not None
    for party in FORGERS:
        report = call(client, "verifyReceipt", SignedXml=forge(home, genuine[1], party)).body
        assert report.Indication != "TOTAL_PASSED", party
        assert report.Receipt is None


def test_the_lookup_page_refuses_a_stored_forgery(home: Path, server: Server) -> None:
    """Written into the register behind the gateway's back; the issuer's own key too, since the
    stored XML is then not the receipt issued (its identity digest differs)."""
    code, genuine = issue(home, "PT-BINDING-PAGE")
    with sqlite3.connect(home / "var" / "e.sqlite3") as connection:
        for party in [*FORGERS, "issuer-CCTHADS-BD"]:
            forged = forge(home, genuine, party)
            connection.execute("UPDATE receipt SET signed_xml = ? WHERE signed_xml = ?", (forged, genuine))
            connection.commit()
            status, body, _ = http(f"{server.base}/tra-cuu?ma={code}")
            page = body.decode()
            assert status == 200
            assert "Hợp lệ</span>" not in page and "Không hợp lệ" in page, party
            assert "15.000 đồng" not in page
            genuine = forged
