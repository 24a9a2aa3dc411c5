"""Receipts at level T reach level LT by the validation-data run, through the HTTP revocation client
and the development CA's CRL and OCSP answers, on SQLite and PostgreSQL: with the CA stopped they
stay at level T; once it answers they carry the chains and revocation data, keep their identity
digest and verify at level LT with no revocation source at all."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from sqlalchemy import select
from test_issuing import cash
from test_time_stamping import TsaServer, tsa_server  # noqa: F401 (a fixture)

from ereceipt.adapters.revocation import HttpRevocationSource
from ereceipt.adapters.tsa import HttpTimeStampAuthority
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.long_term import add_validation_data_to_receipts
from ereceipt.core.receipts.receipt_xml import RECEIPT_TAG
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.receipts.time_stamping import time_stamp_receipts
from ereceipt.core.signatures.development_ca import CRL_TYPE, OCSP_RESPONSE_TYPE, DevelopmentCA
from ereceipt.core.signatures.identity import receipt_identity
from ereceipt.core.signatures.pki import DevelopmentPKI
from ereceipt.core.signatures.report import Indication
from ereceipt.core.signatures.verification import verify_signed_document
from ereceipt.core.signatures.xades_lt import signer_validation_data, time_stamp_validation_data
from ereceipt.core.storage.database import Database
from ereceipt.core.xml.namespaces import XADES
from ereceipt.core.xml.parser import parse_xml


class CaServer:
    """The development CA's /ca/crl and /ca/ocsp on a port of its own, which a test starts late."""

    def __init__(self, authority: DevelopmentCA) -> None:
        self.authority, self.httpd = authority, None
        probe = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
        self.port = probe.server_address[1]
        probe.server_close()

    def start(self) -> None:
        authority = self.authority

        class Handler(BaseHTTPRequestHandler):
            def answer(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self.answer(authority.crl(), CRL_TYPE)

            def do_POST(self) -> None:
                asked = self.rfile.read(int(self.headers["Content-Length"]))
                self.answer(authority.ocsp_reply(asked), OCSP_RESPONSE_TYPE)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()


@pytest.fixture
def ca_server(dev_pki: DevelopmentPKI) -> Iterator[CaServer]:
    server = CaServer(DevelopmentCA.load(dev_pki))
    yield server
    server.stop()


def levels(database: Database) -> list[str]:
    with database.read() as session:
        return list(session.scalars(select(Receipt.signature_level).order_by(Receipt.id)))


def test_a_stopped_ca_delays_level_lt_and_a_started_one_brings_it(
    issuer: ReceiptIssuer,
    demo_database: Database,
    tsa_server: TsaServer,  # noqa: F811
    ca_server: CaServer,
    dev_pki: DevelopmentPKI,
    trust,
) -> None:
    tsa_trust = [x509.load_pem_x509_certificate(dev_pki.cert("tsa").read_bytes())]
    base = f"http://127.0.0.1:{ca_server.port}/ca"
    source = HttpRevocationSource(crl_url=f"{base}/crl", ocsp_url=f"{base}/ocsp", timeout_seconds=2)
    for index in range(3):
        issuer.issue(cash(f"PT-LT-{index}", amount=1_000))
    tsa_server.start()
    client = HttpTimeStampAuthority(f"http://127.0.0.1:{tsa_server.port}/tsa", timeout_seconds=2)
    assert time_stamp_receipts(demo_database, client, limit=10).upgraded == 3

    stopped = add_validation_data_to_receipts(demo_database, trust, tsa_trust, source, limit=10)
    assert (stopped.upgraded, stopped.waiting) == (0, 3)
    assert "Connection refused" in stopped.outage
    assert levels(demo_database) == ["T", "T", "T"]

    ca_server.start()
    first = add_validation_data_to_receipts(demo_database, trust, tsa_trust, source, limit=2)
    assert (first.upgraded, first.waiting, first.outage) == (2, 1, None)
    # One CRL and one OCSP answer per certificate and run: the signer's and the TSA's.
    assert source.round_trips == 2 + 4
    second = add_validation_data_to_receipts(demo_database, trust, tsa_trust, source, limit=2)
    assert (second.upgraded, second.waiting) == (1, 0)
    assert levels(demo_database) == ["LT", "LT", "LT"]

    with demo_database.read() as session:
        rows = session.execute(select(Receipt.signed_xml, Receipt.identity_digest)).all()
    for signed_xml, identity in rows:
        document = parse_xml(signed_xml)
        assert receipt_identity(document) == identity
        signer = signer_validation_data(document)
        assert signer.certificates[1] == trust.anchors[0]  # the chain from the pinned root
        assert signer.revocation.crls and signer.revocation.ocsp_responses
        assert time_stamp_validation_data(document).certificates[0] == tsa_trust[0]
        # The CA that issued both the signer's and the TSA's certificate, and its CRL, once each.
        embedded = [
            "".join((e.text or "").split())
            for e in document.iter(
                f"{{{XADES}}}EncapsulatedX509Certificate", f"{{{XADES}}}EncapsulatedCRLValue"
            )
        ]
        assert embedded and len(embedded) == len(set(embedded))
        report = verify_signed_document(signed_xml, trust, expected_root=RECEIPT_TAG, tsa_trust=tsa_trust)
        assert (report.indication, report.level) == (Indication.TOTAL_PASSED, "LT"), report.message
