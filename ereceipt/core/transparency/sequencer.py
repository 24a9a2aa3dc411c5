"""The sequencer: turns committed receipt events into log leaves and signs a checkpoint (RFC 9162 §4).

Events come from the append-only audit trail (``receipt.issued``, ``receipt.cancelled``,
``receipt.replaced``), which the issuing transaction writes anyway, so issuing does no work for the
log and never waits for it. Receipts that were issued before the log existed are appended first,
once, in number order (year, series, number), their cancellations after them.

One sequencer at a time: on PostgreSQL a transaction-scoped advisory lock, on SQLite the write
lock that ``BEGIN IMMEDIATE`` takes. Each run is one transaction that appends at most
``batch_size`` leaves, stores the subtrees they close and signs the new checkpoint; a crash rolls
all of it back, so the tree and its checkpoint never disagree.

Order. On SQLite writers take turns, so every event visible to the sequencer is final and ids
follow commit order. On PostgreSQL an id is taken at insert but visible only at commit, so a run
takes only events whose transaction ended before the oldest writing transaction still open on
this database began (the row's ``xmin`` is older than that transaction's id, read from
``pg_stat_activity``): events are appended in commit order as far as that can be seen. A late
commit is never lost: the scan restarts ``LATE_WINDOW`` events behind the last one appended and
skips what is already in the log. A leaf's index, once given, never changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    and_,
    any_,
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
from sqlalchemy.orm import Session, aliased

from ereceipt.core.errors import Conflict
from ereceipt.core.receipts.tables import Issuer, Receipt, ReceiptSeries
from ereceipt.core.storage.audit import AuditEvent
from ereceipt.core.storage.database import Database
from ereceipt.core.transparency import merkle
from ereceipt.core.transparency.checkpoint import Checkpoint, sign_checkpoint
from ereceipt.core.transparency.entries import LogEntry, ReceiptNumber
from ereceipt.core.transparency.signed_note import Signer
from ereceipt.core.transparency.store import LogStore
from ereceipt.core.transparency.tables import LogCheckpoint, LogLeaf, LogNode, LogState

log = logging.getLogger("ereceipt.transparency")
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


@dataclass(frozen=True)
class Integration:
    old_size: int
    new_size: int
    backfilling: bool

    @property
    def appended(self) -> int:
        return self.new_size - self.old_size


@dataclass(frozen=True)
class _Event:
    receipt_id: int
    event: str
    source_event: int | None


def integrate(
    database: Database, signer: Signer, *, batch_size: int, clock: Callable[[], datetime]
) -> Integration:
    """One run: append up to ``batch_size`` events and sign a checkpoint of the new size."""
    with database.write() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK)))
        state = session.get(LogState, 1) or _start(session)
        old_size, backfilling = state.size, not state.backfill_done
        events = _backfill_events(session, state, batch_size) if backfilling else []
        if backfilling and not events:
            state.backfill_done, backfilling = True, False
        if not backfilling:
            events = _audit_events(session, state, batch_size)
        store = LogStore(session)
        frontier = merkle.Frontier.load(old_size, store.read_hashes)
        now = clock()
        leaves, nodes = [], []
        for event, entry in _entries(session, events):
            leaves.append(
                {
                    "idx": frontier.size,
                    "receipt_id": event.receipt_id,
                    "event": event.event,
                    "source_event": event.source_event,
                    "entry": entry,
                    "integrated_at": now,
                }
            )
            nodes.extend(
                {"level": node.level, "idx": node.index, "hash": digest}
                for node, digest in frontier.append(merkle.leaf_hash(entry))
            )
        if leaves:
            _insert(session, LogLeaf.__table__, leaves)
            _insert(session, LogNode.__table__, nodes)
            state.size = frontier.size
        if leaves or session.get(LogCheckpoint, frontier.size) is None:
            note = sign_checkpoint(Checkpoint(signer.name, frontier.size, frontier.root()), signer)
            session.add(LogCheckpoint(size=frontier.size, root=frontier.root(), note=note, signed_at=now))
        return Integration(old_size, frontier.size, backfilling)


def _among(session: Session, column, values: list[int]):
    """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter instead of thousands."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(BigInteger)))
    return column.in_(values)


def _insert(session: Session, table, rows: list[dict]) -> None:
    """Many rows at once: COPY on PostgreSQL (a statement per row costs ten times more), executemany
    on SQLite (in process, already fast)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    utc = {name for name in columns if isinstance(rows[0][name], datetime)}
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [row[c].astimezone(UTC).replace(tzinfo=None) if c in utc else row[c] for c in columns]
            copy.write_row(values)


def _start(session: Session) -> LogState:
    state = LogState(
        id=1,
        size=0,
        backfill_upto=session.scalar(select(func.coalesce(func.max(Receipt.id), 0))),
        backfill_done=False,
        audit_low_water=session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0))),
    )
    session.add(state)
    session.flush()
    return state


def _backfill_events(session: Session, state: LogState, limit: int) -> list[_Event]:
    """Receipts from before the log: issues (and replacements) in number order, then cancellations."""
    issued = exists().where(LogLeaf.receipt_id == Receipt.id, LogLeaf.event.in_(("issued", "replaced")))
    rows = session.execute(
        select(Receipt.id, Receipt.replaces_id)
        .where(Receipt.id <= state.backfill_upto, ~issued)
        .order_by(Receipt.year, Receipt.series_id, Receipt.number)
        .limit(limit)
    ).all()
    if rows:
        return [_Event(r.id, "replaced" if r.replaces_id else "issued", None) for r in rows]
    cancelled = exists().where(LogLeaf.receipt_id == Receipt.id, LogLeaf.event == "cancelled")
    rows = session.execute(
        select(Receipt.id)
        .where(Receipt.id <= state.backfill_upto, Receipt.cancelled_at.is_not(None), ~cancelled)
        .order_by(Receipt.cancelled_at, Receipt.id)
        .limit(limit)
    ).all()
    return [_Event(r.id, "cancelled", None) for r in rows]


def _audit_events(session: Session, state: LogState, limit: int) -> list[_Event]:
    """Audit events not yet in the log, in id order, of transactions that can no longer change."""
    query = (
        select(AuditEvent.id, AuditEvent.action, AuditEvent.entity_id)
        .where(
            AuditEvent.id > state.audit_low_water,
            AuditEvent.action.in_(tuple(ACTIONS)),
            AuditEvent.entity == "receipt",
            ~exists().where(LogLeaf.source_event == AuditEvent.id),
        )
        .order_by(AuditEvent.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        oldest = session.scalar(text(_OLDEST_WRITER))
        if oldest is not None:  # only rows written by transactions that ended before it began
            query = query.where(
                func.age(literal_column("audit_event.xmin"))
                > func.age(literal_column(f"'{int(oldest)}'::xid"))
            )
    rows = session.execute(query).all()
    events = _resolve(session, rows)
    if rows:
        state.audit_low_water = max(state.audit_low_water, rows[-1].id - LATE_WINDOW)
    return events


def _resolve(session: Session, rows: Sequence) -> list[_Event]:
    """The receipt each audit event is about; one already in the log (backfilled) is marked, not added."""
    subjects = [int(row.entity_id) for row in rows]
    replacements = dict(
        session.execute(
            select(Receipt.replaces_id, Receipt.id).where(
                _among(
                    session,
                    Receipt.replaces_id,
                    [s for s, r in zip(subjects, rows, strict=True) if r.action == "receipt.replaced"],
                )
            )
        ).all()
    )
    events = []
    for subject, row in zip(subjects, rows, strict=True):
        kind = ACTIONS[row.action]
        receipt_id = replacements.get(subject) if kind == "replaced" else subject
        if receipt_id is None:
            raise Conflict(f"audit event {row.id}: no replacement receipt of receipt {subject}")
        events.append(_Event(receipt_id, kind, row.id))
    present = set(
        session.execute(
            select(LogLeaf.receipt_id, LogLeaf.event).where(
                _among(session, LogLeaf.receipt_id, [e.receipt_id for e in events])
            )
        ).all()
    )
    new, seen = [], set(present)
    for event in events:
        key = (event.receipt_id, event.event)
        if key in present:
            session.execute(
                update(LogLeaf)
                .where(
                    LogLeaf.receipt_id == event.receipt_id,
                    LogLeaf.event == event.event,
                    LogLeaf.source_event.is_(None),
                )
                .values(source_event=event.source_event)
            )
        elif key not in seen:
            seen.add(key)
            new.append(event)
    return new


def _entries(session: Session, events: Sequence[_Event]) -> list[tuple[_Event, bytes]]:
    """The canonical entry of each event, from the stored receipt (no receipt XML is read).

    An event whose receipt is no longer in the database (deleted behind the system's back) is left
    out, loudly: its number is then missing from the log, which is what an auditor looks for."""
    if not events:
        return []
    original = aliased(Receipt)
    rows = {
        row.id: row
        for row in session.execute(
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
                original.number.label("replaces"),
            )
            .join(ReceiptSeries, ReceiptSeries.id == Receipt.series_id)
            .join(Issuer, Issuer.id == ReceiptSeries.issuer_id)
            .outerjoin(original, and_(original.id == Receipt.replaces_id))
            .where(_among(session, Receipt.id, sorted({e.receipt_id for e in events})))
        ).all()
    }
    entries = []
    for event in events:
        row = rows.get(event.receipt_id)
        if row is None:
            log.error(
                "receipt %s of a %s event is not in the database; left out of the log",
                event.receipt_id,
                event.event,
            )
            continue
        if not row.identity_digest:
            raise Conflict(f"receipt {row.id} has no identity digest; it cannot enter the log")
        time = row.cancelled_at if event.event == "cancelled" else row.issued_at
        entry = LogEntry(
            event=event.event,
            receipt=ReceiptNumber(row.code, row.template_number, row.series_symbol, row.number, row.year),
            amount=row.amount,
            time=time,
            identity=row.identity_digest,
            replaces=row.replaces if event.event == "replaced" else None,
        )
        entries.append((event, entry.encode()))
    return entries
