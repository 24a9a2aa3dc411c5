"""Stored receipts taken from level B to level T (XAdES-T, ETSI EN 319 132-1) in bounded runs.

Receipts are issued at level B, so issuing never waits for the TSA. A run takes at most ``limit``
receipts still at level B, oldest first, asks the TSA for a signature time-stamp on each and stores
the receipt again with it, at level T. Receipts are read and stored in chunks of ``CHUNK``, one
short transaction each way (``core.receipts.signature_levels``); the TSA is never called inside
one. ``parallel`` requests are in flight at once, since a TSA round trip is mostly waiting, and
the next chunk is read and handed to them before this one is stored, so they never wait for the
database or for the slowest request of a group. A TSA out of reach ends the run: no request starts
after the first that failed, what was time-stamped is stored, the rest waits for the next run. The
receipt's identity digest must be the same after the time-stamp is added, or nothing is stored.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from ereceipt.core.receipts.signature_levels import (
    Row,
    count_at,
    read_rows,
    receipts_at,
    store_upgraded,
    upgraded_xml,
)
from ereceipt.core.signatures.timestamp import TimeStampAuthority, TimeStampUnavailable
from ereceipt.core.signatures.xades_t import SignatureLevel, upgrade_to_t
from ereceipt.core.storage.database import Database
from ereceipt.core.xml.parser import parse_xml

log = logging.getLogger("ereceipt.time_stamping")
CHUNK = 32  # receipts read in one query and stored in one transaction: short, so issuing seldom waits


@dataclass(frozen=True)
class TimeStampRun:
    upgraded: int
    waiting: int  # receipts still at level B after the run
    outage: str | None = None  # why the TSA could not be used, when it could not

    def __str__(self) -> str:
        tail = f"; TSA unavailable: {self.outage}" if self.outage else ""
        return f"{self.upgraded} receipts to level T, {self.waiting} waiting at level B{tail}"


def _time_stamped(
    tsa: TimeStampAuthority, row: Row, outage: threading.Event
) -> tuple[int, bytes, bytes] | None:
    """(id, the XML read, the XML at level T), or None when the TSA was found out of reach before this
    receipt's turn; the TSA is called outside any transaction."""
    if outage.is_set():
        return None
    try:
        return upgraded_xml(row, upgrade_to_t(parse_xml(row[1]), tsa))
    except TimeStampUnavailable:
        outage.set()
        raise


def time_stamp_receipts(
    database: Database, tsa: TimeStampAuthority, *, limit: int, parallel: int = 1
) -> TimeStampRun:
    """Take at most ``limit`` receipts from level B to T, ``parallel`` TSA requests in flight; stop at
    the first request the TSA could not answer (so an outage costs at most ``parallel`` tries)."""
    pending = receipts_at(database, SignatureLevel.B, limit)
    chunks = [pending[first : first + CHUNK] for first in range(0, len(pending), CHUNK)]
    upgraded, reason, out_of_reach = 0, None, threading.Event()
    with ThreadPoolExecutor(max(1, parallel), thread_name_prefix="time-stamp") as pool:

        def hand_over(ids: list[int]) -> list[Future]:
            return [pool.submit(_time_stamped, tsa, row, out_of_reach) for row in read_rows(database, ids)]

        in_hand = deque(hand_over(ids) for ids in chunks[:2])  # this chunk, and the next one read
        for ids in chunks[2:] + [None] * min(2, len(chunks)):
            if not in_hand:  # nothing handed over since the TSA was found out of reach
                break
            done = []
            for future in in_hand.popleft():
                try:
                    if (result := future.result()) is not None:
                        done.append(result)
                except TimeStampUnavailable as exc:
                    reason = reason or exc.message
            if ids is not None and not out_of_reach.is_set():
                in_hand.append(hand_over(ids))
            upgraded += store_upgraded(database, done, (SignatureLevel.B, SignatureLevel.T))
            if reason:
                log.warning("time-stamping stopped: %s", reason)
                for futures in in_hand:  # those not started return at once
                    for future in futures:
                        future.cancel()
                break
    return TimeStampRun(upgraded, count_at(database, SignatureLevel.B), reason)
