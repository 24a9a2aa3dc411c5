"""Reading the log: stored hashes, checkpoints, tiles, entry bundles, proofs (C2SP tlog-tiles, RFC 9162)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, bindparam, or_, select, tuple_
from sqlalchemy.orm import Session

from ereceipt.core.errors import NotFound
from ereceipt.core.storage.driver_sql import DriverConnection, Statement
from ereceipt.core.transparency import merkle
from ereceipt.core.transparency.entries import encode_bundle
from ereceipt.core.transparency.merkle import Node
from ereceipt.core.transparency.tables import LogCheckpoint, LogLeaf, LogNode
from ereceipt.core.transparency.tiles import HEIGHT, WIDTH, Tile, tile_width


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root: bytes
    note: bytes


@dataclass(frozen=True)
class ReceiptInclusion:
    """A receipt event's leaf and its inclusion proof against the latest checkpoint."""

    receipt_id: int
    event: str
    index: int
    entry: bytes
    proof: list[bytes]
    checkpoint: StoredCheckpoint

    @property
    def verified(self) -> bool:
        leaf = merkle.leaf_hash(self.entry)
        size, root = self.checkpoint.size, self.checkpoint.root
        return merkle.verify_inclusion(self.index, size, leaf, self.proof, root)


class LogStore:
    """The log as stored, read inside the caller's session."""

    def __init__(self, session: Session | Connection) -> None:
        self.session = session

    def read_hashes(self, nodes: Sequence[Node]) -> list[bytes]:
        if not nodes:
            return []
        found: dict[tuple[int, int], bytes] = {}
        for start in range(0, len(nodes), 500):
            chunk = [(n.level, n.index) for n in nodes[start : start + 500]]
            rows = self.session.execute(
                select(LogNode.level, LogNode.idx, LogNode.hash).where(
                    tuple_(LogNode.level, LogNode.idx).in_(chunk)
                )
            )
            found.update({(level, idx): digest for level, idx, digest in rows})
        try:
            return [found[(n.level, n.index)] for n in nodes]
        except KeyError as exc:
            raise NotFound(f"tree node {exc.args[0]} is not stored") from None

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        row = self.session.execute(
            select(LogCheckpoint.size, LogCheckpoint.root, LogCheckpoint.note)
            .order_by(LogCheckpoint.size.desc())
            .limit(1)
        ).first()
        return StoredCheckpoint(*row) if row else None

    def checkpoint(self, size: int) -> StoredCheckpoint | None:
        row = self.session.execute(
            select(LogCheckpoint.size, LogCheckpoint.root, LogCheckpoint.note).where(
                LogCheckpoint.size == size
            )
        ).first()
        return StoredCheckpoint(*row) if row else None

    def tile(self, tile: Tile) -> bytes:
        """A hash tile or an entry bundle of the latest tree; NotFound beyond it."""
        latest = self.latest_checkpoint()
        size = latest.size if latest else 0
        if tile_width(tile.level, tile.index, size) < tile.width:
            raise NotFound(f"{tile.path()} is beyond the log's {size} entries")
        first, last = tile.index * WIDTH, tile.index * WIDTH + tile.width
        if tile.is_entries:
            rows = self.session.execute(
                select(LogLeaf.entry).where(LogLeaf.idx >= first, LogLeaf.idx < last).order_by(LogLeaf.idx)
            ).scalars()
            return encode_bundle(list(rows))
        rows = self.session.execute(
            select(LogNode.hash)
            .where(LogNode.level == tile.level * HEIGHT, LogNode.idx >= first, LogNode.idx < last)
            .order_by(LogNode.idx)
        ).scalars()
        return b"".join(rows)

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        return merkle.consistency_proof(old, new, self.read_hashes)

    def recent_checkpoints(self, count: int) -> list[StoredCheckpoint]:
        """The latest ``count`` checkpoints, the largest first."""
        rows = self.session.execute(
            select(LogCheckpoint.size, LogCheckpoint.root, LogCheckpoint.note)
            .order_by(LogCheckpoint.size.desc())
            .limit(count)
        )
        return [StoredCheckpoint(*row) for row in rows]

    def inclusion_of_receipt(
        self, receipt_id: int, checkpoint: StoredCheckpoint | None = None
    ) -> list[ReceiptInclusion]:
        """Each of the receipt's events in the tree of ``checkpoint`` (the latest when None), proved
        against it."""
        latest = checkpoint or self.latest_checkpoint()
        if latest is None:
            return []
        rows = self.session.execute(
            select(LogLeaf.idx, LogLeaf.event, LogLeaf.entry).where(LogLeaf.receipt_id == receipt_id)
        ).all()
        return [
            ReceiptInclusion(
                receipt_id, row.event, row.idx, row.entry,
                merkle.inclusion_proof(row.idx, latest.size, self.read_hashes), latest,
            )
            for row in sorted(rows) if row.idx < latest.size
        ]  # fmt: skip


@dataclass(frozen=True)
class ReceiptLog:
    """A receipt's place in the log: the latest checkpoint (None before the first) and each of the
    receipt's leaves in it, with its inclusion proof against that checkpoint (none: not in it yet)."""

    checkpoint: StoredCheckpoint | None
    leaves: tuple[ReceiptInclusion, ...]

    @property
    def in_log(self) -> bool:
        return bool(self.leaves)


# The portal's getReceipt reads a receipt's log status on the driver's connection, as its receipt
# (core.driver_sql): the latest checkpoint, the receipt's leaves below it, the proof's stored nodes.
LATEST_CHECKPOINT = Statement(
    select(LogCheckpoint.size, LogCheckpoint.root, LogCheckpoint.note)
    .order_by(LogCheckpoint.size.desc())
    .limit(1)
)
# A receipt has at most three leaves (issued or replaced, cancelled): they are read by receipt alone
# and those below the checkpoint kept here. A range on the leaf index in the statement lets a
# prepared statement's generic plan AND it with a scan of the index's whole range.
RECEIPT_LEAVES = Statement(
    select(LogLeaf.idx, LogLeaf.event, LogLeaf.entry).where(LogLeaf.receipt_id == bindparam("receipt"))
)
_NODES: dict[int, Statement] = {}


def _nodes_statement(count: int) -> Statement:
    """The stored hashes of ``count`` nodes, named by parameters l0, i0, l1, i1, …: one statement
    per count (a proof needs at most about a hundred nodes), each prepared once per connection."""
    found = _NODES.get(count)
    if found is None:
        wanted = [
            and_(LogNode.level == bindparam(f"l{n}"), LogNode.idx == bindparam(f"i{n}")) for n in range(count)
        ]
        found = _NODES[count] = Statement(
            select(LogNode.level, LogNode.idx, LogNode.hash).where(or_(*wanted))
        )
    return found


def read_latest_checkpoint(connection: DriverConnection) -> StoredCheckpoint | None:
    rows = connection.execute(LATEST_CHECKPOINT)
    return StoredCheckpoint(*rows[0]) if rows else None


class LatestCheckpoint:
    """The latest checkpoint as read at most ``seconds`` ago, one per process for the read-only
    operations: a proof against a checkpoint a second old is as valid as against the newest, and
    ``receipt_log`` reads it again whenever a receipt has a leaf beyond it."""

    def __init__(self, seconds: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self._read: tuple[float, StoredCheckpoint | None] | None = None

    def __call__(self, connection: DriverConnection, *, fresh: bool = False) -> StoredCheckpoint | None:
        now, read = self.clock(), self._read
        if fresh or read is None or now - read[0] >= self.seconds:
            read = self._read = (now, read_latest_checkpoint(connection))
        return read[1]


def receipt_log(
    connection: DriverConnection, receipt_id: int, latest: LatestCheckpoint | None = None
) -> ReceiptLog:
    """``LogStore.inclusion_of_receipt`` with the checkpoint, on a driver connection (a glance):
    the checkpoint from ``latest`` (read now when None), read again if it does not cover one of
    the receipt's leaves, so that a receipt is never shown out of the log for a cached checkpoint.

    Everything read is append-only and the leaves are taken below the checkpoint, so statements
    that are each their own transaction still give one consistent answer."""
    current = latest(connection) if latest else read_latest_checkpoint(connection)

    def read(nodes: Sequence[Node]) -> list[bytes]:
        if not nodes:  # the proof of a tree's only leaf
            return []
        values = {}
        for n, node in enumerate(nodes):
            values[f"l{n}"], values[f"i{n}"] = node.level, node.index
        found = {
            (level, idx): digest
            for level, idx, digest in connection.execute(_nodes_statement(len(nodes)), values)
        }
        try:
            return [found[(node.level, node.index)] for node in nodes]
        except KeyError as exc:
            raise NotFound(f"tree node {exc.args[0]} is not stored") from None

    rows = sorted(connection.execute(RECEIPT_LEAVES, {"receipt": receipt_id}))
    if latest is not None and rows and (current is None or rows[-1][0] >= current.size):
        current = latest(connection, fresh=True)
    if current is None:
        return ReceiptLog(None, ())
    return ReceiptLog(
        current,
        tuple(
            ReceiptInclusion(
                receipt_id, event, idx, entry, merkle.inclusion_proof(idx, current.size, read), current
            )
            for idx, event, entry in rows
            if idx < current.size
        ),
    )
