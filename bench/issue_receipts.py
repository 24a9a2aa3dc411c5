"""Benchmark: receipts issued per second (number + sign + store + commit) beside the bare signing rate.

Runs on SQLite and PostgreSQL, with one process and with two, and prints each figure next to the
bare XAdES signing rate of signxml alone, same key, measured in the same run. Each shape is measured
twice in the same run: with one signing key for every issuer (``single``) and with each issuer's
own key (``per-issuer``, ``[signing_keys]``); the receipts alternate between two issuers. Targets:
issuing in one process on PostgreSQL at least half the bare signing rate; one issue under 20 ms at
p99; per-issuer keys within noise of the single key.

Level T, in the same run: on each database, in three rounds whose two windows alternate in order,
the level-B issuing rate of one process with one thread (number + sign + store + commit, no TSA)
[its baseline], and receipts issued while the time-stamping job's run
(``core.receipts.time_stamping``, through the HTTP TSA client, as many requests in flight as
``[scheduler] time_stamps_in_parallel`` has by default) works in a process of its own, as the
scheduler's process does under ``ereceipt serve``; the window ends when the last receipt is at level
T, so the job's processor time is inside it (printed per receipt). The development TSA answers over
HTTP from a process of its own (a TSA is another machine). Target: the T rate at least 0.6 x the B
rate; TSA round trips per receipt are printed.

    .venv/bin/python bench/issue_receipts.py [--receipts 600] [--level-t-receipts 450] [--level-t-only]
        [--postgres URL]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sqlalchemy
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from process_cpu import cpu_of
from sqlalchemy import text

from ereceipt.adapters.tsa import HttpTimeStampAuthority
from ereceipt.app.demo import load_demo_data
from ereceipt.app.wiring import development_issuers
from ereceipt.core.amount_words import amount_in_words
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.receipts.content import (
    CollectionInfo,
    IssuerInfo,
    PayerInfo,
    PaymentMethod,
    ReceiptContent,
)
from ereceipt.core.receipts.receipt_xml import receipt_element
from ereceipt.core.receipts.signature_levels import count_at
from ereceipt.core.receipts.time_stamping import time_stamp_receipts
from ereceipt.core.signatures.development_tsa import DevelopmentTSA
from ereceipt.core.signatures.identity import receipt_identity
from ereceipt.core.signatures.pki import create_development_pki
from ereceipt.core.signatures.signing_identity import load_signing_identity
from ereceipt.core.signatures.timestamp import REPLY_TYPE
from ereceipt.core.signatures.xades import IssuerSigners, ReceiptSigner
from ereceipt.core.signatures.xades_t import SignatureLevel
from ereceipt.core.storage.database import Database, migrate
from ereceipt.core.xml.parser import hardened_parser
from ereceipt.settings import SchedulerSettings

IN_FLIGHT = SchedulerSettings().time_stamps_in_parallel
DEFAULT_POSTGRES = os.environ.get(
    "ERECEIPT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def make_signer(keys: Path) -> ReceiptSigner:
    identity = load_signing_identity(
        keys / "issuer-signing.key.pem", keys / "issuer-signing.cert.pem", keys / "ca.cert.pem", None
    )
    return ReceiptSigner(identity)


ISSUERS = ("CCTHADS-BD", "CTHADS-HN")


def make_signers(keys: Path, per_issuer: bool) -> ReceiptSigner | IssuerSigners:
    """One key for every issuer, or each issuer's own (``issuer-<code>`` of the development PKI)."""
    if not per_issuer:
        return make_signer(keys)
    own = {
        code: ReceiptSigner(
            load_signing_identity(
                keys / f"issuer-{code}.key.pem", keys / f"issuer-{code}.cert.pem", keys / "ca.cert.pem", None
            )
        )
        for code in ISSUERS
    }
    return IssuerSigners(None, own)


def request(tag: str, index: int) -> IssueRequest:
    payment = PaymentIn(
        source="bench",
        reference=f"{tag}-{index}",
        amount=1_000_000 + index,
        payer=PayerInfo(name="Nguyễn Văn Bench", identity_number="001085012345", address="Ba Đình, Hà Nội"),
        paid_at=datetime.now(UTC),
        method=PaymentMethod.BANK_TRANSFER,
        purpose="Thi hành án theo 123/QĐ-CCTHADS",
    )
    return IssueRequest(payment=payment, officer="bench", issuer_code=ISSUERS[index % 2])


def issue_many(
    url: str, keys: str, per_issuer: bool, tag: str, count: int, threads: int, batch: int, start_at: float
) -> tuple[list[float], float]:
    """Issue ``count`` receipts from ``threads`` threads, ``batch`` per transaction, from ``start_at`` on.

    Returns the latency of each transaction and the wall-clock time when the last one ended.
    """
    signers = make_signers(Path(keys), per_issuer)
    issuer = ReceiptIssuer(Database.from_url(url, pool_size=threads), signers)
    issuer.issue(request(tag + "-warm", 0))

    def one(first: int) -> float:
        started = time.perf_counter()
        issuer.issue_batch([request(tag, index) for index in range(first, min(first + batch, count))])
        return time.perf_counter() - started

    time.sleep(max(0.0, start_at - time.time()))  # every worker starts together, after its own warm-up
    with ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(one, range(0, count, batch)))
    ended = time.time()
    issuer.database.dispose()
    return latencies, ended


def bare_signing_rate(
    keys: Path, seconds: float = 3.0, *, signxml_only: bool = False, identity: bool = False
) -> float:
    """Receipts signed per second with no database: by ``ReceiptSigner`` as the product signs, or,
    with ``signxml_only``, wholly by signxml's ``XAdESSigner`` (what ReceiptSigner's pattern is from);
    with ``identity``, each signed receipt's identity digest computed as issuing does."""
    signer = make_signer(keys)
    plain = signer.sign_with_signxml if signxml_only else signer.sign

    def sign(document):
        signed = plain(document)
        if identity:
            receipt_identity(etree.fromstring(etree.tostring(signed), hardened_parser()))
        return signed

    database_free = request("bare", 0).payment
    content = ReceiptContent(
        issuer=IssuerInfo("CCTHADS-BD", "Chi cục Thi hành án dân sự quận Ba Đình", "0100000002", "Hà Nội"),
        template_number="01BLTHA",
        series_symbol="TH26E",
        number=1,
        issued_at=datetime.now(UTC),
        payer=database_free.payer,
        collection=CollectionInfo(database_free.purpose),
        amount=database_free.amount,
        amount_in_words=amount_in_words(database_free.amount),
        payment_method=database_free.method,
        payment_reference="bare-0",
        issuing_officer="bench",
        lookup_code="ABCD1234EFGH5678",
    )
    document = receipt_element(content)
    sign(document)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        etree.tostring(sign(document), xml_declaration=True, encoding="UTF-8")
        count += 1
    return count / (time.perf_counter() - started)


def fresh_database(kind: str, workdir: Path, postgres: str) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.sqlite3'}"

        def cleanup() -> None:
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = sqlalchemy.create_engine(postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{postgres}{'&' if '?' in postgres else '?'}options=-csearch_path%3D{schema}"

        def cleanup() -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    database = Database.from_url(url)
    migrate(database)
    load_demo_data(database)
    database.dispose()
    return url, cleanup


def measure(
    kind: str,
    shape: tuple[int, int, int],
    receipts: int,
    keys: Path,
    workdir: Path,
    postgres: str,
    per_issuer: bool,
) -> dict:
    processes, threads, batch = shape
    url, cleanup = fresh_database(kind, workdir, postgres)
    try:
        context = multiprocessing.get_context("spawn")
        per_process = receipts // processes
        with context.Pool(processes) as pool:
            start_at = time.time() + 5.0  # time enough for the spawned workers to start and warm up
            work = [
                (url, str(keys), per_issuer, f"p{i}", per_process, threads, batch, start_at)
                for i in range(processes)
            ]
            results = pool.starmap(issue_many, work)
    finally:
        cleanup()
    latencies = sorted(latency for result, _ in results for latency in result)
    # Wall-clock time from the common start to the end of the last worker.
    slowest = max(ended for _, ended in results) - start_at
    return {
        "kind": kind,
        "keys": "per-issuer" if per_issuer else "single",
        "processes": processes,
        "threads": threads,
        "batch": batch,
        "rate": per_process * processes / slowest,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def serve_tsa(keys: str, port: int, answered=None) -> None:
    """The development TSA over HTTP on ``port`` until the process is terminated; ``answered``, a
    shared counter if given, counts its replies."""
    certificate = x509.load_pem_x509_certificate((Path(keys) / "tsa.cert.pem").read_bytes())
    key = serialization.load_pem_private_key((Path(keys) / "tsa.key.pem").read_bytes(), None)
    tsa = DevelopmentTSA(certificate, key)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: without TCP_NODELAY the body would wait for the
        # client's delayed acknowledgement (40 ms on Linux), a delay no TSA server adds.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = tsa.reply(self.rfile.read(int(self.headers["Content-Length"])))
            if answered is not None:
                with answered.get_lock():
                    answered.value += 1
            self.send_response(200)
            self.send_header("Content-Type", REPLY_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def issue_one_by_one(issuer: ReceiptIssuer, tag: str, count: int) -> float:
    started = time.perf_counter()
    for index in range(count):
        issuer.issue(request(tag, index))
    return time.perf_counter() - started


ROUNDS = 3  # level-B and level-T windows alternate, so that a change in the load falls on both


def time_stamping_job(url: str, port: int, running, stop) -> None:
    """The time-stamping job's loop, in a process of its own as under ``ereceipt serve`` (the
    scheduler's process): while ``running`` is set, runs after runs; until ``stop`` is set."""
    database = Database.from_url(url, pool_size=IN_FLIGHT + 2)
    tsa = HttpTimeStampAuthority(f"http://127.0.0.1:{port}/tsa")
    while not stop.is_set():
        if not running.wait(timeout=0.1):
            continue
        if time_stamp_receipts(database, tsa, limit=200, parallel=IN_FLIGHT).upgraded == 0:
            time.sleep(0.05)
    database.dispose()


def measure_level_t(kind: str, url: str, keys: Path, receipts: int, port: int, answered) -> dict:
    database = Database.from_url(url, pool_size=4)
    issuer = ReceiptIssuer(database, make_signers(keys, per_issuer=True))
    tsa = HttpTimeStampAuthority(f"http://127.0.0.1:{port}/tsa")
    issuer.issue(request("warm", 0))
    time_stamp_receipts(database, tsa, limit=10_000)  # the warm-up and the demo's receipts, outside
    context = multiprocessing.get_context("spawn")
    running, stop = context.Event(), context.Event()
    job = context.Process(target=time_stamping_job, args=(url, port, running, stop))
    job.start()
    time.sleep(3)  # the job's process imports and connects before the first window
    per_round, b_time, t_time, job_cpu, issuing_cpu, trips = receipts // ROUNDS, 0.0, 0.0, 0.0, 0.0, 0
    for round_number in range(ROUNDS):
        for phase in "bt" if round_number % 2 == 0 else "tb":
            if phase == "b":  # the job paused; what this window issued is time-stamped after it
                b_time += issue_one_by_one(issuer, f"b{round_number}", per_round)
                time_stamp_receipts(database, tsa, limit=10_000, parallel=IN_FLIGHT)
                continue
            before_trips, before_job, cpu = answered.value, cpu_of(job.pid), time.process_time()
            started = time.perf_counter()
            running.set()
            issue_one_by_one(issuer, f"t{round_number}", per_round)
            issuing_cpu += time.process_time() - cpu
            while count_at(database, SignatureLevel.B):
                time.sleep(0.01)
            t_time += time.perf_counter() - started
            running.clear()
            job_cpu += cpu_of(job.pid) - before_job
            trips += answered.value - before_trips
    stop.set()
    job.join()
    database.dispose()
    issued = per_round * ROUNDS
    return {
        "kind": kind,
        "b": issued / b_time,
        "t": issued / t_time,
        "trips": trips / issued,
        "job_cpu_ms": job_cpu / issued * 1000,
        "issuing_cpu_ms": issuing_cpu / issued * 1000,
    }


def postgres_reachable(url: str) -> bool:
    try:
        engine = sqlalchemy.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sqlalchemy.exc.OperationalError:
        return False


def on_each_database(workdir: Path, postgres: str, server, measure) -> list[dict]:
    """``measure(kind, url)`` on a fresh SQLite database and, when reachable, a PostgreSQL schema,
    with ``server`` (a process: the development TSA or CA) running throughout."""
    server.start()
    time.sleep(2)
    rows = []
    try:
        for kind in ["sqlite"] + (["postgresql"] if postgres_reachable(postgres) else []):
            url, cleanup = fresh_database(kind, workdir, postgres)
            try:
                rows.append(measure(kind, url))
            finally:
                cleanup()
    finally:
        server.terminate()
        server.join()
    return rows


def level_t_rows(keys: Path, workdir: Path, receipts: int, postgres: str) -> list[dict]:
    """The level-B and level-T rates on each database, the development TSA in a process of its own."""
    port = 18_000 + int(time.time()) % 1000
    context = multiprocessing.get_context("spawn")
    answered = context.Value("q", 0)
    server = context.Process(target=serve_tsa, args=(str(keys), port, answered))

    def measure(kind: str, url: str) -> dict:
        return measure_level_t(kind, url, keys, receipts, port, answered)

    return on_each_database(workdir, postgres, server, measure)


def print_level_t(rows: list[dict]) -> None:
    print(
        f"{'database':<11}{'B receipts/s':>14}{'T receipts/s':>14}{'T / B':>8}{'TSA trips/receipt':>19}"
        f"{'job CPU ms/receipt':>20}{'issuing CPU ms/receipt':>24}"
    )
    for row in rows:
        verdict = "MET" if row["t"] >= 0.6 * row["b"] else "MISSED"
        print(
            f"{row['kind']:<11}{row['b']:>14.1f}{row['t']:>14.1f}{row['t'] / row['b']:>8.2f}"
            f"{row['trips']:>19.2f}{row['job_cpu_ms']:>20.2f}{row['issuing_cpu_ms']:>24.2f}"
            f"   target T >= 0.6 x B (the baseline): {verdict}"
        )


def print_issuing(bare: float, product: float, with_identity: float, rows: list[dict]) -> None:
    print(
        f"bare signxml XAdES signing, RSA-2048, same key, one process: {bare:8.1f} signatures/s  [baseline]"
    )
    print(f"ReceiptSigner, no database, best of 5 s:                     {product:8.1f} signatures/s")
    print(
        f"ReceiptSigner and the identity digest, no database, best of 5 s: {with_identity:8.1f} signatures/s"
        f"  ({with_identity / product:.2f} x)"
    )
    print(
        f"{'database':<11}{'keys':<11}{'procs':>6}{'threads':>8}{'batch':>6}{'receipts/s':>12}{'vs bare':>9}"
        f"{'p50 ms':>9}{'p99 ms':>9}   (latency of one transaction)"
    )
    for row in rows:
        print(
            f"{row['kind']:<11}{row['keys']:<11}{row['processes']:>6}{row['threads']:>8}{row['batch']:>6}{row['rate']:>12.1f}"
            f"{row['rate'] / bare:>9.2f}{row['p50']:>9.2f}{row['p99']:>9.2f}"
        )
    for single, own in zip(rows[::2], rows[1::2], strict=True):
        print(
            f"per-issuer keys vs single key, {single['kind']} {single['processes']}x{single['threads']}"
            f" batch {single['batch']}: {own['rate'] / single['rate']:.2f} x"
        )
    postgres = {
        (r["processes"], r["threads"], r["batch"]): r
        for r in rows
        if r["kind"] == "postgresql" and r["keys"] == "per-issuer"
    }
    if not postgres:
        print("targets: not checked, PostgreSQL unreachable")
        return
    single, batched = postgres[(1, 1, 1)], postgres[(1, 1, 50)]
    for label, row in (("one receipt per transaction", single), ("50 receipts per transaction", batched)):
        verdict = "MET" if row["rate"] >= bare / 2 else "MISSED"
        print(
            f"target >= 0.5 x bare, one process on PostgreSQL, {label}: {row['rate'] / bare:.2f} x {verdict}"
        )
    verdict = "MET" if single["p99"] < 20 else "MISSED"
    print(f"target single issue p99 < 20 ms on PostgreSQL: {single['p99']:.2f} ms {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=600, help="receipts per measurement")
    parser.add_argument("--level-t-receipts", type=int, default=450, help="receipts per level-T measurement")
    parser.add_argument("--level-t-only", action="store_true", help="measure level T and its baseline only")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        workdir = Path(temporary)
        keys = workdir / "keys"
        create_development_pki(keys, issuers=development_issuers())
        kinds = ["sqlite"] + (["postgresql"] if postgres_reachable(args.postgres) else [])
        if not args.level_t_only:
            bare = bare_signing_rate(keys, signxml_only=True)
            # Alternated in short windows and the best of each kept: the load changes by the second.
            rates = [
                (bare_signing_rate(keys, 1.0), bare_signing_rate(keys, 1.0, identity=True)) for _ in range(5)
            ]
            product, with_identity = (max(rate) for rate in zip(*rates, strict=True))
            # (processes, threads per process, receipts per transaction)
            shapes = [(1, 1, 1), (1, 4, 1), (2, 1, 1), (1, 1, 50), (2, 1, 50)]
            rows = [
                measure(kind, shape, args.receipts, keys, workdir, args.postgres, per_issuer)
                for kind in kinds
                for shape in shapes
                for per_issuer in (False, True)  # side by side, so that load changes hit both alike
            ]
        level_t = level_t_rows(keys, workdir, args.level_t_receipts, args.postgres)
    if not args.level_t_only:
        print_issuing(bare, product, with_identity, rows)
    print_level_t(level_t)


if __name__ == "__main__":
    main()
