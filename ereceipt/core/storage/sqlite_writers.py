"""SQLite writers in turn: a kernel file lock (flock(2)) queues write transactions on one database file.

SQLite lets one writer in at a time and makes the others poll: a connection that finds the write
lock taken sleeps 1, 2, 5, 10 ... up to 100 ms between tries (its default busy handler), so a
writer that starts its next transaction microseconds after committing, as issuing does, keeps the
lock while a second process (the time-stamping job, bank intake) sleeps and tries again, and rarely
gets in. Here each write transaction first takes an exclusive ``flock`` on ``<database>-writers``:
the kernel wakes a waiting writer the moment the lock is released, so writers take turns and
none is starved. SQLite's own locking stays underneath and still decides what is safe; the file
lock only orders who asks. The lock is released after COMMIT or ROLLBACK, and with the connection.
A writer that has not had its turn within the connection's busy time-out gives up with SQLite's
own "database is locked", as it would have without the file lock.

A thread that already holds the file lock through another connection to the same file does not
take it again (it would wait for itself): its nested write falls back to SQLite's busy handler.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections import Counter

_held = threading.local()  # per thread: Counter of lock-file paths this thread holds


def _holding() -> Counter:
    if not hasattr(_held, "paths"):
        _held.paths = Counter()
    return _held.paths


class TurnTakingConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions (``begin_immediate``) wait their turn on the
    file lock; ``commit``, ``rollback`` and ``close`` give the turn back."""

    def __init__(self, database, timeout: float = 5.0, *args, **kwargs) -> None:
        super().__init__(database, timeout, *args, **kwargs)
        self._timeout = timeout
        path = os.fspath(database)
        in_memory = path in ("", ":memory:") or path.startswith("file::memory:") or "mode=memory" in path
        if path.startswith("file:"):  # a URI (RFC 8089): its path alone names the file
            path = path.removeprefix("file:").split("?", 1)[0].split("#", 1)[0]
            if path.startswith("//"):  # an authority before the path: "file://localhost/..."
                path = "/" + path[2:].partition("/")[2]
        self._lock_path = None if in_memory else os.path.abspath(path) + "-writers"
        self._lock_fd: int | None = None
        self._turn: Counter | None = None  # while this connection has the turn: its thread's holdings

    def begin_immediate(self) -> None:
        """``BEGIN IMMEDIATE``, once this connection's turn has come."""
        self._take_turn()
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._give_turn()
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._give_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_turn()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    def _take_turn(self) -> None:
        holding = _holding()
        if self._lock_path is None or self._turn is not None or holding[self._lock_path]:
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._wait_for_turn()
        self._turn = holding
        holding[self._lock_path] += 1

    def _wait_for_turn(self) -> None:
        """Wait for the file lock at most the busy time-out. The wait is a blocking flock in a thread
        of its own, on a duplicate of the descriptor (the lock belongs to the open file, not to a
        descriptor or a thread); a turn that comes after the time-out is given back at once."""
        duplicate, guard, taken = os.dup(self._lock_fd), threading.Lock(), threading.Event()
        state = {"given_up": False}

        def wait() -> None:
            try:
                fcntl.flock(duplicate, fcntl.LOCK_EX)  # without the GIL until the turn comes
                with guard:
                    if state["given_up"]:
                        fcntl.flock(duplicate, fcntl.LOCK_UN)
                    else:
                        taken.set()
            finally:
                os.close(duplicate)

        threading.Thread(target=wait, name="sqlite-writer-turn", daemon=True).start()
        if taken.wait(self._timeout):
            return
        with guard:
            if taken.is_set():
                return
            state["given_up"] = True
        raise sqlite3.OperationalError(f"database is locked: no turn to write within {self._timeout:g} s")

    def _give_turn(self) -> None:
        holding, self._turn = self._turn, None
        if holding is None:
            return
        fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        holding[self._lock_path] -= 1
        if holding[self._lock_path] <= 0:
            del holding[self._lock_path]
