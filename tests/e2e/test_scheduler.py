"""Two `ereceipt scheduler` processes on one database (SQLite, PostgreSQL): each run of a job happens once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from waiting import wait_for

from ereceipt.app.wiring import ensure_keys
from ereceipt.config import load_settings
from ereceipt.core.storage.database import Database
from ereceipt.core.storage.scheduling import SchedulerClaim

STARTED = re.compile(r"job report_retries of (\S+) started")
SKIPPED = re.compile(r"job report_retries of (\S+) skipped")


def test_two_schedulers_run_each_job_run_once(tmp_path: Path, database_url) -> None:
    config = tmp_path / "config.ini"
    off = "\n".join(
        f"{job} =" for job in ("daily_reports", "statement_fetch", "reconciliation", "message_log_archive")
    )
    config.write_text(
        f"[database]\nurl = {database_url.url}\n[scheduler]\nreport_retries = */2 * * * * *\n{off}\n"
    )
    ensure_keys(load_settings(config, environ={}))
    env = {**os.environ, "ERECEIPT_CONFIG": str(config)}
    env.pop("ERECEIPT_DATABASE__URL", None)
    logs = [tmp_path / f"scheduler-{n}.log" for n in (1, 2)]
    processes = []
    for log in logs:
        with log.open("wb") as output:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "ereceipt", "scheduler"],
                    cwd=tmp_path,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            )

    def met() -> bool:
        """Two runs started, and one the other process had claimed already skipped."""
        printed = [log.read_text() for log in logs]
        return len([f for output in printed for f in STARTED.findall(output)]) >= 2 and any(
            SKIPPED.search(output) for output in printed
        )

    try:
        wait_for(met, timeout=60, what=f"two runs started and one skipped (logs: {logs})")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        assert process.wait(timeout=30) == 0
    outputs = [log.read_text() for log in logs]
    for output in outputs:
        assert "Traceback" not in output, output
    started = [fire for output in outputs for fire in STARTED.findall(output)]
    skipped = [fire for output in outputs for fire in SKIPPED.findall(output)]
    assert len(started) >= 2, outputs
    assert len(started) == len(set(started)), f"a run happened twice: {sorted(started)}"
    assert skipped, "the second process never met a run the first had claimed"
    assert set(skipped) <= set(started)
    database = Database.from_url(database_url.url)
    try:
        with database.read() as session:
            claims = session.scalar(
                select(func.count())
                .select_from(SchedulerClaim)
                .where(SchedulerClaim.job_id == "report_retries")
            )
    finally:
        database.dispose()
    assert claims == len(started)
