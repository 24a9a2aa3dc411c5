"""Stored receipts taken from level B to level T (XAdES-T, ETSI EN 319 132-1) in bounded runs.

Receipts are issued at level B, so issuing never waits for the TSA. A run takes at most ``limit``
receipts still at level B, oldest first, asks the TSA for a signature time-stamp on each and stores
the receipt again with it, at level T. Each receipt is its own short transaction; the TSA is never
called inside one. ``parallel`` receipts are in hand at once, since a TSA round trip is mostly
waiting. A TSA out of reach ends the run: the receipts wait for the next one. The
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


def _upgrade(database: Database, tsa: TimeStampAuthority, receipt_id: int) -> bool:
    with database.read() as session:
        signed, identity = session.execute(
            select(Receipt.signed_xml, Receipt.identity_digest).where(Receipt.id == receipt_id)
        ).one()
    upgraded = upgrade_to_t(parse_xml(signed), tsa)  # the TSA is called outside any transaction
    if identity is not None and receipt_identity(upgraded) != identity:
        raise RuntimeError(f"receipt {receipt_id}: the identity digest changed with the time-stamp")
    data = etree.tostring(upgraded, xml_declaration=True, encoding="UTF-8")
    with database.write() as session:
        # Only a receipt still at B with the XML read: a concurrent run or a cancellation wins.
        done = session.execute(
            update(Receipt)
            .where(
                Receipt.id == receipt_id,
                Receipt.signature_level == SignatureLevel.B.value,
                Receipt.signed_xml == signed,
            )
            .values(signed_xml=data, signature_level=SignatureLevel.T.value)
        )
        return done.rowcount == 1


def time_stamp_receipts(
    database: Database, tsa: TimeStampAuthority, *, limit: int, parallel: int = 1
) -> TimeStampRun:
    """Take at most ``limit`` receipts from level B to T, ``parallel`` at a time; stop after the
    first group in which the TSA was out of reach (so an outage costs at most ``parallel`` tries)."""
    upgraded, outage, pending, size = 0, None, _pending(database, limit), max(1, parallel)
    with ThreadPoolExecutor(size, thread_name_prefix="time-stamp") as pool:
        for start in range(0, len(pending), size):
            futures = [pool.submit(_upgrade, database, tsa, rid) for rid in pending[start : start + size]]
            for future in futures:
                try:
                    upgraded += future.result()
                except TimeStampUnavailable as exc:
                    outage = outage or exc.message
            if outage:
                log.warning("time-stamping stopped: %s", outage)
                break
    return TimeStampRun(upgraded, _waiting(database), outage)
