"""Starting and stopping a real ``ereceipt serve`` (granian) for end-to-end tests, and HTTP calls to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

from waiting import wait_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ereceipt(home: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "ERECEIPT_CONFIG": str(home / "config.ini")}
    return subprocess.run(
        [sys.executable, "-m", "ereceipt", *args],
        cwd=home,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def http(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes, Message]:
    """Status, body and headers (looked up by name in any case, as HTTP header names are)."""
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 (our own test server)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


class Server:
    """``ereceipt serve`` in ``home`` with ``config`` (a port and the public URL are added)."""

    def __init__(
        self,
        home: Path,
        config: str,
        workers: int = 2,
        *,
        run_worker: bool = False,
        run_scheduler: bool = False,
        server_options: str = "",
        own_session: bool = False,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        (home / "config.ini").write_text(
            config + f"\n[server]\nport = {self.port}\nworkers = {workers}\npublic_url = {self.base}\n"
            # Tests share one broker: only a test that brings a topology of its own runs the bank worker.
            f"run_worker = {'yes' if run_worker else 'no'}\n"
            # Scheduled jobs only where a test asks for them.
            f"run_scheduler = {'true' if run_scheduler else 'false'}\n{server_options}",
            encoding="utf-8",
        )
        env = {**os.environ, "ERECEIPT_CONFIG": str(home / "config.ini")}
        # A file, not a pipe: nobody reads a pipe while the server runs, and a full one stalls it.
        self.log = home / f"serve-{self.port}.log"
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ereceipt", "serve"],
                cwd=home,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                # A process group of its own, as a terminal gives a command: a test may signal the group.
                start_new_session=own_session,
            )
        self.workers = workers
        try:
            wait_for(
                self._ready, timeout=30, what=f"{self.base}/healthz to answer 200 from {workers} workers"
            )
        except AssertionError as failure:
            self.process.kill()
            self.process.wait()  # reaped, so that no "still running" warning fails a later test
            raise AssertionError(f"{failure}; the server printed:\n{self.log.read_text()}") from None

    def started_workers(self) -> int:
        """How many workers granian has reported started (respawned ones included)."""
        return self.log.read_text(errors="replace").count("Started worker-")

    def _ready(self) -> bool:
        """Whether every worker has started and the server answers its health check. Every worker, not
        the first: a worker still starting does not take a SIGTERM, and granian then waits its whole
        graceful stop (20 s) before killing it, which a test that stops the server soon would pay."""
        if self.process.poll() is not None:
            raise AssertionError(f"`ereceipt serve` exited with {self.process.returncode}")
        if self.started_workers() < self.workers:
            return False
        try:
            return http(self.base + "/healthz")[0] == 200
        except OSError:
            return False

    def stop(self) -> bytes:
        """Stop the server; returns everything it printed."""
        self.process.terminate()
        # Requests in hand may take granian's whole graceful stop (20 s), and a job or message in hand
        # the scheduler's or bank worker's (up to 30 s); on a loaded machine, more.
        self.process.wait(timeout=90)
        return self.log.read_bytes()
