"""Commands that walk a whole table stay within a memory ceiling far below the table's size (both
databases): the message log's check, the check of the log with its archive, the reconciliation CSV.

Each command runs in a fresh Python process over a seeded database; its peak resident memory
(getrusage) after the walk, less the peak before it, must stay under ``CEILING`` while the rows
walked hold several times as much.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert

from ereceipt.core.storage.database import Database
from ereceipt.core.treasury.tables import ReconciliationDiscrepancy, ReconciliationRun
from ereceipt.soap import message_log
from ereceipt.soap.log_archive import archive_message_log

RECORDS = 1_600
PAYLOAD = 40_000  # bytes of request and of response: 128 MB of log in all
CEILING = 48 * 1024 * 1024

PROBE = """
import json, resource, sys
from sqlalchemy import text
from ereceipt.core.storage.database import Database
from ereceipt.soap.log_archive import verify_archived_chain
from ereceipt.soap.log_check import verify_chain
from ereceipt.core.treasury.reconciliation import write_discrepancies_csv

url, command = sys.argv[1], sys.argv[2]
database = Database.from_url(url)
with database.read() as session:  # connect and import everything first: the baseline
    session.execute(text("SELECT 1")).all()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if command == "log-verify":
    outcome = verify_chain(database).records
elif command == "log-verify-all":
    outcome = verify_archived_chain(database).records
else:
    with database.read() as session, open(sys.argv[3], "w", newline="") as output:
        outcome = write_discrepancies_csv(session, int(sys.argv[4]), output)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "grown_kib": after - before}))
"""


def probe(url: str, *arguments: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, url, *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def seed_log(database: Database) -> None:
    """RECORDS exchanges of PAYLOAD-byte messages, appended through the log itself (a real chain).
    The bytes vary, so that PostgreSQL's compression cannot shrink them away."""
    for n in range(RECORDS):
        body = os.urandom(PAYLOAD // 2).hex().encode()
        message_log.append(
            database,
            message_log.Exchange(
                "VN/GOV/1/X", "svc", "getReceipt", f"id-{n}", None, "ok", 200, 3, body, body
            ),
        )


@pytest.fixture
def url(database_url) -> str:
    return database_url.url


def test_log_verify_walks_a_large_log_within_the_ceiling(database: Database, url: str) -> None:
    seed_log(database)
    measured = probe(url, "log-verify")
    assert measured["outcome"] == RECORDS
    assert measured["grown_kib"] * 1024 < CEILING, measured


def test_archive_verify_walks_archive_and_log_within_the_ceiling(database: Database, url: str) -> None:
    seed_log(database)
    moved = archive_message_log(database, 90, now=datetime.now(UTC) + timedelta(days=91))
    assert moved == RECORDS - 1
    measured = probe(url, "log-verify-all")
    assert measured["outcome"] == RECORDS
    assert measured["grown_kib"] * 1024 < CEILING, measured


def test_the_reconciliation_csv_is_written_within_the_ceiling(database: Database, url: str, tmp_path) -> None:
    lines = 200_000  # 200 000 discrepancies: some 200 MB as ORM objects, 28 MB of CSV
    with database.write() as session:
        now = datetime.now(UTC)
        run = ReconciliationRun(
            account="0011001234567", day=date(2026, 1, 5), issuer_id=None, started_at=now, actor="test",
            receipts_count=0, receipts_amount=0, bank_count=0, bank_amount=0, treasury_count=0,
            treasury_amount=0, matched_count=0, matched_amount=0, discrepancy_count=lines,
        )  # fmt: skip
        session.add(run)
        session.flush()
        table = ReconciliationDiscrepancy.__table__
        for start in range(0, lines, 10_000):
            session.execute(
                insert(table),
                [
                    {
                        "run_id": run.id,
                        "kind": "duplicate",
                        "reference": f"FT{n:014d}",
                        "detail": "receipts bank treasury " * 4,
                        "receipt_amount": n + 1,
                        "bank_amount": n + 1,
                        "treasury_amount": None,
                    }
                    for n in range(start, start + 10_000)
                ],
            )
        run_id = run.id
    written = tmp_path / "discrepancies.csv"
    measured = probe(url, "csv", str(written), str(run_id))
    assert measured["outcome"] == lines
    assert written.stat().st_size > 25_000_000
    assert measured["grown_kib"] * 1024 < CEILING, measured
