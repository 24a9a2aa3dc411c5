"""A sequencer run's rows: canonical entries read from the stored receipts, leaves and tree nodes
written in bulk (PostgreSQL ``COPY``, RFC 9162 §2.1 nodes as ``merkle.Frontier`` closes them).

No receipt XML is read: the identity digest was stored at issue time. A run appends tens of
thousands of leaves, so rows stay plain tuples and PostgreSQL receives each table as one ``COPY``
text stream built here (a statement per row, or the driver adapting value by value, costs several
times more than hashing). The leaves' stream is written chunk by chunk while the entries are
encoded: the server inserts one chunk while the sequencer encodes and hashes the next, on the
other core, instead of the two taking turns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    and_,
    any_,
    bindparam,
    insert,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from ereceipt.core.errors import Conflict
from ereceipt.core.receipts.tables import Issuer, Receipt, ReceiptSeries
from ereceipt.core.transparency import merkle
from ereceipt.core.transparency.backfill import Event
from ereceipt.core.transparency.entries import encode_entry
from ereceipt.core.transparency.tables import LogLeaf, LogNode

log = logging.getLogger("ereceipt.transparency")
_NULL = "\\N"  # NULL in COPY's text format
CHUNK = 1000  # leaves encoded and sent to the database at a time


def among(connection: Connection, column, values: Sequence[int]):
    """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter instead of thousands."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(BigInteger)))
    return column.in_(values)


def append(connection: Connection, events: Sequence[Event], frontier: merkle.Frontier, now: datetime) -> int:
    """Appends the leaves of ``events`` at the frontier's next indexes, with the subtrees they
    close; the number of leaves appended.

    Entries are encoded and hashed ``CHUNK`` at a time, each chunk written as soon as it is ready:
    on PostgreSQL into one ``COPY`` stream, which the server consumes while the next chunk is
    encoded."""
    chunks = _chunks(_receipts(connection, events), events, frontier)
    if connection.dialect.name == "postgresql":
        return _copy(connection, chunks, now)
    appended = 0
    for first, leaves, nodes in chunks:
        _insert(connection, first, leaves, nodes, now)
        appended += len(leaves)
    return appended


def _receipts(connection: Connection, events: Sequence[Event]) -> dict[int, tuple]:
    """The stored fields of the receipts of ``events`` that an entry carries, by receipt id."""
    if not events:
        return {}
    original = aliased(Receipt)
    # Times as the database keeps them (UTC, naive): the entry writes them as UTC anyway.
    issued_at, cancelled_at = (type_coerce(c, DateTime()) for c in (Receipt.issued_at, Receipt.cancelled_at))
    query = (
        select(
            Receipt.id,
            Issuer.code,
            ReceiptSeries.template_number,
            ReceiptSeries.series_symbol,
            Receipt.number,
            Receipt.year,
            Receipt.amount,
            issued_at,
            cancelled_at,
            Receipt.identity_digest,
            original.number,
        )
        .join(ReceiptSeries, ReceiptSeries.id == Receipt.series_id)
        .join(Issuer, Issuer.id == ReceiptSeries.issuer_id)
        .outerjoin(original, and_(original.id == Receipt.replaces_id))
        .where(among(connection, Receipt.id, sorted({e.receipt_id for e in events})))
    )
    return {row[0]: row for row in connection.execute(query).all()}


def _chunks(
    receipts: dict[int, tuple], events: Sequence[Event], frontier: merkle.Frontier
) -> Iterator[tuple[int, list[tuple[Event, bytes]], list[tuple[int, int, bytes]]]]:
    """Per ``CHUNK`` events: the index of its first leaf, its leaves (event and canonical entry) and
    the subtrees they close, the frontier extended by them.

    An event whose receipt is no longer in the database (deleted behind the system's back) is left
    out, loudly: its number is then missing from the log, which is what an auditor looks for."""
    for start in range(0, len(events), CHUNK):
        leaves = []
        for event in events[start : start + CHUNK]:
            row = receipts.get(event.receipt_id)
            if row is None:
                log.error(
                    "receipt %s of a %s event is not in the database; left out of the log",
                    event.receipt_id,
                    event.event,
                )
                continue
            leaves.append((event, _entry(event, row)))
        if leaves:
            first = frontier.size
            yield first, leaves, frontier.extend([merkle.leaf_hash(entry) for _, entry in leaves])


def _entry(event: Event, row: tuple) -> bytes:
    rid, code, template, series, number, year, amount, issued_at, cancelled_at, identity, replaces = row
    if not identity:
        raise Conflict(f"receipt {rid} has no identity digest; it cannot enter the log")
    kind = event.event
    time = (cancelled_at if kind == "cancelled" else issued_at).replace(tzinfo=UTC)
    replaces = replaces if kind == "replaced" else None
    return encode_entry(kind, code, template, series, number, year, amount, time, identity, replaces)


def _insert(
    connection: Connection,
    first: int,
    leaves: Sequence[tuple[Event, bytes]],
    nodes: Sequence[tuple[int, int, bytes]],
    now: datetime,
) -> None:
    """Stores ``leaves`` at indexes ``first``, ``first + 1``, … and the subtrees they closed."""
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


def _copy(connection: Connection, chunks: Iterable, now: datetime) -> int:
    """Streams the leaves into one ``COPY`` as their chunks come, then the subtrees into another.

    COPY's text format: tab-separated, \\N for NULL, bytea as \\x and hex (its backslash doubled)."""
    at = now.astimezone(UTC).replace(tzinfo=None).isoformat()
    appended, node_rows = 0, []
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:
        columns = "idx, receipt_id, event, source_event, entry, integrated_at"
        with cursor.copy(f"COPY {LogLeaf.__tablename__} ({columns}) FROM STDIN") as copy:
            for first, leaves, nodes in chunks:
                copy.write(
                    "".join(
                        f"{first + n}\t{event.receipt_id}\t{event.event}\t"
                        f"{_NULL if event.source_event is None else event.source_event}"
                        f"\t\\\\x{entry.hex()}\t{at}\n"
                        for n, (event, entry) in enumerate(leaves)
                    )
                )
                node_rows.extend(f"{level}\t{idx}\t\\\\x{digest.hex()}\n" for level, idx, digest in nodes)
                appended += len(leaves)
        with cursor.copy(f"COPY {LogNode.__tablename__} (level, idx, hash) FROM STDIN") as copy:
            copy.write("".join(node_rows))
    return appended
