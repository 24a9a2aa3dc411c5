"""The log's one-off backfill: receipts issued before the log, in number order, then their cancellations.

Issues (and replacements) come in number order — year, series, number — then the cancellations of
those receipts in the order they happened. Each run continues from the receipt of the log's last
leaf (a keyset position: while the backfill lasts every leaf is one of its own), so a run reads
only the receipts it appends, however many came before.

The backfill covers the receipts the log could see when it started (ids up to ``backfill_upto``).
A receipt whose transaction was still open then may commit later below the position; it is not
lost: its audit event lies above the low-water mark the log started with (the sequencer sets it
``LATE_WINDOW`` events back), so the audit trail appends it, and a receipt the backfill did take
is not appended twice (the sequencer matches its event to the leaf already there).

Within a (year, series) the unique index on (series, year, number) gives the next receipts in
order; the next (year, series) is found per series through the same index, so no run sorts or
scans the receipts before its position.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.orm import aliased

from ereceipt.core.errors import Conflict
from ereceipt.core.receipts.tables import Receipt, ReceiptSeries
from ereceipt.core.transparency.tables import LogLeaf


class Event(NamedTuple):
    """One receipt event to append: the receipt, the event, the audit event it answers (if any)."""

    receipt_id: int
    event: str
    source_event: int | None


@dataclass(frozen=True)
class _Position:
    event: str
    year: int
    series_id: int
    number: int
    cancelled_at: datetime | None
    receipt_id: int


def next_events(connection: Connection, size: int, upto: int, limit: int) -> list[Event]:
    """The next at most ``limit`` backfill events after the log's first ``size`` leaves; none when
    the backfill is complete."""
    position = _position(connection, size)
    if position is None or position.event != "cancelled":
        events = _issues(connection, position, upto, limit)
        if events:
            return events
        position = None
    return _cancellations(connection, position, upto, limit)


def _position(connection: Connection, size: int) -> _Position | None:
    if size == 0:
        return None
    row = connection.execute(
        select(
            LogLeaf.event,
            Receipt.year,
            Receipt.series_id,
            Receipt.number,
            Receipt.cancelled_at,
            Receipt.id,
        )
        .join(Receipt, Receipt.id == LogLeaf.receipt_id)
        .where(LogLeaf.idx == size - 1)
    ).first()
    if row is None:
        raise Conflict(f"the receipt of leaf {size - 1} is not in the database; the backfill cannot go on")
    return _Position(*row)


def _issues(connection: Connection, position: _Position | None, upto: int, limit: int) -> list[Event]:
    """Receipts in number order after ``position``: within its (year, series), then group by group."""
    if position is None:
        group, number = _next_group(connection, None), 0
    else:
        group, number = (position.year, position.series_id), position.number
    events: list[Event] = []
    while group is not None and len(events) < limit:
        year, series = group
        wanted = limit - len(events)
        rows = connection.execute(
            select(Receipt.id, Receipt.replaces_id)
            .where(
                Receipt.series_id == series,
                Receipt.year == year,
                Receipt.number > number,
                Receipt.id <= upto,
            )
            .order_by(Receipt.number)
            .limit(wanted)
        ).all()
        events.extend(Event(r.id, "replaced" if r.replaces_id else "issued", None) for r in rows)
        if len(rows) == wanted:
            break
        group, number = _next_group(connection, group), 0
    return events


def _next_group(connection: Connection, after: tuple[int, int] | None) -> tuple[int, int] | None:
    """The (year, series) after ``after`` in that order that has receipts; the first when None.

    For each series, the smallest year of its receipts beyond the position (an index lookup)."""
    other = aliased(Receipt)
    beyond = other.series_id == ReceiptSeries.id
    if after is not None:
        year, series = after
        beyond = and_(beyond, or_(other.year > year, and_(other.year == year, ReceiptSeries.id > series)))
    first_year = select(func.min(other.year)).where(beyond).scalar_subquery()
    groups = select(ReceiptSeries.id.label("series"), first_year.label("year")).subquery()
    row = connection.execute(
        select(groups.c.year, groups.c.series)
        .where(groups.c.year.is_not(None))
        .order_by(groups.c.year, groups.c.series)
        .limit(1)
    ).first()
    return (row.year, row.series) if row else None


def _cancellations(connection: Connection, position: _Position | None, upto: int, limit: int) -> list[Event]:
    """Cancellations of the backfill's receipts in time order (then id), after ``position``."""
    query = select(Receipt.id).where(Receipt.id <= upto, Receipt.cancelled_at.is_not(None))
    if position is not None:
        at = position.cancelled_at
        query = query.where(
            or_(Receipt.cancelled_at > at, and_(Receipt.cancelled_at == at, Receipt.id > position.receipt_id))
        )
    rows = connection.execute(query.order_by(Receipt.cancelled_at, Receipt.id).limit(limit)).all()
    return [Event(r.id, "cancelled", None) for r in rows]
