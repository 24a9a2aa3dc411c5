"""The message log's chainer: chains what was stored but not chained, in every server process.

Each run chains the exchanges stored with their change whose requests did not log them
(``log_pending.chain_pending``, after a grace time that lets a running request do it itself),
then the outage journal (``log_journal``). Both wait for the chain's head lock, so any number of
processes may run a chainer. A run that finds the database unreachable leaves everything for the
next one.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from ereceipt.core.errors import TransientOutage
from ereceipt.core.storage.database import Database
from ereceipt.soap.log_journal import OutageJournal
from ereceipt.soap.log_pending import chain_pending

log = logging.getLogger("ereceipt.soap")


class LogChainer:
    def __init__(
        self, database: Database, journal: OutageJournal, *, pending_after: timedelta, interval_seconds: float
    ) -> None:
        self.database = database
        self.journal = journal
        self.pending_after = pending_after
        self.interval_seconds = interval_seconds

    def run_once(self) -> tuple[int, int]:
        """Chain what waits; how many (pending rows, journaled exchanges)."""
        pending = chain_pending(self.database, self.pending_after)
        if pending:
            log.warning("message log: %d exchanges stored with their change chained late", pending)
        return pending, self.journal.replay(self.database)

    def start(self) -> threading.Thread:
        """Run now, then every ``interval_seconds``, in a daemon thread of this process."""
        thread = threading.Thread(target=self._loop, name="message-log-chainer", daemon=True)
        thread.start()
        return thread

    def _loop(self) -> None:
        stop = threading.Event()
        while not stop.is_set():
            try:
                self.run_once()
            except TransientOutage as exc:
                log.info("message-log chainer: %s; trying again later", exc)
            except Exception:
                log.exception("message-log chainer failed; trying again later")
            stop.wait(self.interval_seconds)
