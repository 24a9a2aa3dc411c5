"""Receipts issued at level B reach level T by the time-stamping run, through the HTTP TSA client,
on SQLite and PostgreSQL: with the TSA stopped they are issued and wait; once it answers they are
time-stamped, keep their identity digest and verify; xmlsec1 checks the upgraded signature."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from test_issuing import cash

from ereceipt.adapters.tsa import HttpTimeStampAuthority
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.receipts.time_stamping import CHUNK, time_stamp_receipts
from ereceipt.core.signatures.development_tsa import DevelopmentTSA
from ereceipt.core.signatures.identity import receipt_identity
from ereceipt.core.signatures.pki import DevelopmentPKI
from ereceipt.core.signatures.timestamp import (
    REPLY_TYPE,
    TimeStampAuthority,
    TimeStampUnavailable,
    verify_token,
)
from ereceipt.core.signatures.xades_t import level_of, signature_time_stamps, signature_value_digest
from ereceipt.core.storage.database import Database
from ereceipt.core.xml.parser import parse_xml


class TsaServer:
    """The development TSA over HTTP on a free port, which a test can stop and start again."""

    def __init__(self, tsa: DevelopmentTSA) -> None:
        self.tsa = tsa
        self.httpd: ThreadingHTTPServer | None = None
        self.port = 0

    def start(self) -> None:
        tsa = self.tsa

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = tsa.reply(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(200)
                self.send_header("Content-Type", REPLY_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def tsa_server(dev_pki: DevelopmentPKI) -> Iterator[TsaServer]:
    certificate = x509.load_pem_x509_certificate(dev_pki.cert("tsa").read_bytes())
    key = serialization.load_pem_private_key(dev_pki.key("tsa").read_bytes(), None)
    server = TsaServer(DevelopmentTSA(certificate, key))
    server.start()
    server.stop()  # a port known to be free, and nobody answering on it yet
    yield server
    if server.httpd is not None and server.httpd.socket.fileno() != -1:
        server.stop()


def stored(database: Database) -> list[tuple[str, bytes, str]]:
    with database.read() as session:
        query = select(Receipt.signature_level, Receipt.signed_xml, Receipt.identity_digest)
        rows = session.execute(query.order_by(Receipt.id))
        return [tuple(row) for row in rows]


def test_a_stopped_tsa_delays_level_t_and_a_started_one_brings_it(
    issuer: ReceiptIssuer, demo_database: Database, tsa_server: TsaServer, dev_pki: DevelopmentPKI, trust
) -> None:
    client = HttpTimeStampAuthority(f"http://127.0.0.1:{tsa_server.port}/tsa", timeout_seconds=2)
    for index in range(3):
        issuer.issue(cash(f"PT-T-{index}", amount=1_000))  # issuing never waits for the TSA
    stopped = time_stamp_receipts(demo_database, client, limit=10)
    assert (stopped.upgraded, stopped.waiting) == (0, 3)
    assert "Connection refused" in stopped.outage
    assert [level for level, _, _ in stored(demo_database)] == ["B", "B", "B"]

    tsa_server.start()
    first = time_stamp_receipts(demo_database, client, limit=2)  # bounded work per run
    assert (first.upgraded, first.waiting, first.outage) == (2, 1, None)
    second = time_stamp_receipts(demo_database, client, limit=2)
    assert (second.upgraded, second.waiting) == (1, 0)
    assert client.round_trips == 1 + 3  # the refused try, then one per receipt

    anchors = [x509.load_pem_x509_certificate(dev_pki.cert("tsa").read_bytes())]
    for level, signed_xml, identity in stored(demo_database):
        document = parse_xml(signed_xml)
        assert (level, level_of(document).value) == ("T", "T")
        assert receipt_identity(document) == identity  # unsigned properties leave the identity alone
        (token,) = signature_time_stamps(document)
        verify_token(token, signature_value_digest(document), anchors)


class FailingAfter(TimeStampAuthority):
    """A TSA that answers ``answers`` requests, then is out of reach."""

    def __init__(self, tsa: TimeStampAuthority, answers: int) -> None:
        self.tsa, self.left, self.lock = tsa, answers, threading.Lock()

    def time_stamp(self, digest: bytes, algorithm: str = "sha256") -> bytes:
        with self.lock:
            self.left -= 1
            if self.left < 0:
                raise TimeStampUnavailable("the TSA went away")
        return self.tsa.time_stamp(digest, algorithm)


def test_an_outage_midway_keeps_what_was_time_stamped_and_the_rest_waits(
    issuer: ReceiptIssuer, demo_database: Database, tsa_server: TsaServer
) -> None:
    tsa_server.start()
    client = HttpTimeStampAuthority(f"http://127.0.0.1:{tsa_server.port}/tsa", timeout_seconds=2)
    count = CHUNK + 7  # more than one chunk: the first is stored before the outage
    issuer.issue_batch([cash(f"PT-O-{index}", amount=1_000) for index in range(count)])
    failing = FailingAfter(client, CHUNK + 4)
    run = time_stamp_receipts(demo_database, failing, limit=1_000, parallel=2)
    assert (run.upgraded, run.waiting, run.outage) == (CHUNK + 4, 3, "the TSA went away")
    assert failing.left in (-1, -2)  # one refused try, or two: both requests in flight were refused
    levels = [level for level, _, _ in stored(demo_database)]
    # Oldest first, none lost; the two requests in flight answer in either order, so the last
    # receipt time-stamped may be the one after a receipt whose request was refused.
    assert levels[:CHUNK] == ["T"] * CHUNK
    assert levels[CHUNK + 6 :] == ["B"] and sorted(levels[CHUNK:], reverse=True) == ["T"] * 4 + ["B"] * 3
    rest = time_stamp_receipts(demo_database, client, limit=1_000, parallel=2)
    assert (rest.upgraded, rest.waiting) == (3, 0)


@pytest.mark.skipif(
    shutil.which("xmlsec1") is None, reason="xmlsec1 is not installed (make test installs it)"
)
def test_xmlsec1_verifies_an_upgraded_receipt(
    issuer: ReceiptIssuer,
    demo_database: Database,
    tsa_server: TsaServer,
    dev_pki: DevelopmentPKI,
    tmp_path: Path,
) -> None:
    issuer.issue(cash("PT-T-XMLSEC", amount=1_000))
    tsa_server.start()
    client = HttpTimeStampAuthority(f"http://127.0.0.1:{tsa_server.port}/tsa", timeout_seconds=2)
    assert time_stamp_receipts(demo_database, client, limit=1).upgraded == 1
    ((_, signed_xml, _),) = stored(demo_database)
    (tmp_path / "receipt.xml").write_bytes(signed_xml)
    done = subprocess.run(
        [
            "xmlsec1", "--verify", "--trusted-pem", str(dev_pki.ca_cert),
            "--id-attr:Id", "SignedProperties", "--id-attr:Id", "KeyInfo",
            str(tmp_path / "receipt.xml"),
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "OK" in done.stderr, done.stderr
