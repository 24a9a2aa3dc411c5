"""Stored receipts by signature level (ETSI EN 319 132-1 baseline levels): which wait at a level, and
storing one again at the next level with the unsigned properties a run added.

A receipt is stored again only if it is still at the level and with the XML that were read (a
concurrent run or a cancellation wins), and only if its identity digest did not change: unsigned
properties never change it.
"""

from __future__ import annotations

from lxml import etree
from sqlalchemy import bindparam, func, select, update

from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.signatures.identity import receipt_identity
from ereceipt.core.signatures.xades_t import SignatureLevel
from ereceipt.core.storage.database import Database

Row = tuple[int, bytes, str | None]  # id, signed XML, identity digest


def receipts_at(database: Database, level: SignatureLevel, limit: int) -> list[int]:
    """The ids of at most ``limit`` receipts at ``level``, oldest first."""
    with database.read() as session:
        query = select(Receipt.id).where(Receipt.signature_level == level.value).order_by(Receipt.id)
        return list(session.scalars(query.limit(limit)))


def count_at(database: Database, level: SignatureLevel) -> int:
    with database.read() as session:
        query = select(func.count()).where(Receipt.signature_level == level.value)
        return session.scalar(query.select_from(Receipt))


def read_rows(database: Database, ids: list[int]) -> list[Row]:
    with database.read() as session:
        query = select(Receipt.id, Receipt.signed_xml, Receipt.identity_digest).where(Receipt.id.in_(ids))
        return [tuple(row) for row in session.execute(query.order_by(Receipt.id))]


def upgraded_xml(row: Row, upgraded: etree._Element) -> tuple[int, bytes, bytes]:
    """(id, the XML read, the upgraded XML), once the identity digest is found unchanged."""
    receipt_id, signed, identity = row
    if identity is not None and receipt_identity(upgraded) != identity:
        raise RuntimeError(f"receipt {receipt_id}: the identity digest changed with unsigned properties")
    return receipt_id, signed, etree.tostring(upgraded, xml_declaration=True, encoding="UTF-8")


def store_upgraded(
    database: Database, done: list[tuple[int, bytes, bytes]], levels: tuple[SignatureLevel, SignatureLevel]
) -> int:
    """Store each upgraded XML of ``done`` at ``levels[1]`` in place of the one read at ``levels[0]``,
    in one transaction; how many were stored."""
    if not done:
        return 0
    table = Receipt.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("receipt_id"), table.c.signature_level == levels[0].value)
        .where(table.c.signed_xml == bindparam("read"))
        .values(signed_xml=bindparam("upgraded"), signature_level=levels[1].value)
    )
    rows = [{"receipt_id": rid, "read": signed, "upgraded": data} for rid, signed, data in done]
    with database.write() as session:
        # One Core statement, compiled once, run per row so that each is counted: a row changed
        # meanwhile (another level, other XML) is not stored.
        return sum(session.connection().execute(statement, [row]).rowcount for row in rows)
