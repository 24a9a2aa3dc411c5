"""A sequencer run's rows: canonical entries read from the stored receipts, leaves and tree nodes
written in bulk (PostgreSQL ``COPY``, RFC 9162 §2.1 nodes as ``merkle.Frontier`` closes them).

No receipt XML is read: the identity digest was stored at issue time. A run appends tens of
thousands of leaves, so rows stay plain tuples and PostgreSQL receives each table as one ``COPY``
text stream built here (a statement per row, or the driver adapting value by value, costs several
times more than hashing).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Connection,
    and_,
    any_,
    bindparam,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from ereceipt.core.errors import Conflict
from ereceipt.core.receipts.tables import Issuer, Receipt, ReceiptSeries
from ereceipt.core.transparency.backfill import Event
from ereceipt.core.transparency.entries import encode_entry
from ereceipt.core.transparency.tables import LogLeaf, LogNode

log = logging.getLogger("ereceipt.transparency")
_NULL = "\\N"  # NULL in COPY's text format


def among(connection: Connection, column, values: Sequence[int]):
    """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter instead of thousands."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(BigInteger)))
    return column.in_(values)


def entries(connection: Connection, events: Sequence[Event]) -> list[tuple[Event, bytes]]:
    """The canonical entry of each event, from the stored receipt.

    An event whose receipt is no longer in the database (deleted behind the system's back) is left
    out, loudly: its number is then missing from the log, which is what an auditor looks for."""
    if not events:
        return []
    original = aliased(Receipt)
    rows = {
        row[0]: row
        for row in connection.execute(
            select(
                Receipt.id,
                Issuer.code,
                ReceiptSeries.template_number,
                ReceiptSeries.series_symbol,
                Receipt.number,
                Receipt.year,
                Receipt.amount,
                Receipt.issued_at,
                Receipt.cancelled_at,
                Receipt.identity_digest,
                original.number,
            )
            .join(ReceiptSeries, ReceiptSeries.id == Receipt.series_id)
            .join(Issuer, Issuer.id == ReceiptSeries.issuer_id)
            .outerjoin(original, and_(original.id == Receipt.replaces_id))
            .where(among(connection, Receipt.id, sorted({e.receipt_id for e in events})))
        ).all()
    }
    encoded = []
    for event in events:
        row = rows.get(event.receipt_id)
        if row is None:
            log.error(
                "receipt %s of a %s event is not in the database; left out of the log",
                event.receipt_id,
                event.event,
            )
            continue
        rid, code, template, series, number, year, amount, issued_at, cancelled_at, identity, replaces = row
        if not identity:
            raise Conflict(f"receipt {rid} has no identity digest; it cannot enter the log")
        kind = event.event
        time = cancelled_at if kind == "cancelled" else issued_at
        replaces = replaces if kind == "replaced" else None
        entry = encode_entry(kind, code, template, series, number, year, amount, time, identity, replaces)
        encoded.append((event, entry))
    return encoded


def write(
    connection: Connection,
    first: int,
    leaves: Sequence[tuple[Event, bytes]],
    nodes: Sequence[tuple[int, int, bytes]],
    now: datetime,
) -> None:
    """Stores ``leaves`` at indexes ``first``, ``first + 1``, … and the subtrees they closed."""
    if connection.dialect.name != "postgresql":
        connection.execute(
            insert(LogLeaf),
            [
                {
                    "idx": first + n,
                    "receipt_id": event.receipt_id,
                    "event": event.event,
                    "source_event": event.source_event,
                    "entry": entry,
                    "integrated_at": now,
                }
                for n, (event, entry) in enumerate(leaves)
            ],
        )
        connection.execute(insert(LogNode), [{"level": lv, "idx": i, "hash": h} for lv, i, h in nodes])
        return
    # COPY's text format: tab-separated, \N for NULL, bytea as \x and hex (its backslash doubled).
    at = now.astimezone(UTC).replace(tzinfo=None).isoformat()
    leaf_rows = "".join(
        f"{first + n}\t{event.receipt_id}\t{event.event}\t"
        f"{_NULL if event.source_event is None else event.source_event}\t\\\\x{entry.hex()}\t{at}\n"
        for n, (event, entry) in enumerate(leaves)
    )
    node_rows = "".join(f"{level}\t{idx}\t\\\\x{digest.hex()}\n" for level, idx, digest in nodes)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:
        for table, columns, data in (
            (LogLeaf.__tablename__, "idx, receipt_id, event, source_event, entry, integrated_at", leaf_rows),
            (LogNode.__tablename__, "level, idx, hash", node_rows),
        ):
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(data)
