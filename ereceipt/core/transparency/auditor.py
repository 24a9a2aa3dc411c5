"""The offline auditor: checks a log served as C2SP tlog-tiles from its checkpoint and entries alone.

It verifies the checkpoint's signature (C2SP signed-note), recomputes the root from every entry
(RFC 9162), checks the checkpoint against the last one it saw (same size, same root; never
smaller; the old tree a prefix of the new), checks that receipt numbers per issuer, template,
series and year are gapless and that a cancellation follows its receipt, and sums amounts per
agency and day. The result is a report: each check a line, the first failure with its evidence;
two signed checkpoints that disagree are kept as proof of a split view (equivocation).

A monitor gives the checkpoint it checked last (``since``): the old tree is then read from the
hash tiles (its complete subtrees, C2SP tlog-tiles), its root compared with that checkpoint's, and
only the entries after it are read and appended, so the new root proves the new tree extends the
old one without reading the old entries again. Numbering is then checked within the new entries.
The identities of the receipts given (``wanted``) are looked up among the entries read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from ereceipt.core.transparency import merkle
from ereceipt.core.transparency.checkpoint import Checkpoint, open_checkpoint
from ereceipt.core.transparency.entries import EntryError, LogEntry, decode_bundle
from ereceipt.core.transparency.signed_note import NoteError, Verifier
from ereceipt.core.transparency.tiles import HEIGHT, WIDTH, Tile, tile_width

VIETNAM_OFFSET = timedelta(hours=7)  # the agencies' day (Asia/Ho_Chi_Minh has no daylight saving)
Fetch = Callable[[str], bytes]  # a path under the log's root → its bytes; raises OSError when unreadable


class Unreadable(Exception):
    """The log could not be read (network, file, or a document too malformed to check)."""


@dataclass
class Totals:
    receipts: int = 0
    issued: int = 0
    cancelled: int = 0

    @property
    def net(self) -> int:
        return self.issued - self.cancelled


@dataclass
class AuditReport:
    checkpoint: Checkpoint | None = None
    note: bytes = b""
    lines: list[str] = field(default_factory=list)
    failure: str | None = None
    evidence: list[bytes] = field(default_factory=list)  # signed checkpoints that prove a split view
    totals: dict[tuple[str, date], Totals] = field(default_factory=dict)
    first: int = 0  # the first entry read: the size of the ``since`` checkpoint, or 0
    found: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # identity → (index, event)

    @property
    def consistent(self) -> bool:
        return self.failure is None

    def passed(self, line: str) -> None:
        self.lines.append(f"ok    {line}")

    def failed(self, line: str, *evidence: bytes) -> None:
        self.lines.append(f"FAIL  {line}")
        if self.failure is None:
            self.failure, self.evidence = line, list(evidence)


@dataclass(frozen=True)
class Seen:
    """The checkpoint an auditor accepted last time (its signed note is kept as evidence)."""

    size: int
    root: bytes
    note: bytes


def _fetch(fetch: Fetch, path: str) -> bytes:
    try:
        return fetch(path)
    except OSError as exc:
        raise Unreadable(f"{path}: {exc}") from exc


def entries(fetch: Fetch, size: int, start: int = 0) -> Iterator[bytes]:
    """The entries ``start`` to ``size - 1`` of a tree of ``size`` leaves, from its entry bundles."""
    for index in range(start // WIDTH, (size + WIDTH - 1) // WIDTH):
        width = tile_width(-1, index, size)
        try:
            bundle = decode_bundle(_fetch(fetch, Tile(-1, index, width).path()))
        except EntryError as exc:
            raise Unreadable(f"{Tile(-1, index, width).path()}: {exc}") from exc
        if len(bundle) != width:
            raise Unreadable(f"{Tile(-1, index, width).path()} holds {len(bundle)} entries, not {width}")
        yield from bundle[start - index * WIDTH :] if index * WIDTH < start else bundle


def old_frontier(fetch: Fetch, old: int, size: int) -> merkle.Frontier:
    """The frontier of the first ``old`` leaves, from the hash tiles of the tree of ``size`` leaves.

    Each of the old tree's maximal complete subtrees at height ``h`` is the hash of ``2**(h - 8·L)``
    adjacent nodes of one tile at level ``L = h // 8``; tiles are read once each."""
    tiles: dict[tuple[int, int], bytes] = {}
    edge = []
    for node in merkle.subtrees(0, old):
        level = node.level // HEIGHT
        span = node.level - level * HEIGHT
        first = node.index << span
        key = (level, first // WIDTH)
        if key not in tiles:
            width = tile_width(level, key[1], size)
            tile = Tile(level, key[1], width)
            data = _fetch(fetch, tile.path())
            if len(data) != width * merkle.HASH_SIZE:
                raise Unreadable(f"{tile.path()} holds {len(data)} bytes, not {width} hashes")
            tiles[key] = data
        data, offset = tiles[key], first % WIDTH
        hashes = [data[i * 32 : i * 32 + 32] for i in range(offset, offset + (1 << span))]
        while len(hashes) > 1:
            hashes = [merkle.node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        edge.append(hashes[0])
    return merkle.Frontier(old, edge)


def audit(
    fetch: Fetch,
    verifier: Verifier,
    seen: Seen | None,
    progress: Callable[[int, int], None] = lambda d, t: None,
    *,
    since: Seen | None = None,
    wanted: frozenset[str] = frozenset(),
) -> AuditReport:
    """Checks the log's latest checkpoint against ``seen`` (kept from the last run) and, in monitor
    mode, against ``since``, whose signature the caller has checked; every entry, or those after
    ``since``, read once."""
    report = AuditReport()
    note = _fetch(fetch, "checkpoint")
    try:
        signed = open_checkpoint(note, verifier)
    except NoteError as exc:
        report.failed(f"checkpoint is not validly signed by {verifier.name}: {exc}", note)
        return report
    checkpoint = report.checkpoint = signed.checkpoint
    report.note = note
    report.passed(
        f"checkpoint of {checkpoint.size} entries signed by {verifier.name} ({verifier.key_id.hex()})"
    )
    if seen is not None:
        if checkpoint.size < seen.size:
            report.failed(f"the log shrank from {seen.size} to {checkpoint.size} entries", seen.note, note)
        elif checkpoint.size == seen.size and checkpoint.root != seen.root:
            report.failed(
                f"equivocation: two signed checkpoints of {seen.size} entries with different roots",
                seen.note,
                note,
            )

    frontier = merkle.Frontier()
    if since is not None:
        if checkpoint.size < since.size:
            report.failed(f"the log shrank from {since.size} to {checkpoint.size} entries", since.note, note)
            return report
        frontier = old_frontier(fetch, since.size, checkpoint.size)
        if frontier.root() != since.root:
            report.failed(
                f"equivocation: the tree's first {since.size} entries do not give the root of the "
                "checkpoint given with --since",
                since.note,
                note,
            )
            return report
        report.passed(f"the hash tiles give the root of the --since checkpoint of {since.size} entries")
        report.first = since.size
    numbers: dict[tuple[str, str, str, int], set[int]] = defaultdict(set)
    cancelled: set[tuple[str, str, str, int, int]] = set()
    for index, data in enumerate(entries(fetch, checkpoint.size, report.first), report.first):
        frontier.append(merkle.leaf_hash(data))
        if (
            seen is not None
            and frontier.size == seen.size
            and frontier.root() != seen.root
            and report.consistent
        ):
            report.failed(
                f"equivocation: the first {seen.size} entries do not give the root seen before",
                seen.note,
                note,
            )
        try:
            entry = LogEntry.decode(data)
        except EntryError as exc:
            report.failed(f"entry {index} is not a canonical log entry: {exc}")
            continue
        _check_numbering(report, index, entry, numbers, cancelled)
        _add_totals(report, entry)
        if entry.identity in wanted:
            report.found.setdefault(entry.identity, []).append((index, entry.event))
        if index % 10000 == 0:
            progress(index, checkpoint.size)
    progress(checkpoint.size, checkpoint.size)
    if frontier.root() == checkpoint.root and report.first:
        report.passed(
            f"root recomputed from the --since tree and the {checkpoint.size - report.first} entries "
            f"after it matches the checkpoint: the new tree extends the old"
        )
    elif frontier.root() == checkpoint.root:
        report.passed(f"root recomputed from all {checkpoint.size} entries matches the checkpoint")
    else:
        report.failed(
            f"root recomputed from the entries differs from the checkpoint's ({frontier.size} entries)", note
        )
    if seen is not None and report.consistent:
        report.passed(f"consistent with the checkpoint of {seen.size} entries seen before")
    for (issuer, template, series, year), taken in sorted(numbers.items()):
        if not taken:  # only cancellations of receipts logged before --since
            continue
        low = min(taken) if report.first else 1  # a monitor sees the series from where it reads
        missing = sorted(set(range(low, max(taken) + 1)) - taken)
        name = f"{issuer} {template} {series} {year}"
        if missing:
            report.failed(f"numbering of {name} has gaps: {', '.join(f'{n:07d}' for n in missing[:10])}")
        else:
            report.passed(f"numbering of {name}: {low:07d} to {max(taken):07d}, no gaps")
    return report


def _earlier(report: AuditReport, taken: set[int], number: int) -> bool:
    """Whether ``number`` may have been logged before the entries read (a monitor's --since tree)."""
    return bool(report.first) and (not taken or number < min(taken))


def _check_numbering(report, index, entry, numbers, cancelled) -> None:
    r = entry.receipt
    key = (r.issuer, r.template, r.series, r.year)
    if entry.event == "cancelled":
        if r.number not in numbers[key] and not _earlier(report, numbers[key], r.number):
            report.failed(f"entry {index}: receipt {r} cancelled before it was issued")
        elif (*key, r.number) in cancelled:
            report.failed(f"entry {index}: receipt {r} cancelled twice")
        cancelled.add((*key, r.number))
        return
    if r.number in numbers[key]:
        report.failed(f"entry {index}: receipt number {r} issued twice")
    numbers[key].add(r.number)
    if (
        entry.event == "replaced"
        and entry.replaces not in numbers[key]
        and not _earlier(report, numbers[key] - {r.number}, entry.replaces)
    ):
        report.failed(
            f"entry {index}: receipt {r} replaces {entry.replaces:07d}, which is not in the log before it"
        )


def _add_totals(report: AuditReport, entry: LogEntry) -> None:
    day = (entry.time + VIETNAM_OFFSET).date()
    totals = report.totals.setdefault((entry.receipt.issuer, day), Totals())
    if entry.event == "cancelled":
        totals.cancelled += entry.amount
    else:
        totals.receipts += 1
        totals.issued += entry.amount
