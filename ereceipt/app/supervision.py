"""Process supervision on one machine (POSIX signals): `ereceipt serve`'s children, and orphans that stop.

The web server (granian) forks its WSGI workers: a consumer started inside the WSGI
application would run once per worker. The payment consumer and the outbox relay therefore run
in exactly one ``ereceipt worker`` child started by the serving process itself, restarted with a
growing delay whenever it ends unexpectedly, stopped with SIGTERM (it finishes the message in hand)
when the server stops, sent SIGHUP when the server is, and ending by itself if the serving process
disappears (``--parent-pid``). Any end that was not asked for is unexpected, whatever its exit status.

The scheduled jobs run in one ``ereceipt scheduler --exit-with-parent`` child of the serving
process too, when ``[server] run_scheduler`` is true. Both children watch their parent with
``stop_when_orphaned``: a parent that is gone, even SIGKILLed, leaves no worker or scheduler behind.

Every child runs in a session of its own, out of the terminal's process group: a Ctrl-C reaches
the serving process alone, which sends each child one SIGTERM at once (``terminate``) and then
waits for all of them together (``stop``). A child reached by both the terminal's SIGINT and its
parent's SIGTERM, a moment apart, is what kept a granian worker from stopping (see
``app/server.py``); a child still starting would die of the SIGINT with a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from ereceipt.core.backoff import Backoff
from ereceipt.settings import Settings

log = logging.getLogger("ereceipt.supervisor")
STABLE_SECONDS = 60.0  # a child that ran this long resets the back-off


class WorkerSupervisor:
    def __init__(self, config: str | None, *, stop_timeout: float = 30.0, restart_cap: float = 60.0) -> None:
        self.config, self.stop_timeout = config, stop_timeout
        self.backoff = Backoff(base=1.0, cap=restart_cap)
        self.stopping = threading.Event()
        self._child: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._supervise, name="ereceipt-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _command(self) -> list[str]:
        command = [sys.executable, "-m", "ereceipt"]
        if self.config:
            command += ["--config", self.config]
        return [*command, "worker", "--parent-pid", str(os.getpid())]

    def _supervise(self) -> None:
        while not self.stopping.is_set():
            with self._lock:
                if self.stopping.is_set():
                    return
                # A session of its own: a Ctrl-C at the terminal stops the server, which stops the worker.
                self._child = subprocess.Popen(self._command(), start_new_session=True)  # noqa: S603
            log.info("bank worker started (pid %d)", self._child.pid)
            started = time.monotonic()
            self._child.wait()
            if self.stopping.is_set():
                return
            if time.monotonic() - started > STABLE_SECONDS:
                self.backoff.reset()
            delay = self.backoff.next()
            log.warning("bank worker (pid %d) ended; restarting in %.1f s", self._child.pid, delay)
            self.stopping.wait(delay)

    def terminate(self) -> None:
        """Ask the child to stop (SIGTERM) and start no other; returns at once, safe in a signal handler.

        No lock here: a signal handler runs on the main thread, possibly while it holds the lock.
        A child started after this reads ``stopping`` first and is stopped by ``stop``."""
        self.stopping.set()
        child = self._child
        if child is not None and child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGTERM)

    def reload(self) -> None:
        """Pass a SIGHUP on to the child: it reads its pinned bank certificates again."""
        child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGHUP)
            log.info("bank worker (pid %d) told to reload", child.pid)

    def stop(self) -> None:
        """SIGTERM the child and wait for it to finish the message in hand; SIGKILL after the timeout."""
        with self._lock:
            self.stopping.set()
            child = self._child
        if child is not None:
            stop_process(child, "bank worker", self.stop_timeout)
        self._thread.join(timeout=5)


def stop_process(child: subprocess.Popen, name: str, timeout: float) -> None:
    """SIGTERM ``child`` (again, if it was already) and wait up to ``timeout``; SIGKILL after it."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.error("%s (pid %d) did not stop in %.0f s; killed", name, child.pid, timeout)
            child.kill()
            child.wait()


def start_scheduler(settings: Settings) -> subprocess.Popen | None:
    """On one machine `ereceipt serve` runs the scheduled jobs too ([server] run_scheduler), as a child."""
    if not settings.server.run_scheduler:
        return None
    command = [sys.executable, "-m", "ereceipt"]
    if settings.source != "defaults":
        command += ["--config", settings.source]
    # A session of its own, as the bank worker: the serving process stops it (see the module's note).
    return subprocess.Popen([*command, "scheduler", "--exit-with-parent"], start_new_session=True)  # noqa: S603


def stop_when_orphaned(
    parent_pid: int, stop: Callable[[], None], *, stopping: threading.Event | None = None
) -> None:
    """Call ``stop`` once the process ``parent_pid`` is gone (even SIGKILLed), checking every second.

    A child whose parent dies is adopted by another process, so its parent pid changes: that is
    what is watched. With ``stopping``, the watch also ends when that event is set (the process
    stops for another reason), and calls ``stop`` then too.
    """
    ended = stopping or threading.Event()

    def watch() -> None:
        while os.getppid() == parent_pid and not ended.is_set():
            ended.wait(1)
        stop()

    threading.Thread(target=watch, name="ereceipt-parent-watch", daemon=True).start()


def reload_bank_certificates(settings: Settings, handler) -> None:
    """A running bank worker's SIGHUP: read ``[banks]`` again and pin what it names now.

    The settings are read again from where they came from (the file and the environment); the
    other settings keep the values the worker started with (a restart takes them). A ``[banks]``
    that cannot be read, or a certificate that is refused, leaves the pins as they were, and says why.
    """
    from ereceipt.app.wiring import Services
    from ereceipt.config import load_settings
    from ereceipt.core.errors import EReceiptError

    try:
        fresh = load_settings(None if settings.source == "defaults" else settings.source)
        pinned = Services(fresh).bank_certificates()
    except EReceiptError as exc:
        kept = len(handler.certificates)
        log.error("bank certificates not reloaded, the %d pinned before stay: %s", kept, exc.message)
        return
    handler.pin(pinned)
    log.info("bank certificates reloaded: %s", ", ".join(sorted(pinned)) or "none pinned")
