"""`ereceipt serve`'s worker processes (granian): a worker that dies is replaced, SIGTERM stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from server_process import Server, ereceipt, http
from waiting import wait_for


def _workers(server: Server) -> set[int]:
    found = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True)
    return {int(pid) for pid in found.stdout.split()}


def test_a_killed_worker_is_replaced_and_sigterm_stops_the_server(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text("[database]\nurl = sqlite:///var/e.sqlite3\n")
    assert ereceipt(tmp_path, "init").returncode == 0
    server = Server(tmp_path, "[database]\nurl = sqlite:///var/e.sqlite3\n", workers=2)
    try:
        before = _workers(server)
        assert len(before) == 2
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        now: set[int] = set()

        def replaced() -> bool:
            now.clear()
            now.update(_workers(server))
            # Started too: SIGTERM to a worker still starting costs granian's whole graceful stop.
            return len(now) == 2 and victim not in now and server.started_workers() == 3

        wait_for(replaced, timeout=30, what=f"worker {victim} to be replaced")
        assert len(now) == 2 and victim not in now, now
        assert all(http(server.base + "/healthz")[0] == 200 for _ in range(10))
    finally:
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0
    output = server.log.read_bytes()
    assert b"Traceback" not in output, output.decode()
    assert not _workers(server)
