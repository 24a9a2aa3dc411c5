"""Benchmark: the rate at which receipts reach level LT (XAdES-LT: chains and revocation data) beside
the level-B issuing rate.

Same run, same database, one process: first the level-B issuing rate (number + sign + store +
commit) [baseline]; then receipts issued and time-stamped (outside the window); then the window:
the validation-data run (``core.receipts.long_term``, 200 receipts a run as ``[scheduler]
validation_data_per_run`` has by default) through the HTTP revocation client until none waits at
level T. The development CA (CRL at /ca/crl, OCSP at /ca/ocsp) and the development TSA answer over
HTTP from a process of their own. CA round trips per receipt are printed: one CRL and one OCSP
answer per certificate (the signer's, the TSA's) and run.

    .venv/bin/python bench/validation_data.py [--receipts 400] [--postgres URL]
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from issue_receipts import DEFAULT_POSTGRES, make_signers, on_each_database, request

from ereceipt.adapters.revocation import HttpRevocationSource
from ereceipt.adapters.tsa import HttpTimeStampAuthority
from ereceipt.app.wiring import development_issuers
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.long_term import add_validation_data_to_receipts
from ereceipt.core.receipts.time_stamping import time_stamp_receipts
from ereceipt.core.signatures.development_ca import CRL_TYPE, OCSP_RESPONSE_TYPE, DevelopmentCA
from ereceipt.core.signatures.development_tsa import DevelopmentTSA
from ereceipt.core.signatures.pki import DevelopmentPKI, create_development_pki
from ereceipt.core.signatures.timestamp import REPLY_TYPE
from ereceipt.core.signatures.trust import TrustStore
from ereceipt.core.storage.database import Database


def serve(keys: str, port: int) -> None:
    """The development TSA at /tsa and CA at /ca/crl and /ca/ocsp on ``port`` until terminated."""
    pki = DevelopmentPKI(Path(keys))
    authority = DevelopmentCA.load(pki)
    tsa = DevelopmentTSA(
        x509.load_pem_x509_certificate(pki.cert("tsa").read_bytes()),
        serialization.load_pem_private_key(pki.key("tsa").read_bytes(), None),
    )

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: without TCP_NODELAY the body would wait for the
        # client's delayed acknowledgement (40 ms on Linux), a delay no TSA server adds.
        disable_nagle_algorithm = True

        def answer(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self.answer(authority.crl(), CRL_TYPE)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/tsa":
                self.answer(tsa.reply(body), REPLY_TYPE)
            else:
                self.answer(authority.ocsp_reply(body), OCSP_RESPONSE_TYPE)

        def log_message(self, *args) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def issue(issuer: ReceiptIssuer, tag: str, count: int) -> float:
    started = time.perf_counter()
    for index in range(count):
        issuer.issue(request(tag, index))
    return time.perf_counter() - started


def measure(kind: str, url: str, keys: Path, receipts: int, port: int) -> dict:
    database = Database.from_url(url, pool_size=4)
    issuer = ReceiptIssuer(database, make_signers(keys, per_issuer=True))
    tsa = HttpTimeStampAuthority(f"http://127.0.0.1:{port}/tsa")
    source = HttpRevocationSource()  # the URLs the certificates name
    trust = TrustStore.from_pem_file(keys / "ca.cert.pem")
    tsa_trust = [x509.load_pem_x509_certificate((keys / "tsa.cert.pem").read_bytes())]
    issuer.issue(request("warm", 0))
    b_rate = receipts / issue(issuer, "b", receipts)
    time_stamp_receipts(database, tsa, limit=100_000, parallel=4)  # every receipt at T, outside
    started = time.perf_counter()
    done = 0
    while True:
        run = add_validation_data_to_receipts(database, trust, tsa_trust, source, limit=200)
        done += run.upgraded
        if run.outage or run.waiting == 0:
            break
    window = time.perf_counter() - started
    database.dispose()
    return {"kind": kind, "b": b_rate, "lt": done / window, "done": done, "trips": source.round_trips / done}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=400)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        keys = Path(temporary) / "keys"
        port = 19_000 + int(time.time()) % 1000
        create_development_pki(keys, issuers=development_issuers(), revocation_url=f"http://127.0.0.1:{port}")
        server = multiprocessing.get_context("spawn").Process(target=serve, args=(str(keys), port))
        rows = on_each_database(
            Path(temporary),
            args.postgres,
            server,
            lambda kind, url: measure(kind, url, keys, args.receipts, port),
        )
    print(
        f"{'database':<11}{'B receipts/s':>14}{'T->LT receipts/s':>18}{'LT / B':>8}{'CA trips/receipt':>18}"
    )
    for row in rows:
        print(
            f"{row['kind']:<11}{row['b']:>14.1f}{row['lt']:>18.1f}{row['lt'] / row['b']:>8.2f}"
            f"{row['trips']:>15.3f}   ({row['done']} receipts)"
        )


if __name__ == "__main__":
    main()
