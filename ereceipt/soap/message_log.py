"""The SOAP message log: every exchange in a tamper-evident hash chain (as X-Road's message log).

Each record's hash covers the previous record's hash, its own fields and digests of the raw
request and response, so changing, removing or reordering a record breaks the chain from there
on. Appends are serialised by locking the chain's head row.

Appends are group-committed: the threads of a process that finish requests at the same time hand
their exchanges to one of them, which writes them all in one transaction (one head lock, one
insert, one commit) while the others wait; every caller returns only once its record is
committed, so the log is as durable as with one transaction per exchange, at a fraction of the
round trips. The same transaction can claim the X-Road message ids of read-only requests for the
replay guard, so that such a request costs one write transaction, not two. On PostgreSQL the
whole group is one statement (``log_group_sql``): one round trip, committed as it ends.

An exchange that changed something was written, unchained, in the transaction of the change
(``log_pending``); its record, written here, removes that pending row in the same transaction, so
the exchange is chained once. A request refused before its client was authenticated keeps only
the start of its body (``Exchange.request_size`` and ``request_sha256`` describe the whole).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ereceipt.core.storage import driver_sql
from ereceipt.core.storage.database import Database
from ereceipt.core.storage.driver_sql import DriverConnection, Statement
from ereceipt.core.storage.message_log_tables import (
    MessageLogHead,
    MessageLogRecord,
    SeenMessage,
)
from ereceipt.soap import log_group_sql

GENESIS = "0" * 64


@dataclass(frozen=True)
class Exchange:
    client: str | None
    service: str | None
    operation: str | None
    xroad_id: str | None
    user_id: str | None
    outcome: str
    http_status: int
    duration_ms: int
    request: bytes
    response: bytes
    # Set when ``request`` is only the start of the body: the whole body's size and SHA-256 (None
    # when it was not read: over the size limit).
    request_size: int | None = None
    request_sha256: str | None = None


def chain_hash(previous: str, at: datetime, exchange: Exchange) -> str:
    """The record's hash: SHA-256 of the previous record's hash and then ``chain_suffix``."""
    return hashlib.sha256(previous.encode() + chain_suffix(at, exchange)).hexdigest()


def chain_suffix(at: datetime, exchange: Exchange) -> bytes:
    """What a record's hash covers after the previous hash: its fields and the digests of its
    messages, each after a unit separator (PostgreSQL's group write hashes these same bytes); for a
    request kept in part, then the whole body's size and SHA-256."""
    fields = [
        "",
        at.astimezone(UTC).isoformat(timespec="microseconds"),
        *(value or "" for value in (exchange.client, exchange.service, exchange.operation)),
        *(value or "" for value in (exchange.xroad_id, exchange.user_id)),
        exchange.outcome,
        str(exchange.http_status),
        str(exchange.duration_ms),
        hashlib.sha256(exchange.request).hexdigest(),
        hashlib.sha256(exchange.response).hexdigest(),
    ]
    if exchange.request_size is not None:
        fields += [str(exchange.request_size), exchange.request_sha256 or ""]
    return "\x1f".join(fields).encode()


RECORD_COLUMNS = [
    *("at", "client", "service", "operation", "xroad_id", "user_id", "outcome", "http_status"),
    *("duration_ms", "request", "response", "previous_hash", "hash", "request_size", "request_sha256"),
]
# Every exchange runs these, so they go straight to the driver (see core.driver_sql).
LOCK_HEAD = Statement(
    {
        "postgresql": "SELECT last_hash FROM message_log_head WHERE id = 1 FOR UPDATE",
        "sqlite": "SELECT last_hash FROM message_log_head WHERE id = 1",  # BEGIN IMMEDIATE locked it
    }
)
MOVE_HEAD = Statement("UPDATE message_log_head SET last_hash = :last_hash WHERE id = 1")
UNPEND = Statement("DELETE FROM message_log_pending WHERE token = :token")
INSERT_RECORD = Statement(
    f"INSERT INTO message_log ({', '.join(RECORD_COLUMNS)}) "  # noqa: S608 (our names, no input)
    f"VALUES ({', '.join(':' + name for name in RECORD_COLUMNS)})",
    types={"at": MessageLogRecord.__table__.c.at.type},
)


@cache
def _claim(count: int) -> Statement:
    """Claims of ``count`` X-Road ids for the replay guard, returning those that were new."""
    values = ", ".join(f"(:client{i}, :xroad_id{i}, :seen_at)" for i in range(count))
    return Statement(
        f"INSERT INTO seen_message (client, xroad_id, seen_at) VALUES {values} "  # noqa: S608 (no input)
        "ON CONFLICT DO NOTHING RETURNING client, xroad_id",
        types={"seen_at": SeenMessage.__table__.c.seen_at.type},
    )


@dataclass(frozen=True)
class Claim:
    """An X-Road message id to enter in the replay guard with the record; the exchange ``refused``
    returns is logged instead when the client used that id before (asked for only then)."""

    client: str
    xroad_id: str
    refused: Callable[[], Exchange]


@dataclass
class _Entry:
    exchange: Exchange
    claim: Claim | None
    pending: str | None = None  # the token of the pending row this record replaces (``log_pending``)
    done: bool = False
    accepted: bool = True
    error: BaseException | None = None


def _write(connection: DriverConnection, entries: list[_Entry]) -> None:
    """One transaction for a group: claim the ids, then chain and insert every record."""
    claims: dict[tuple[str, str], _Entry] = {}
    for entry in entries:
        if entry.claim is not None:
            key = (entry.claim.client, entry.claim.xroad_id)
            if key in claims:  # the same id twice in one group: the first one has it
                entry.accepted = False
            else:
                claims[key] = entry
    if claims:
        values: dict[str, object] = {"seen_at": datetime.now(UTC)}
        for i, (client, xroad_id) in enumerate(claims):
            values[f"client{i}"], values[f"xroad_id{i}"] = client, xroad_id
        taken = set(connection.execute(_claim(len(claims)), values))
        for key, entry in claims.items():
            entry.accepted = key in taken
    [(previous,)] = connection.execute(LOCK_HEAD)
    at = datetime.now(UTC)  # both databases keep microseconds, so it hashes the same when read back
    rows = []
    for entry in entries:
        exchange = entry.exchange if entry.accepted else entry.claim.refused()
        entry.exchange = exchange
        digest = chain_hash(previous, at, exchange)
        rows.append({**exchange.__dict__, "at": at, "previous_hash": previous, "hash": digest})
        previous = digest
    connection.execute_many(INSERT_RECORD, rows)
    connection.execute(MOVE_HEAD, {"last_hash": previous})
    if tokens := [{"token": entry.pending} for entry in entries if entry.pending]:
        connection.execute_many(UNPEND, tokens)


def _write_postgresql(connection: DriverConnection, entries: list[_Entry]) -> list[_Entry]:
    """``_write`` as the one statement ``log_group_sql.GROUP_WRITE``, outside a transaction block.
    Returns the replays it turned away, their refusals in hand but not yet logged."""
    at = datetime.now(UTC)
    claimed: set[tuple[str, str]] = set()
    modes = []
    for entry in entries:
        claim, mode = entry.claim, "plain"
        if claim is not None:
            key = (claim.client, claim.xroad_id)
            if key in claimed:  # the same id twice in one group: the first one has it
                entry.accepted, entry.exchange = False, claim.refused()
            else:
                claimed.add(key)
                mode = "claim"
        modes.append(mode)
    replays = []
    for entry, accepted in zip(entries, _group_write(connection, at, entries, modes), strict=True):
        if not accepted:
            entry.accepted, entry.exchange = False, entry.claim.refused()
            replays.append(entry)
    return replays


def _group_write(
    connection: DriverConnection, at: datetime, entries: list[_Entry], modes: list[str]
) -> list[bool]:
    """Run ``GROUP_WRITE`` for ``entries`` (their claims as ``modes`` say); whether each went in."""
    columns: dict[str, list] = {name: [] for name in log_group_sql.COLUMNS}
    for n, (entry, mode) in enumerate(zip(entries, modes, strict=True), start=1):
        exchange, claim = entry.exchange, entry.claim if mode == "claim" else None
        columns["n"].append(n)
        columns["mode"].append(mode)
        columns["claim_client"].append(claim.client if claim else None)
        columns["claim_id"].append(claim.xroad_id if claim else None)
        columns["pending"].append(entry.pending)
        for name in log_group_sql.SHARED_FIELDS:
            columns[name].append(getattr(exchange, name))
        columns["suffix"].append(chain_suffix(at, exchange))
    arrays = {
        name: driver_sql.Array(log_group_sql.ELEMENT_TYPES[name], values) for name, values in columns.items()
    }
    unpend = any(entry.pending for entry in entries)
    statement = log_group_sql.GROUP_WRITE_UNPEND if unpend else log_group_sql.GROUP_WRITE
    decided = connection.execute(statement, {"at": at, **arrays})
    if len(decided) != len(entries) or decided[0][2] != decided[0][3]:
        raise RuntimeError("the message log's head row is missing: nothing was logged")
    return [accepted for _, accepted, _, _ in decided]


def _write_group(database: Database, entries: list[_Entry]) -> None:
    """Log ``entries`` in order (on PostgreSQL the refusals of replays after the rest), committed when
    this returns."""
    if database.dialect == "postgresql":
        with driver_sql.glance(database) as connection:  # one statement, its own transaction
            replays = _write_postgresql(connection, entries)
        if replays:  # rare: their refusals go in after the group, which is in
            try:
                with driver_sql.glance(database) as connection:
                    _group_write(connection, datetime.now(UTC), replays, ["plain"] * len(replays))
            except Exception as exc:  # for the replays' callers alone: the others' records are in
                for entry in replays:
                    entry.error = exc
    else:
        with driver_sql.transaction(database) as connection:
            _write(connection, entries)


class Arrival:
    """A request on its way to the log (``MessageLog.announce``): until it arrives, a writer may wait
    for it so that both records go in one group."""

    __slots__ = ("arrived",)

    def __init__(self) -> None:
        self.arrived = False


class MessageLog:
    """The message log of one process: ``record`` returns once the exchange is committed (group commit).

    A thread that is to write a group first waits, for at most ``gather_seconds``, for the requests
    announced in this process that have not reached the log yet: under load a group then holds
    most of the requests in hand rather than the few that finished during the last write, and each
    group costs the database a commit and a statement whatever its size.
    With no other request in hand nobody waits.
    """

    def __init__(self, database: Database, *, gather_seconds: float = 0.005) -> None:
        self.database = database
        self.gather_seconds = gather_seconds
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a group was written
        self._arrived = threading.Condition(self._lock)  # a record came, or an announced request left
        self._waiting: list[_Entry] = []
        self._writing = False
        self._announced = 0  # announced requests that have not arrived

    def remember(self, client: str, xroad_id: str) -> bool:
        """Claim an X-Road message id for ``client`` (the replay guard of operations that change
        something): False when the client has used it before. Raises ``TransientOutage``."""
        row = {"client": client, "xroad_id": xroad_id, "seen_at": datetime.now(UTC)}
        try:
            with self.database.write() as session:
                session.execute(insert(SeenMessage.__table__), [row])
        except IntegrityError:
            return False
        return True

    def announce(self) -> Arrival:
        """Say that a request will be logged; ``withdraw`` it when the request ends, whatever happened."""
        with self._lock:
            self._announced += 1
        return Arrival()

    def withdraw(self, arrival: Arrival) -> None:
        with self._lock:
            self._arrive(arrival)

    def _arrive(self, arrival: Arrival | None) -> None:
        """Count ``arrival`` as no longer on its way (once); the caller holds the lock."""
        if arrival is not None and not arrival.arrived:
            arrival.arrived = True
            self._announced -= 1
            if self._announced == 0:  # a gathering writer waits for all of them, not for each
                self._arrived.notify()

    def record(
        self,
        exchange: Exchange,
        claim: Claim | None = None,
        arrival: Arrival | None = None,
        *,
        pending: str | None = None,
    ) -> bool:
        """Store ``exchange``; with a ``claim``, False when its id was a replay (``claim.refused`` stored).
        With ``pending``, the token of the row written for it in the transaction of its change: that
        row is deleted in this record's transaction (if the chainer chained it already, both stay)."""
        entry = _Entry(exchange, claim, pending)
        with self._lock:
            self._waiting.append(entry)
            self._arrive(arrival)
            while not entry.done and self._writing:
                self._changed.wait()
            if entry.done:
                return self._outcome(entry)
            self._writing = True
            if self._announced > 0:
                deadline = time.monotonic() + self.gather_seconds
                while self._announced > 0 and (left := deadline - time.monotonic()) > 0:
                    self._arrived.wait(left)
            group, self._waiting = self._waiting, []
        try:  # this thread writes for the whole group, its own entry included
            _write_group(self.database, group)
        except BaseException as exc:
            for member in group:
                member.error = exc
            raise
        finally:
            with self._lock:
                for member in group:
                    member.done = True
                self._writing = False
                self._changed.notify_all()
        return self._outcome(entry)

    @staticmethod
    def _outcome(entry: _Entry) -> bool:
        if entry.error is not None:
            raise entry.error
        return entry.accepted


def append_dated(session: Session, items: list[tuple[datetime, Exchange]]) -> None:
    """Chain ``items`` (each with the time it happened) in order, in the caller's transaction,
    locking the head (with no items, only that): the late appends of ``log_pending`` and ``log_journal``."""
    head = MessageLogHead.__table__
    previous = session.scalar(select(head.c.last_hash).where(head.c.id == 1).with_for_update())
    if previous is None:
        raise RuntimeError("the message log's head row is missing: nothing was chained")
    if not items:  # the head is locked for the rest of the transaction: nothing else to do
        return
    rows = []
    for at, exchange in items:
        digest = chain_hash(previous, at, exchange)
        rows.append({**exchange.__dict__, "at": at, "previous_hash": previous, "hash": digest})
        previous = digest
    session.execute(insert(MessageLogRecord.__table__), rows)
    session.execute(update(head).where(head.c.id == 1).values(last_hash=previous))


def append(database: Database, exchange: Exchange) -> None:
    """Store one exchange at the end of the chain, in a transaction of its own."""
    _write_group(database, [_Entry(exchange, None)])
