"""Benchmark: the transparency log — integration rate, proof and tile serving cost, the auditor.

Synthetic data (stated in the output): receipts and their audit events are inserted directly
(INSERT…SELECT generate_series, no signing) into a PostgreSQL schema of this run, dropped
afterwards; the auditor reads a synthetic log built in memory. Targets (issue "a public
transparency log"): integrate ≥ 20 000 leaves/s on PostgreSQL in one process; the auditor checks
a 1 000 000-entry log in < 60 s and < 1 GiB; the log's storage per receipt is printed, beside
the issuing rate of bench/issue_receipts.py so that the log is seen never to be the bottleneck.

    .venv/bin/python bench/transparency.py [--receipts 200000] [--audit-entries 1000000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from ereceipt.core.storage.database import Database, migrate
from ereceipt.core.transparency import merkle
from ereceipt.core.transparency.auditor import audit
from ereceipt.core.transparency.checkpoint import Checkpoint, sign_checkpoint
from ereceipt.core.transparency.entries import LogEntry, ReceiptNumber, encode_bundle
from ereceipt.core.transparency.sequencer import integrate
from ereceipt.core.transparency.signed_note import Signer
from ereceipt.core.transparency.store import LogStore
from ereceipt.core.transparency.tiles import WIDTH, Tile, tile_width

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ISSUING_REFERENCE = "172–191 receipts/s (PostgreSQL, 50 per transaction; docs/benchmarks.md)"
SIGNER = Signer("bench.invalid/ereceipt-log", Ed25519PrivateKey.generate())

SEED = """
INSERT INTO issuer (id, code, name, tax_code, address) VALUES (1, 'BENCH', 'Bench agency', '0100000000', 'x');
INSERT INTO receipt_series (id, issuer_id, template_number, series_symbol, active)
    VALUES (1, 1, '01BLTHA', 'AA/26E', true);
INSERT INTO receipt (id, issuer_id, series_id, year, number, lookup_code, status, issued_at, amount,
                     payer_name, payment_method, issuing_officer, signed_xml, identity_digest)
SELECT n, 1, 1, 2026, n, lpad(to_hex(n), 16, '0'), 'ISSUED',
       timestamp '2026-12-07 02:00' + n * interval '1 second', 1000 + n, 'synthetic', 'CASH', 'bench',
       '\\x00'::bytea, encode(sha256(int8send(n)), 'hex')
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS n;
INSERT INTO audit_event (at, actor, action, entity, entity_id, details)
SELECT now(), 'bench', 'receipt.issued', 'receipt', n::text, '{}'
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS n;
"""


def seed(database: Database, first: int, last: int, *, with_issuer: bool) -> None:
    statements = [s for s in SEED.split(";\n") if s.strip()]
    with database.write() as session:
        for statement in statements if with_issuer else statements[2:]:
            session.execute(text(statement), {"first": first, "last": last})
    with database.write() as session:  # a bulk load; autovacuum would analyse it soon after
        session.execute(text("ANALYZE receipt, audit_event"))


def backend_cpu_seconds(database: Database) -> float | None:
    """CPU time (user + system) of the PostgreSQL backend serving this pool's one connection, read
    from /proc when the server runs on this machine; None otherwise."""
    with database.read() as session:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_until_caught_up(database: Database, batch: int) -> tuple[int, float, bool, str]:
    """Runs the sequencer until nothing is left; the leaves appended, the wall time, whether it was
    the backfill, and the CPU per leaf of this process and of the PostgreSQL backend."""
    backend_before, cpu_before = backend_cpu_seconds(database), time.process_time()
    appended, started, backfilled = 0, time.perf_counter(), False
    while True:
        result = integrate(database, SIGNER, batch_size=batch, clock=lambda: datetime.now(UTC))
        appended += result.appended
        backfilled |= result.backfilling
        if result.appended == 0:
            break
    seconds = time.perf_counter() - started
    client = (time.process_time() - cpu_before) / appended * 1e6
    backend_after = backend_cpu_seconds(database)
    if backend_before is None or backend_after is None:
        return appended, seconds, backfilled, f"CPU {client:.0f} µs per leaf in this process"
    backend = (backend_after - backend_before) / appended * 1e6
    return (
        appended,
        seconds,
        backfilled,
        (
            f"CPU per leaf {client:.0f} µs in this process + {backend:.0f} µs in the PostgreSQL backend "
            f"= {client + backend:.0f} µs: {1e6 / (client + backend):,.0f} leaves/s if the two had the "
            "CPU to themselves (they take turns; the wall rate shares the machine's load)"
        ),
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def serving(database: Database, size: int, samples: int = 300) -> None:
    proof_ms, tile_ms = [], []
    with database.read() as session:
        store = LogStore(session)
        for i in range(samples):
            started = time.process_time()
            (inclusion,) = store.inclusion_of_receipt(1 + (i * 7919) % size)
            assert inclusion.verified
            proof_ms.append((time.process_time() - started) * 1000)
            index = (i * 31) % max(1, size // WIDTH)
            started = time.process_time()
            store.tile(Tile(0, index, tile_width(0, index, size)))
            tile_ms.append((time.process_time() - started) * 1000)
    print(
        f"serving, CPU of this process per request: inclusion proof (with its verification) "
        f"p50 {statistics.median(proof_ms):.2f} ms, p99 {percentile(proof_ms, 0.99):.2f} ms; "
        f"level-0 tile p50 {statistics.median(tile_ms):.2f} ms, p99 {percentile(tile_ms, 0.99):.2f} ms"
    )
    print("serving: p99 with 64 clients at 70 % of capacity (target < 20 ms): bench/transparency_serving.py")


def storage(database: Database, size: int) -> None:
    with database.read() as session:
        total = session.execute(
            text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname LIKE 'transparency_%'"
            )
        ).scalar_one()
    print(f"storage of the log: {total / size:.0f} bytes per entry (tables and indexes, PostgreSQL)")


def synthetic_log(entries: int) -> tuple[dict[str, bytes], bytes]:
    files, frontier, bundle = {}, merkle.Frontier(), []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(entries):
        entry = LogEntry(
            "issued",
            ReceiptNumber(f"AG{i % 50:02d}", "01BLTHA", "AA/26E", i // 50 + 1, 2026),
            1000 + i,
            start + timedelta(seconds=3 * i),
            f"{i:064x}",
        ).encode()
        frontier.append(merkle.leaf_hash(entry))
        bundle.append(entry)
        if len(bundle) == WIDTH or i == entries - 1:
            files[Tile(-1, i // WIDTH, len(bundle)).path()] = encode_bundle(bundle)
            bundle = []
    note = sign_checkpoint(Checkpoint(SIGNER.name, entries, frontier.root()), SIGNER)
    files["checkpoint"] = note
    return files, note


def auditor(entries: int) -> None:
    files, _ = synthetic_log(entries)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = audit(files.__getitem__, SIGNER.verifier, None)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert report.consistent, report.failure
    print(
        f"auditor, synthetic log of {entries:,} entries held in memory (checkpoint, root, numbering, "
        f"totals; no receipt signatures): {seconds:.1f} s (target < 60 s for 1 000 000), "
        f"peak RSS {peak / 1024:.0f} MiB with the synthetic log's files held in memory, "
        f"{(peak - before) / 1024:.0f} MiB of it added during the audit (target < 1 GiB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--audit-entries", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=os.environ.get("ERECEIPT_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    args = parser.parse_args()
    schema = f"bench_tlog_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in args.postgres else "?"
    database = Database.from_url(f"{args.postgres}{separator}options=-csearch_path%3D{schema}", pool_size=1)
    try:
        migrate(database)
        half = args.receipts // 2
        seed(database, 1, half, with_issuer=True)
        print(
            f"synthetic receipts: {args.receipts:,} rows inserted directly (no signing), batch {args.batch:,}"
        )
        appended, seconds, backfilled, cpu = run_until_caught_up(database, args.batch)
        print(
            f"backfill of {appended:,} receipts issued before the log: {appended / seconds:,.0f} leaves/s "
            f"(target ≥ 20 000 leaves/s){' (backfill)' if backfilled else ''}; {cpu}"
        )
        seed(database, half + 1, args.receipts, with_issuer=False)
        appended, seconds, _, cpu = run_until_caught_up(database, args.batch)
        print(
            f"integration of {appended:,} new receipt events from the audit trail: {appended / seconds:,.0f} "
            f"leaves/s (target ≥ 20 000 leaves/s), beside issuing at {ISSUING_REFERENCE}; {cpu}"
        )
        storage(database, args.receipts)
        serving(database, args.receipts)
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    auditor(args.audit_entries)


if __name__ == "__main__":
    main()
