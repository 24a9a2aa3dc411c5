"""`ereceipt serve` runs the scheduled jobs in a child process on one machine, and stops it when it stops."""

from __future__ import annotations

import re
import time
from pathlib import Path

from server_process import Server, ereceipt
from sqlalchemy import func, select
from waiting import wait_for

from ereceipt.config import load_settings
from ereceipt.core.storage.database import Database
from ereceipt.core.storage.scheduling import SchedulerClaim

OFF = "daily_reports =\nstatement_fetch =\nreconciliation =\nmessage_log_archive =\n"


def claims(home: Path) -> int:
    database = Database.from_url(load_settings(home / "config.ini", environ={}).database.url)
    try:
        with database.read() as session:
            return session.scalar(select(func.count()).select_from(SchedulerClaim))
    finally:
        database.dispose()


def test_serve_runs_the_scheduler_and_takes_it_down(tmp_path: Path) -> None:
    config = f"[database]\nurl = sqlite:///var/e.sqlite3\n[scheduler]\nreport_retries = */1 * * * * *\n{OFF}"
    (tmp_path / "config.ini").write_text(config)
    assert ereceipt(tmp_path, "init").returncode == 0
    server = Server(tmp_path, config, workers=1, run_scheduler=True)
    try:
        wait_for(lambda: claims(tmp_path) >= 2, timeout=60, what=f"two claimed runs (log: {server.log})")
    finally:
        output = server.stop().decode()
    assert claims(tmp_path) >= 2, output
    pid = int(re.search(r"scheduler [^:\s]+:(\d+): report_retries", output).group(1))
    assert not Path(f"/proc/{pid}").exists(), "the scheduler outlived `ereceipt serve`"
    assert "Traceback" not in output, output


def test_run_scheduler_false_keeps_serve_alone(tmp_path: Path, monkeypatch) -> None:
    config = f"[database]\nurl = sqlite:///var/e.sqlite3\n[scheduler]\nreport_retries = */1 * * * * *\n{OFF}"
    (tmp_path / "config.ini").write_text(config)
    assert ereceipt(tmp_path, "init").returncode == 0
    monkeypatch.setenv("ERECEIPT_SERVER__RUN_SCHEDULER", "false")
    server = Server(tmp_path, config, workers=1)
    # A fixed wait, on purpose: nothing is to happen, and a job due every second would have run by then.
    time.sleep(3)
    output = server.stop().decode()
    assert "report_retries" not in output, output
    assert claims(tmp_path) == 0
