"""Stored receipts taken from level B to level T (XAdES-T, ETSI EN 319 132-1) in bounded runs.

Receipts are issued at level B, so issuing never waits for the TSA. A run takes at most ``limit``
receipts still at level B, oldest first, asks the TSA for a signature time-stamp on each and stores
the receipt again with it, at level T. Receipts are read and stored in chunks of ``CHUNK``, one
short transaction each way (``core.receipts.signature_levels``); the TSA is never called inside
one. ``parallel`` receipts are in hand at once, since a TSA round trip is mostly waiting. A TSA out
of reach ends the run: what was time-stamped is stored, the rest waits for the next run. The
receipt's identity digest must be the same after the time-stamp is added, or nothing is stored.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
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


def _time_stamped(tsa: TimeStampAuthority, row: Row) -> tuple[int, bytes, bytes]:
    """(id, the XML read, the XML at level T); the TSA is called outside any transaction."""
    return upgraded_xml(row, upgrade_to_t(parse_xml(row[1]), tsa))


def time_stamp_receipts(
    database: Database, tsa: TimeStampAuthority, *, limit: int, parallel: int = 1
) -> TimeStampRun:
    """Take at most ``limit`` receipts from level B to T, ``parallel`` at a time; stop after the
    first group in which the TSA was out of reach (so an outage costs at most ``parallel`` tries)."""
    upgraded, outage, size = 0, None, max(1, parallel)
    pending = receipts_at(database, SignatureLevel.B, limit)
    with ThreadPoolExecutor(size, thread_name_prefix="time-stamp") as pool:
        for first in range(0, len(pending), CHUNK):
            rows, done = read_rows(database, pending[first : first + CHUNK]), []
            for start in range(0, len(rows), size):
                futures = [pool.submit(_time_stamped, tsa, row) for row in rows[start : start + size]]
                for future in futures:
                    try:
                        done.append(future.result())
                    except TimeStampUnavailable as exc:
                        outage = outage or exc.message
                if outage:
                    break
            upgraded += store_upgraded(database, done, (SignatureLevel.B, SignatureLevel.T))
            if outage:
                log.warning("time-stamping stopped: %s", outage)
                break
    return TimeStampRun(upgraded, count_at(database, SignatureLevel.B), outage)
