"""Benchmark: receipts taken from level T to LTA per second by archive time-stamps over hash trees
(RFC 6283), the TSA calls per receipt, the cost of one receipt's evidence record, and records
given a SHA-512 chain per second by hash-tree renewal.

Receipts are issued and time-stamped to level T first (outside the measure). Then one run of
``core.archiving.archiving.archive_receipts`` takes them all to LTA, ``--batch`` receipts under each
archive time-stamp, through the HTTP TSA client; the development TSA answers from a process of its
own. The window covers reading the receipts, hashing them (C14N 1.0, SHA-256), building the hash
trees, the TSA calls and storing the reduced trees. Then, for a sample of receipts, the time to
assemble the evidence record from the tables and to verify it against the receipt's bytes. Last,
one run with ``algorithm="sha512"`` gives every record a second chain (hash-tree renewal: each
receipt read and hashed again with its record), and the same sample is assembled and verified.

    .venv/bin/python bench/archive_time_stamps.py [--receipts 2000] [--batch 1000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from issue_receipts import (
    DEFAULT_POSTGRES,
    make_signers,
    on_each_database,
    request,
    serve_tsa,  # the development TSA over HTTP, in a process of its own
)
from sqlalchemy import select

from ereceipt.adapters.tsa import HttpTimeStampAuthority
from ereceipt.app.wiring import development_issuers
from ereceipt.core.archiving.archiving import TIME_STAMPED, archive_receipts
from ereceipt.core.archiving.records import evidence_record_for
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.receipts.time_stamping import time_stamp_receipts
from ereceipt.core.signatures.evidence_record import verify_evidence_record
from ereceipt.core.signatures.pki import create_development_pki
from ereceipt.core.storage.database import Database


def measure(kind: str, url: str, keys: Path, receipts: int, batch: int, port: int) -> dict:
    database = Database.from_url(url, pool_size=4)
    issuer = ReceiptIssuer(database, make_signers(keys, per_issuer=True))
    tsa = HttpTimeStampAuthority(f"http://127.0.0.1:{port}/tsa")
    for index in range(receipts):
        issuer.issue(request("lta", index))
    while time_stamp_receipts(database, tsa, limit=1_000, parallel=4).waiting:
        pass
    anchors = [x509.load_pem_x509_certificate((keys / "ca.cert.pem").read_bytes())]

    def timed(**options):
        """One archive run: what it did, its wall and processor seconds, and its TSA calls."""
        before, started, cpu = tsa.round_trips, time.perf_counter(), time.process_time()
        done = archive_receipts(
            database,
            tsa,
            anchors,
            batch_size=batch,
            batches=receipts,
            renew_before=timedelta(days=180),
            levels=TIME_STAMPED,
            clock=lambda: datetime.now(UTC),
            **options,
        )
        return done, time.perf_counter() - started, time.process_time() - cpu, tsa.round_trips - before

    run, window, cpu, calls = timed()
    with database.read() as session:
        sample = list(session.scalars(select(Receipt.signed_xml).order_by(Receipt.id).limit(100)))
    started = time.perf_counter()
    for data in sample:
        verify_evidence_record(evidence_record_for(database, data), data, anchors, datetime.now(UTC))
    per_record = (time.perf_counter() - started) / len(sample)
    renewal, renewal_window, cpu_renewal, renewal_calls = timed(algorithm="sha512")
    started = time.perf_counter()
    for data in sample:
        verify_evidence_record(evidence_record_for(database, data), data, anchors, datetime.now(UTC))
    per_renewed_record = (time.perf_counter() - started) / len(sample)
    database.dispose()
    return {
        "kind": kind,
        "archived": run.archived,
        "rate": run.archived / window,
        "cpu_ms": 1000 * cpu / run.archived,
        "calls": calls,
        "per_receipt": calls / run.archived,
        "record_ms": 1000 * per_record,
        "rehashed": renewal.rehashed,
        "rehash_rate": renewal.rehashed / renewal_window,
        "rehash_cpu_ms": 1000 * cpu_renewal / renewal.rehashed,
        "rehash_calls": renewal_calls,
        "two_chain_ms": 1000 * per_renewed_record,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        workdir = Path(temporary)
        keys = workdir / "keys"
        create_development_pki(keys, issuers=development_issuers())
        port = 19_000 + int(time.time()) % 1000
        server = multiprocessing.get_context("spawn").Process(target=serve_tsa, args=(str(keys), port))
        rows = on_each_database(
            workdir,
            args.postgres,
            server,
            lambda kind, url: measure(kind, url, keys, args.receipts, args.batch, port),
        )
    print(
        f"{'database':<11}{'receipts':>9}{'to LTA/s':>10}{'CPU ms/receipt':>16}{'TSA calls':>11}"
        f"{'calls/receipt':>15}{'record+verify ms':>18}"
    )
    for row in rows:
        print(
            f"{row['kind']:<11}{row['archived']:>9}{row['rate']:>10.0f}{row['cpu_ms']:>16.3f}{row['calls']:>11}"
            f"{row['per_receipt']:>15.4f}{row['record_ms']:>18.2f}"
        )
    print(
        f"{'database':<11}{'records':>9}{'to SHA-512/s':>14}{'CPU ms/record':>15}{'TSA calls':>11}"
        f"{'2-chain record+verify ms':>26}"
    )
    for row in rows:
        print(
            f"{row['kind']:<11}{row['rehashed']:>9}{row['rehash_rate']:>14.0f}{row['rehash_cpu_ms']:>15.3f}"
            f"{row['rehash_calls']:>11}{row['two_chain_ms']:>26.2f}"
        )


if __name__ == "__main__":
    main()
