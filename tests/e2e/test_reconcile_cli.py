"""`ereceipt reconcile` as a real process: summary, CSV and XML files, a progress bar only on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from server_process import ereceipt
from sqlalchemy import insert

from ereceipt.config import load_settings
from ereceipt.core.intake.tables import BankStatementLine
from ereceipt.core.storage.database import Database
from ereceipt.core.treasury.tables import TreasuryStatementLine


def test_reconcile_prints_the_summary_and_writes_the_reports(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text("[database]\nurl = sqlite:///var/e.sqlite3\n")
    assert ereceipt(tmp_path, "init", "--demo").returncode == 0
    database = Database.from_url(load_settings(tmp_path / "config.ini", environ={}).database.url)
    with database.write() as session:
        session.execute(
            insert(TreasuryStatementLine),
            {"account": "0011000000002", "day": datetime(2026, 3, 2).date(), "reference": "KB-1",
             "amount": 500_000, "fetched_at": datetime.now(UTC)},
        )  # fmt: skip
        session.execute(  # one credit, in the bank's notification and in its day statement: one bank line
            insert(BankStatementLine),
            [
                {"bic": "BFTVVNVX", "kind": kind, "message_id": f"m-{kind}", "document_id": f"d-{kind}",
                 "account": "0011000000002", "booking_date": datetime(2026, 3, 2).date(), "amount": 300_000,
                 "reference": "FT-1", "remittance_text": None, "recorded_at": datetime.now(UTC)}
                for kind in ("camt.054", "camt.053")
            ],
        )  # fmt: skip
    database.dispose()

    args = (
        "reconcile",
        "--account",
        "0011000000002",
        "--date",
        "2026-03-02",
        "--csv",
        "d.csv",
        "--xml",
        "d.xml",
    )
    piped = ereceipt(tmp_path, *args)
    assert piped.returncode == 1  # discrepancies found
    out = piped.stdout.decode()
    assert "treasury lines          1" in out and "in_treasury_not_in_bank" in out
    assert ["bank", "lines", "1", "300.000", "đồng"] in [line.split() for line in out.splitlines()]
    assert "payment_without_receipt" in out and "in_bank_not_in_treasury" in out
    assert b"[" not in piped.stderr.replace(b"DEVELOPMENT", b"")  # no progress bar when not on a terminal
    assert sorted((tmp_path / "d.csv").read_text().splitlines()[1:]) == [
        "in_bank_not_in_treasury,FT-1,,,300000,",
        "in_treasury_not_in_bank,KB-1,,,,500000",
        "payment_without_receipt,FT-1,,,300000,",
    ]
    assert b"ReconciliationReport" in (tmp_path / "d.xml").read_bytes()

    controller, terminal = pty.openpty()
    env = {**os.environ, "ERECEIPT_CONFIG": str(tmp_path / "config.ini")}
    done = subprocess.run(
        [sys.executable, "-m", "ereceipt", *args], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=terminal, timeout=120,
    )  # fmt: skip
    os.close(terminal)
    shown = os.read(controller, 65536).decode()
    os.close(controller)
    assert done.returncode == 1
    assert "[##############################] 3/3 done" in shown, shown
    assert "bad" not in ereceipt(tmp_path, "reconcile", "--account", "1", "--date", "bad").stdout.decode()
    assert ereceipt(tmp_path, "reconcile", "--account", "1", "--date", "bad").stderr.startswith(
        b"ereceipt: 'bad'"
    )
