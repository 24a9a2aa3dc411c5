"""Benchmark: three-way reconciliation of 1 000 000 receipts, ~1 000 000 bank credits and the treasury lines.

On PostgreSQL, in a schema of its own that is dropped afterwards. The rows are synthetic and
seeded in bulk with ``INSERT … SELECT generate_series`` (no signing: the benchmark measures
reconciliation, not issuing). Bank lines are bank intake's ``bank_statement_line``: every credit
is in the bank's camt.053 day statement and again in its camt.054 notifications (about 2 000 000
rows), and reconciliation must count it once. 1% of references per discrepancy kind is seeded
wrong — receipt without payment, payment without receipt, amount mismatch against the receipt,
duplicate bank line (the same reference stated by a second bank), in treasury not in bank, in bank
not in treasury, amount mismatch against the treasury — and the run must find every one of them
and nothing else. Prints the seconds of ``reconcile``,
the peak RSS of this process during it, and the peak RSS of the database backend that ran it
(which counts the shared buffers it touched). Targets: under 60 s and under 1 GiB.

    .venv/bin/python bench/reconcile.py [--receipts 1000000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from datetime import date
from pathlib import Path

import sqlalchemy
from issue_receipts import DEFAULT_POSTGRES
from sqlalchemy import text

from ereceipt.core.storage.database import Database, migrate
from ereceipt.core.treasury.collection_report import day_bounds
from ereceipt.core.treasury.reconciliation import reconcile

ACCOUNT, DAY = "0099000000001", date(2026, 6, 15)
KINDS = (  # (kind, detail): one band of references each, in this order, then the matched ones
    ("receipt_without_payment", None),
    ("payment_without_receipt", None),
    ("amount_mismatch", "receipt"),
    ("duplicate", "bank"),
    ("in_treasury_not_in_bank", None),
    ("in_bank_not_in_treasury", None),
    ("amount_mismatch", "treasury"),
)


def _peak_rss_reset(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM (Linux ≥ 4.0)


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def seed(database: Database, references: int, band: int) -> None:
    start, _ = day_bounds(DAY)
    # bands: 0 receipt only, 1 bank+treasury, 2 receipt amount +1, 3 bank twice, 4 treasury only,
    # 5 receipt+bank, 6 treasury amount +1; band >= 7: matched on all three sides.
    b = f"(i / {band})"
    with database.write() as session:
        session.execute(
            text(
                "INSERT INTO issuer (code, name, tax_code, address, bank_bin, bank_account) "
                "VALUES ('BENCH', 'Bench agency', '0100000000', 'Hà Nội', '970436', :account)"
            ),
            {"account": ACCOUNT},
        )
        session.execute(
            text(
                "INSERT INTO receipt_series (issuer_id, template_number, series_symbol, active) "
                "SELECT id, '01BLTHA', 'TH26E', true FROM issuer WHERE code = 'BENCH'"
            )
        )
        session.execute(
            text(
                f"""
INSERT INTO receipt (issuer_id, series_id, year, number, lookup_code, status, issued_at, amount, payer_name,
                     payment_method, payment_reference, issuing_officer, signed_xml)
SELECT s.issuer_id, s.id, 2026, i + 1, lpad(i::text, 16, '0'), 'ISSUED',
       :start + (i % 86000) * interval '1 second',
       100000 + (i % 977) * 1000 + CASE WHEN {b} = 2 THEN 1 ELSE 0 END,
       'Bench payer', 'BANK_TRANSFER', 'REF' || lpad(i::text, 8, '0'), 'bench', '\\x3c782f3e'::bytea
FROM receipt_series s, generate_series(0, :n - 1) AS i
WHERE {b} NOT IN (1, 4)"""  # noqa: S608 (the band expression is ours)
            ),
            {"start": start.replace(tzinfo=None), "n": references},
        )
        session.execute(
            text(
                f"""
INSERT INTO bank_statement_line (bic, kind, message_id, document_id, account, booking_date, amount, reference,
                                 recorded_at)
SELECT CASE WHEN copy = 1 THEN 'BFTVVNVX' ELSE 'ICBVVNVX' END, 'camt.053', 'bench-' || copy, 'bench-' || copy,
       :account, :day, 100000 + (i % 977) * 1000, 'REF' || lpad(i::text, 8, '0'), now()
FROM generate_series(0, :n - 1) AS i, generate_series(1, 2) AS copy
WHERE {b} NOT IN (0, 4) AND (copy = 1 OR {b} = 3)
UNION ALL
SELECT 'BFTVVNVX', 'camt.054', 'bench-n', 'bench-n', :account, :day, 100000 + (i % 977) * 1000,
       'REF' || lpad(i::text, 8, '0'), now()
FROM generate_series(0, :n - 1) AS i
WHERE {b} NOT IN (0, 4)"""  # noqa: S608 (the band expression is ours)
            ),
            {"account": ACCOUNT, "day": DAY, "n": references},
        )
        session.execute(
            text(
                f"""
INSERT INTO treasury_statement_line (account, day, reference, amount, fetched_at)
SELECT :account, :day, 'REF' || lpad(i::text, 8, '0'),
       100000 + (i % 977) * 1000 + CASE WHEN {b} = 6 THEN 1 ELSE 0 END, now()
FROM generate_series(0, :n - 1) AS i
WHERE {b} NOT IN (0, 5)"""  # noqa: S608 (the band expression is ours)
            ),
            {"account": ACCOUNT, "day": DAY, "n": references},
        )
        session.execute(text("ANALYZE receipt; ANALYZE bank_statement_line; ANALYZE treasury_statement_line"))


def expected(band: int) -> set[tuple[str, str | None, str]]:
    return {
        (kind, detail, f"REF{i:08d}")
        for number, (kind, detail) in enumerate(KINDS)
        for i in range(number * band, (number + 1) * band)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=os.environ.get("ERECEIPT_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    args = parser.parse_args()
    band = args.receipts // 100  # 1% of the receipts per discrepancy kind
    references = args.receipts + 2 * band  # two bands have no receipt
    schema = f"bench_recon_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in args.postgres else "?"
    database = Database.from_url(f"{args.postgres}{separator}options=-csearch_path%3D{schema}", pool_size=1)
    try:
        migrate(database)
        started = time.perf_counter()
        seed(database, references, band)
        print(
            f"seeded in {time.perf_counter() - started:.1f} s: synthetic rows, INSERT…SELECT generate_series"
        )
        print("(no signing, no XML: this benchmark measures reconciliation only)")
        with database.read() as session:
            backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        _peak_rss_reset(os.getpid())
        _peak_rss_reset(backend)
        started = time.perf_counter()
        summary = reconcile(database, ACCOUNT, DAY, actor="bench")
        seconds = time.perf_counter() - started
        own, backend_peak = _peak_rss_mib(os.getpid()), _peak_rss_mib(backend)
        with database.read() as session:
            found = set(
                session.execute(
                    text("SELECT kind, detail, reference FROM reconciliation_discrepancy WHERE run_id = :r"),
                    {"r": summary.run_id},
                ).all()
            )
        wanted = expected(band)
        print(
            f"receipts {summary.receipts[0]:,}, bank lines {summary.bank[0]:,}, treasury lines "
            f"{summary.treasury[0]:,}, matched {summary.matched[0]:,}"
        )
        print(
            f"discrepancies found {len(found):,} of {len(wanted):,} seeded: "
            + ", ".join(f"{kind} {count:,}" for kind, count in summary.discrepancies.items())
        )
        assert found == wanted, f"missed {len(wanted - found)}, unexpected {len(found - wanted)}"
        assert summary.matched[0] == references - len(KINDS) * band
        print(f"reconcile: {seconds:.1f} s (target < 60 s)")
        print(
            f"peak RSS: this process {own:.0f} MiB, database backend {backend_peak:.0f} MiB (target < 1 GiB)"
        )
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
