"""The sequencer: turns committed receipt events into log leaves and signs a checkpoint (RFC 9162 §4).

Events come from the append-only audit trail (``receipt.issued``, ``receipt.cancelled``,
``receipt.replaced``), which the issuing transaction writes anyway, so issuing does no work for the
log and never waits for it. Receipts that were issued before the log existed are appended first,
once, in number order (year, series, number), their cancellations after them (``backfill``).

One sequencer at a time: on PostgreSQL a transaction-scoped advisory lock, on SQLite the write
lock that ``BEGIN IMMEDIATE`` takes. Each run is one transaction that appends at most
``batch_size`` leaves, stores the subtrees they close and signs the new checkpoint; a crash rolls
all of it back, so the tree and its checkpoint never disagree. Runs use Core statements and bulk
writes (``leaf_batch``): no ORM object is made per leaf.

Order. On SQLite writers take turns, so every event visible to the sequencer is final and ids
follow commit order. On PostgreSQL an id is taken at insert but visible only at commit, so a run
takes only events whose transaction ended before the oldest writing transaction still open on
this database began (the row's ``xmin`` is older than that transaction's id, read from
``pg_stat_activity``): events are appended in commit order as far as that can be seen. A late
commit is never lost: the scan restarts ``LATE_WINDOW`` events behind the last one appended and
skips what is already in the log. The log starts its scan ``LATE_WINDOW`` events behind the last
event it could see, so a receipt whose transaction was open when the log started is the audit
trail's even where the backfill has passed its number. A leaf's index, once given, never changes.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Connection,
    String,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from ereceipt.core.errors import Conflict
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.storage.audit import AuditEvent
from ereceipt.core.storage.database import Database
from ereceipt.core.transparency import backfill, leaf_batch, merkle
from ereceipt.core.transparency.backfill import Event
from ereceipt.core.transparency.checkpoint import Checkpoint, sign_checkpoint
from ereceipt.core.transparency.leaf_batch import among
from ereceipt.core.transparency.signed_note import Signer
from ereceipt.core.transparency.store import LogStore
from ereceipt.core.transparency.tables import LogCheckpoint, LogLeaf, LogState

ADVISORY_LOCK = 0x7472616E73  # "trans": one sequencer across every process on the database
LATE_WINDOW = 10_000
# The oldest transaction of another session on this database that has written something (and so
# may still add audit events with lower ids than ones already visible). A transaction that has
# written nothing yet takes its ids after every row visible now. Other databases do not count.
_OLDEST_WRITER = """
SELECT backend_xid::text FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL
ORDER BY age(backend_xid) DESC LIMIT 1
"""
ACTIONS = {"receipt.issued": "issued", "receipt.cancelled": "cancelled", "receipt.replaced": "replaced"}
_STATE = LogState.__table__


@dataclass(frozen=True)
class Integration:
    old_size: int
    new_size: int
    backfilling: bool

    @property
    def appended(self) -> int:
        return self.new_size - self.old_size


def integrate(
    database: Database, signer: Signer, *, batch_size: int, clock: Callable[[], datetime]
) -> Integration:
    """One run: append up to ``batch_size`` events and sign a checkpoint of the new size."""
    with _cyclic_gc_paused(), database.write_connection() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK)))
        state = connection.execute(select(_STATE).where(_STATE.c.id == 1)).first() or _start(connection)
        old_size, backfilling, low_water = state.size, not state.backfill_done, state.audit_low_water
        if backfilling:
            events = backfill.next_events(connection, old_size, state.backfill_upto, batch_size)
            backfilling = bool(events)
        if not backfilling:
            events, low_water = _audit_events(connection, low_water, batch_size)
        frontier = merkle.Frontier.load(old_size, LogStore(connection).read_hashes)
        now = clock()
        appended = leaf_batch.append(connection, events, frontier, now)
        connection.execute(
            update(_STATE)
            .where(_STATE.c.id == 1)
            .values(size=frontier.size, backfill_done=not backfilling, audit_low_water=low_water)
        )
        exists_already = connection.execute(
            select(LogCheckpoint.size).where(LogCheckpoint.size == frontier.size)
        ).first()
        if appended or exists_already is None:
            note = sign_checkpoint(Checkpoint(signer.name, frontier.size, frontier.root()), signer)
            row = {"size": frontier.size, "root": frontier.root(), "note": note, "signed_at": now}
            connection.execute(insert(LogCheckpoint).values(row))
        return Integration(old_size, frontier.size, backfilling)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pauses Python's cyclic garbage collector for one run.

    A run holds tens of thousands of fresh rows and entries (tuples, strings and bytes, in no
    reference cycle); while they live, the collector would walk them, and every object of the
    process, several times (about a third of the sequencer's CPU per leaf). They are freed by
    reference counting; the collector resumes after the run (if it was running) and takes any cycle
    made meanwhile."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _start(connection: Connection):
    """The log's state when it starts: the receipts it can see are the backfill's, and the audit
    scan begins ``LATE_WINDOW`` events behind the last one it can see."""
    values = {
        "id": 1,
        "size": 0,
        "backfill_upto": connection.scalar(select(func.coalesce(func.max(Receipt.id), 0))),
        "backfill_done": False,
        "audit_low_water": max(
            0, connection.scalar(select(func.coalesce(func.max(AuditEvent.id), 0))) - LATE_WINDOW
        ),
    }
    connection.execute(insert(_STATE).values(values))
    return connection.execute(select(_STATE).where(_STATE.c.id == 1)).one()


def _audit_events(connection: Connection, low_water: int, limit: int) -> tuple[list[Event], int]:
    """Audit events not yet in the log, in id order, of transactions that can no longer change;
    and the new low-water mark."""
    query = (
        select(AuditEvent.id, AuditEvent.action, AuditEvent.entity_id)
        .where(
            AuditEvent.id > low_water,
            AuditEvent.action.in_(tuple(ACTIONS)),
            AuditEvent.entity == "receipt",
            ~exists().where(LogLeaf.source_event == AuditEvent.id),
        )
        .order_by(AuditEvent.id)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        oldest = connection.scalar(text(_OLDEST_WRITER))
        if oldest is not None:  # only rows written by transactions that ended before it began
            query = query.where(
                func.age(literal_column("audit_event.xmin"))
                > func.age(literal_column(f"'{int(oldest)}'::xid"))
            )
    rows = connection.execute(query).all()
    events = _resolve(connection, rows)
    if rows:
        low_water = max(low_water, rows[-1].id - LATE_WINDOW)
    return events, low_water


def _resolve(connection: Connection, rows: Sequence) -> list[Event]:
    """The receipt each audit event is about; one already in the log (backfilled) is marked, not added."""
    subjects = [int(row.entity_id) for row in rows]
    replaced = [s for s, r in zip(subjects, rows, strict=True) if r.action == "receipt.replaced"]
    replacements = {}
    if replaced:
        wanted = among(connection, Receipt.replaces_id, replaced)
        query = select(Receipt.replaces_id, Receipt.id).where(wanted)
        replacements = dict(connection.execute(query).all())
    events = []
    for subject, row in zip(subjects, rows, strict=True):
        kind = ACTIONS[row.action]
        receipt_id = replacements.get(subject) if kind == "replaced" else subject
        if receipt_id is None:
            raise Conflict(f"audit event {row.id}: no replacement receipt of receipt {subject}")
        events.append(Event(receipt_id, kind, row.id))
    if not events:
        return []
    present = {
        (receipt_id, event): source
        for receipt_id, event, source in connection.execute(
            select(LogLeaf.receipt_id, LogLeaf.event, LogLeaf.source_event).where(
                among(connection, LogLeaf.receipt_id, [e.receipt_id for e in events])
            )
        ).all()
    }
    new, seen, answered = [], set(present), []
    for event in events:
        key = (event.receipt_id, event.event)
        if key in present:
            if present[key] is None:  # the leaf answers this event from now on (the first one only)
                present[key] = event.source_event
                answered.append(event)
        elif key not in seen:
            seen.add(key)
            new.append(event)
    _mark_answered(connection, answered)
    return new


def _mark_answered(connection: Connection, events: Sequence[Event]) -> None:
    """Records which audit event each already-present leaf answers (leaves that answered none yet:
    the caller checked, under the sequencer's lock), in one statement."""
    if not events:
        return
    if connection.dialect.name == "postgresql":
        leaf = LogLeaf.__table__

        def column(name: str, values: list, kind) -> object:
            return func.unnest(bindparam(name, values, type_=ARRAY(kind))).label(name)

        given = select(
            column("r", [e.receipt_id for e in events], BigInteger),
            column("e", [e.event for e in events], String),
            column("s", [e.source_event for e in events], BigInteger),
        ).subquery()
        connection.execute(
            update(leaf)
            .where(leaf.c.receipt_id == given.c.r, leaf.c.event == given.c.e)
            .values(source_event=given.c.s)
        )
        return
    connection.execute(
        update(LogLeaf)
        .where(
            LogLeaf.receipt_id == bindparam("r"),
            LogLeaf.event == bindparam("e"),
        )
        .values(source_event=bindparam("s")),
        [{"r": e.receipt_id, "e": e.event, "s": e.source_event} for e in events],
    )
