"""Stored receipts taken from level B to level T (XAdES-T, ETSI EN 319 132-1) in bounded runs.

Receipts are issued at level B, so issuing never waits for the TSA. A run takes at most ``limit``
receipts still at level B, oldest first, asks the TSA for a signature time-stamp on each and stores
the receipt again with it, at level T. Receipts are read and written in chunks of ``CHUNK``, one short
transaction each way (one commit per chunk, not per receipt); the TSA is never called inside a
transaction. ``parallel`` receipts are in hand at once, since a TSA round trip is mostly waiting. A
TSA out of reach ends the run: what was time-stamped is stored, the rest waits for the next run. The
receipt's identity digest must be the same after the time-stamp is added, or nothing is stored.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lxml import etree
from sqlalchemy import func, select, update

from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.signatures.identity import receipt_identity
from ereceipt.core.signatures.timestamp import TimeStampAuthority, TimeStampUnavailable
from ereceipt.core.signatures.xades_t import SignatureLevel, upgrade_to_t
from ereceipt.core.storage.database import Database
from ereceipt.core.xml.parser import parse_xml

log = logging.getLogger("ereceipt.time_stamping")
CHUNK = 50  # receipts read in one query and stored in one transaction


@dataclass(frozen=True)
class TimeStampRun:
    upgraded: int
    waiting: int  # receipts still at level B after the run
    outage: str | None = None  # why the TSA could not be used, when it could not

    def __str__(self) -> str:
        tail = f"; TSA unavailable: {self.outage}" if self.outage else ""
        return f"{self.upgraded} receipts to level T, {self.waiting} waiting at level B{tail}"


def _pending(database: Database, limit: int) -> list[int]:
    with database.read() as session:
        query = (
            select(Receipt.id)
            .where(Receipt.signature_level == SignatureLevel.B.value)
            .order_by(Receipt.id)
            .limit(limit)
        )
        return list(session.scalars(query))


def _waiting(database: Database) -> int:
    with database.read() as session:
        query = select(func.count()).where(Receipt.signature_level == SignatureLevel.B.value)
        return session.scalar(query.select_from(Receipt))


def _read(database: Database, ids: list[int]) -> list[tuple[int, bytes, str | None]]:
    with database.read() as session:
        query = select(Receipt.id, Receipt.signed_xml, Receipt.identity_digest).where(Receipt.id.in_(ids))
        return [tuple(row) for row in session.execute(query.order_by(Receipt.id))]


def _time_stamped(tsa: TimeStampAuthority, row: tuple[int, bytes, str | None]) -> tuple[int, bytes, bytes]:
    """(id, the XML read, the XML at level T); the TSA is called outside any transaction."""
    receipt_id, signed, identity = row
    upgraded = upgrade_to_t(parse_xml(signed), tsa)
    if identity is not None and receipt_identity(upgraded) != identity:
        raise RuntimeError(f"receipt {receipt_id}: the identity digest changed with the time-stamp")
    return receipt_id, signed, etree.tostring(upgraded, xml_declaration=True, encoding="UTF-8")


def _store(database: Database, done: list[tuple[int, bytes, bytes]]) -> int:
    if not done:
        return 0
    stored = 0
    with database.write() as session:
        for receipt_id, signed, data in done:
            # Only a receipt still at B with the XML read: a concurrent run or a cancellation wins.
            result = session.execute(
                update(Receipt)
                .where(
                    Receipt.id == receipt_id,
                    Receipt.signature_level == SignatureLevel.B.value,
                    Receipt.signed_xml == signed,
                )
                .values(signed_xml=data, signature_level=SignatureLevel.T.value)
            )
            stored += result.rowcount
    return stored


def time_stamp_receipts(
    database: Database, tsa: TimeStampAuthority, *, limit: int, parallel: int = 1
) -> TimeStampRun:
    """Take at most ``limit`` receipts from level B to T, ``parallel`` at a time; stop after the
    first group in which the TSA was out of reach (so an outage costs at most ``parallel`` tries)."""
    upgraded, outage, pending, size = 0, None, _pending(database, limit), max(1, parallel)
    with ThreadPoolExecutor(size, thread_name_prefix="time-stamp") as pool:
        for first in range(0, len(pending), CHUNK):
            rows, done = _read(database, pending[first : first + CHUNK]), []
            for start in range(0, len(rows), size):
                futures = [pool.submit(_time_stamped, tsa, row) for row in rows[start : start + size]]
                for future in futures:
                    try:
                        done.append(future.result())
                    except TimeStampUnavailable as exc:
                        outage = outage or exc.message
                if outage:
                    break
            upgraded += _store(database, done)
            if outage:
                log.warning("time-stamping stopped: %s", outage)
                break
    return TimeStampRun(upgraded, _waiting(database), outage)
