"""Eight processes issuing on one series at once get unique, gapless numbers (Decree 123 art. 32)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.storage.database import Database

PROCESSES = 8
PER_PROCESS = 12
WORKER = Path(__file__).with_name("issuing_process.py")


@pytest.mark.slow
def test_eight_processes_get_unique_gapless_numbers(demo_database_url, dev_pki, tmp_path: Path) -> None:
    database = Database.from_url(demo_database_url.url)
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                demo_database_url.url,
                str(dev_pki.directory),
                str(i),
                str(PER_PROCESS),
                str(go),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    go.touch()
    outputs = [worker.communicate(timeout=300) for worker in workers]
    for worker, (_, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, stderr
    printed = sorted(int(line) for stdout, _ in outputs for line in stdout.split())
    with database.read() as session:
        rows = session.execute(
            select(Receipt.number, Receipt.series_id, Receipt.issued_at).order_by(Receipt.number)
        )
        stored = rows.all()
    database.dispose()
    total = PROCESSES * PER_PROCESS
    assert printed == list(range(1, total + 1))
    assert [row.number for row in stored] == list(range(1, total + 1))
    assert len({row.series_id for row in stored}) == 1
    # Given in signing order: a later number never carries an earlier issue time.
    issue_times = [row.issued_at for row in stored]
    assert issue_times == sorted(issue_times)
