"""Exchanges written in the transaction of the change they make, chained into the message log afterwards.

A request that changes something (``notifyOnlinePayment`` records a payment and issues its receipt)
is in flight in its thread (``changing``) while its operation runs. The transaction that makes the
change calls ``write_pending`` (the issuer's ``on_issued`` hook, wired by the app), which adds a row
to ``message_log_pending`` in that same transaction: a committed payment always has its exchange
stored. The request's own log record (``MessageLog.record``) later deletes that row in the
transaction that chains the record, so the exchange is chained once, with its answer. Should the
process die between the two, ``chain_pending`` moves the row into the chain (outcome
``unanswered``: its answer is not in the log) under the chain's head lock, in id order. Neither step holds
the head lock while a receipt is signed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ereceipt.core.storage.database import Database
from ereceipt.core.storage.message_log_tables import PendingExchange
from ereceipt.soap.message_log import Exchange, append_dated

UNANSWERED = "unanswered"  # the outcome of a pending exchange chained without its request's record


@dataclass
class InFlight:
    """What is known of a changing request's exchange before its operation runs."""

    client: str | None
    service: str | None
    operation: str | None
    xroad_id: str | None
    user_id: str | None
    request: bytes
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    written: bool = False  # a pending row was written (its transaction may still have rolled back)


_in_flight: ContextVar[InFlight | None] = ContextVar("exchange_in_flight", default=None)


@contextmanager
def changing(in_flight: InFlight) -> Iterator[InFlight]:
    """Run the block with ``in_flight`` as this thread's changing request."""
    reset = _in_flight.set(in_flight)
    try:
        yield in_flight
    finally:
        _in_flight.reset(reset)


def write_pending(session: Session) -> None:
    """Inside a business transaction: store the exchange in flight in this thread, if any, unchained."""
    in_flight = _in_flight.get()
    if in_flight is None:
        return
    row = {
        "token": in_flight.token,
        "at": datetime.now(UTC),
        **{name: getattr(in_flight, name) for name in ("client", "service", "operation", "xroad_id")},
        "user_id": in_flight.user_id,
        "request": in_flight.request,
    }
    session.execute(insert(PendingExchange.__table__), [row])
    in_flight.written = True


def _exchange(row: PendingExchange) -> Exchange:
    return Exchange(
        row.client, row.service, row.operation, row.xroad_id, row.user_id, UNANSWERED, 0, 0, row.request, b""
    )


def chain_pending(database: Database, older_than: timedelta, *, now: datetime | None = None) -> int:
    """Chain the pending rows written before ``now - older_than``, in id order, under the head lock;
    how many. A request still running leaves its row to its own record if it comes within
    ``older_than``; one that comes later is chained as a record of its own as well."""
    before = (now or datetime.now(UTC)) - older_than
    table = PendingExchange.__table__
    with database.write() as session:
        # The head first: a request's record that moved its own row is committed before we look.
        append_dated(session, [])
        rows = session.scalars(select(PendingExchange).where(table.c.at < before).order_by(table.c.id)).all()
        if not rows:
            return 0
        append_dated(session, [(row.at, _exchange(row)) for row in rows])
        session.execute(delete(table).where(table.c.id.in_([row.id for row in rows])))
    return len(rows)


def pending_count(database: Database) -> int:
    """How many exchanges are stored but not chained yet."""
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(PendingExchange.__table__))
