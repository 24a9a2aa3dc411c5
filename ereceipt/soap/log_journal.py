"""The message log's outage journal: exchanges that could not be logged while the database was
unreachable, kept in an append-only local file (one JSON line each, fsync'd) until they are chained.

Every process of a server appends to the same file under an exclusive ``flock``; ``replay``
chains the journaled exchanges in the order they were written, each with the time it happened,
then empties the file. A crash after the records are committed and before the file is emptied
chains them again on the next replay: an exchange is never lost, and may, in that case, appear twice.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

from ereceipt.core.storage.database import Database
from ereceipt.soap.message_log import Exchange, append_dated

log = logging.getLogger("ereceipt.soap")
_BYTES = ("request", "response")


def _line(at: datetime, exchange: Exchange) -> bytes:
    record = {"at": at.astimezone(UTC).isoformat(timespec="microseconds")}
    for item in fields(Exchange):
        value = getattr(exchange, item.name)
        record[item.name] = base64.b64encode(value).decode() if item.name in _BYTES else value
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


def _read(line: bytes) -> tuple[datetime, Exchange]:
    record = json.loads(line)
    at = datetime.fromisoformat(record.pop("at"))
    for name in _BYTES:
        record[name] = base64.b64decode(record[name])
    return at, Exchange(**record)


class OutageJournal:
    """The journal file at ``path`` (its directory is made when first needed)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield descriptor
        finally:
            os.close(descriptor)  # closing releases the lock

    def append(self, exchange: Exchange, at: datetime | None = None) -> None:
        """Keep ``exchange`` (which happened ``at``, now by default) on disk before returning."""
        line = _line(at or datetime.now(UTC), exchange)
        with self._locked() as descriptor:
            os.write(descriptor, line)
            os.fsync(descriptor)

    def waiting(self) -> bool:
        """Whether exchanges wait in the journal (a cheap look, without the lock)."""
        try:
            return self.path.stat().st_size > 0
        except FileNotFoundError:
            return False

    def replay(self, database: Database) -> int:
        """Chain the journaled exchanges in one transaction, then empty the journal; how many.
        Raises ``TransientOutage`` (and keeps the journal) while the database is still unreachable."""
        if not self.waiting():
            return 0
        with self._locked() as descriptor:
            with os.fdopen(os.dup(descriptor), "rb") as file:
                file.seek(0)
                lines = [line for line in file.read().splitlines() if line.strip()]
            entries = []
            for number, line in enumerate(lines, start=1):
                try:
                    entries.append(_read(line))
                except (ValueError, TypeError, KeyError):  # a line cut short by a crash while writing
                    log.error("message-log journal %s: line %d unreadable, left out", self.path, number)
            if entries:
                with database.write() as session:
                    append_dated(session, entries)
            os.ftruncate(descriptor, 0)
            os.fsync(descriptor)
        log.warning("message-log journal: %d exchanges logged after an outage", len(entries))
        return len(entries)
