"""The offline auditor: checks a log served as C2SP tlog-tiles from its checkpoint and entries alone.

It verifies the checkpoint's signature (C2SP signed-note), recomputes the root from every entry
(RFC 9162), checks the checkpoint against the last one it saw (same size, same root; never
smaller; the old tree a prefix of the new), checks that receipt numbers per issuer, template,
series and year are gapless and that a cancellation follows its receipt, and sums amounts per
agency and day. The result is a report: each check a line, the first failure with its evidence;
two signed checkpoints that disagree are kept as proof of a split view (equivocation).
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
from ereceipt.core.transparency.tiles import WIDTH, Tile, tile_width

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


def entries(fetch: Fetch, size: int) -> Iterator[bytes]:
    """Every entry of a tree of ``size`` leaves, from its entry bundles, in order."""
    for index in range((size + WIDTH - 1) // WIDTH):
        width = tile_width(-1, index, size)
        try:
            bundle = decode_bundle(fetch(Tile(-1, index, width).path()))
        except EntryError as exc:
            raise Unreadable(f"{Tile(-1, index, width).path()}: {exc}") from exc
        if len(bundle) != width:
            raise Unreadable(f"{Tile(-1, index, width).path()} holds {len(bundle)} entries, not {width}")
        yield from bundle


def audit(
    fetch: Fetch,
    verifier: Verifier,
    seen: Seen | None,
    progress: Callable[[int, int], None] = lambda d, t: None,
) -> AuditReport:
    report = AuditReport()
    try:
        note = fetch("checkpoint")
    except OSError as exc:
        raise Unreadable(f"checkpoint: {exc}") from exc
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
    numbers: dict[tuple[str, str, str, int], set[int]] = defaultdict(set)
    cancelled: set[tuple[str, str, str, int, int]] = set()
    for index, data in enumerate(entries(fetch, checkpoint.size)):
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
        if index % 10000 == 0:
            progress(index, checkpoint.size)
    progress(checkpoint.size, checkpoint.size)
    if frontier.root() == checkpoint.root:
        report.passed(f"root recomputed from all {checkpoint.size} entries matches the checkpoint")
    else:
        report.failed(
            f"root recomputed from the entries differs from the checkpoint's ({frontier.size} entries)", note
        )
    if seen is not None and report.consistent:
        report.passed(f"consistent with the checkpoint of {seen.size} entries seen before")
    for (issuer, template, series, year), taken in sorted(numbers.items()):
        missing = sorted(set(range(1, max(taken) + 1)) - taken)
        name = f"{issuer} {template} {series} {year}"
        if missing:
            report.failed(f"numbering of {name} has gaps: {', '.join(f'{n:07d}' for n in missing[:10])}")
        else:
            report.passed(f"numbering of {name}: 0000001 to {max(taken):07d}, no gaps")
    return report


def _check_numbering(report, index, entry, numbers, cancelled) -> None:
    r = entry.receipt
    key = (r.issuer, r.template, r.series, r.year)
    if entry.event == "cancelled":
        if r.number not in numbers[key]:
            report.failed(f"entry {index}: receipt {r} cancelled before it was issued")
        elif (*key, r.number) in cancelled:
            report.failed(f"entry {index}: receipt {r} cancelled twice")
        cancelled.add((*key, r.number))
        return
    if r.number in numbers[key]:
        report.failed(f"entry {index}: receipt number {r} issued twice")
    numbers[key].add(r.number)
    if entry.event == "replaced" and entry.replaces not in numbers[key]:
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
