"""Benchmark: the rate at which receipts reach level T (XAdES-T, RFC 3161) beside the level-B issuing rate.

Same run, same database, one process issuing with one thread: first the level-B issuing rate
(number + sign + store + commit, no TSA) [baseline]; then receipts issued while the time-stamping
run (``core.receipts.time_stamping``, through the HTTP TSA client, 4 requests in flight as
``[scheduler] time_stamps_in_parallel`` has by default) works in threads of the same process, the
window ending when the last receipt is at level T: its CPU is inside the window. The development
TSA answers over HTTP from a process of its own (a TSA is another machine). Target: the T rate at
least 0.6 x the B rate. TSA round trips per receipt are printed.

    .venv/bin/python bench/time_stamps.py [--receipts 400] [--postgres URL]
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from issue_receipts import (
    DEFAULT_POSTGRES,
    fresh_database,
    make_signers,
    postgres_reachable,
    request,
)

from ereceipt.adapters.tsa import HttpTimeStampAuthority
from ereceipt.app.wiring import development_issuers
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.time_stamping import time_stamp_receipts
from ereceipt.core.signatures.development_tsa import DevelopmentTSA
from ereceipt.core.signatures.pki import create_development_pki
from ereceipt.core.signatures.timestamp import REPLY_TYPE
from ereceipt.core.storage.database import Database


def serve_tsa(keys: str, port: int) -> None:
    """The development TSA over HTTP on ``port`` until the process is terminated."""
    certificate = x509.load_pem_x509_certificate((Path(keys) / "tsa.cert.pem").read_bytes())
    key = serialization.load_pem_private_key((Path(keys) / "tsa.key.pem").read_bytes(), None)
    tsa = DevelopmentTSA(certificate, key)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = tsa.reply(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Type", REPLY_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

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
    issuer.issue(request("warm", 0))
    time_stamp_receipts(database, tsa, limit=10_000)  # the warm-up and the demo's receipts, outside
    b_rate = receipts / issue(issuer, "b", receipts)
    time_stamp_receipts(database, tsa, limit=10_000)  # the B phase's receipts, outside the window
    before = tsa.round_trips
    done = threading.Event()

    def upgrade() -> None:
        while True:
            finished = done.is_set()  # read before the run: a run after the last issue ends the loop
            run = time_stamp_receipts(database, tsa, limit=200, parallel=4)
            if finished and run.waiting == 0:
                return
            if run.upgraded == 0:
                time.sleep(0.05)

    started = time.perf_counter()
    worker = threading.Thread(target=upgrade)
    worker.start()
    issue(issuer, "t", receipts)
    done.set()
    worker.join()
    window = time.perf_counter() - started
    database.dispose()
    return {
        "kind": kind,
        "b": b_rate,
        "t": receipts / window,
        "trips": (tsa.round_trips - before) / receipts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=400)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        workdir = Path(temporary)
        keys = workdir / "keys"
        create_development_pki(keys, issuers=development_issuers())
        port = 18_000 + int(time.time()) % 1000
        server = multiprocessing.get_context("spawn").Process(target=serve_tsa, args=(str(keys), port))
        server.start()
        time.sleep(2)
        rows = []
        try:
            kinds = ["sqlite"] + (["postgresql"] if postgres_reachable(args.postgres) else [])
            for kind in kinds:
                url, cleanup = fresh_database(kind, workdir, args.postgres)
                try:
                    rows.append(measure(kind, url, keys, args.receipts, port))
                finally:
                    cleanup()
        finally:
            server.terminate()
            server.join()
    print(f"{'database':<11}{'B receipts/s':>14}{'T receipts/s':>14}{'T / B':>8}{'TSA trips/receipt':>19}")
    for row in rows:
        verdict = "MET" if row["t"] >= 0.6 * row["b"] else "MISSED"
        print(
            f"{row['kind']:<11}{row['b']:>14.1f}{row['t']:>14.1f}{row['t'] / row['b']:>8.2f}"
            f"{row['trips']:>19.2f}   target T >= 0.6 x B (the baseline): {verdict}"
        )


if __name__ == "__main__":
    main()
