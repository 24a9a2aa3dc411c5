"""The auditor's monitor mode: the old tree read from hash tiles (C2SP tlog-tiles), then only the
entries after the --since checkpoint; a log served from memory, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ereceipt.core.transparency import merkle
from ereceipt.core.transparency.auditor import Seen, audit, old_frontier
from ereceipt.core.transparency.checkpoint import Checkpoint, sign_checkpoint
from ereceipt.core.transparency.entries import LogEntry, ReceiptNumber, encode_bundle
from ereceipt.core.transparency.signed_note import Signer
from ereceipt.core.transparency.tiles import HEIGHT, WIDTH, Tile, tile_width

SIGNER = Signer("test.invalid/monitor", Ed25519PrivateKey.generate())


def entry(number: int, event: str = "issued") -> bytes:
    receipt = ReceiptNumber("CCTHADS-BD", "01BLTHA", "TH26E", number, 2026)
    when = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    return LogEntry(event, receipt, 1_000 * number, when, f"{number:064x}").encode()


class MemoryLog:
    """A log's tlog-tiles files, served from a dict; ``fetched`` records the paths read."""

    def __init__(self, entries: list[bytes]) -> None:
        self.entries = entries
        self.nodes: dict[tuple[int, int], bytes] = {}
        frontier = merkle.Frontier()
        for data in entries:
            for node, digest in frontier.append(merkle.leaf_hash(data)):
                self.nodes[(node.level, node.index)] = digest
        self.size, self.root = len(entries), frontier.root()
        self.note = sign_checkpoint(Checkpoint(SIGNER.name, self.size, self.root), SIGNER)
        self.fetched: list[str] = []

    def fetch(self, path: str) -> bytes:
        self.fetched.append(path)
        if path == "checkpoint":
            return self.note
        for level in range(-1, 8):
            for index in range(self.size // WIDTH + 1):
                width = tile_width(level, index, self.size)
                if width and Tile(level, index, width).path() == path:
                    first = index * WIDTH
                    if level < 0:
                        return encode_bundle(self.entries[first : first + width])
                    return b"".join(self.nodes[(level * HEIGHT, i)] for i in range(first, first + width))
        raise OSError(f"{path}: not found")

    def seen(self, size: int) -> Seen:
        root = merkle.reference_root([merkle.leaf_hash(e) for e in self.entries[:size]])
        return Seen(size, root, sign_checkpoint(Checkpoint(SIGNER.name, size, root), SIGNER))


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 600, 65_536 + 300])
def test_the_old_trees_root_comes_from_the_hash_tiles_for_every_shape(size: int) -> None:
    log = MemoryLog([entry(n + 1) for n in range(size)])
    for old in sorted({1, 2, 3, 7, 128, 255, 256, 257, 300, size // 2, size - 1, size} - {0}):
        if old <= size:
            assert old_frontier(log.fetch, old, size).root() == log.seen(old).root


def test_a_monitor_reads_only_the_entries_after_its_checkpoint_and_checks_their_numbering() -> None:
    log = MemoryLog([entry(n + 1) for n in range(700)] + [entry(3, "cancelled"), entry(701)])
    report = audit(log.fetch, SIGNER.verifier, None, since=log.seen(600))
    assert report.consistent, report.lines
    assert "the new tree extends the old" in "\n".join(report.lines)
    assert not any(path.startswith("tile/entries/") and path.endswith(("000", "001")) for path in log.fetched)
    assert "tile/entries/002.p/190" in log.fetched
    assert any(
        "0000601 to 0000701, no gaps" in line for line in report.lines
    )  # the cancellation of 3 is earlier


def test_a_monitor_finds_a_gap_after_its_checkpoint() -> None:
    log = MemoryLog([entry(n + 1) for n in range(300)] + [entry(302)])
    report = audit(log.fetch, SIGNER.verifier, None, since=log.seen(280))
    assert not report.consistent and "has gaps: 0000301" in report.failure


def test_a_checkpoint_given_with_since_that_the_tiles_contradict_is_equivocation() -> None:
    log = MemoryLog([entry(n + 1) for n in range(300)])
    forged = Seen(280, bytes(32), sign_checkpoint(Checkpoint(SIGNER.name, 280, bytes(32)), SIGNER))
    report = audit(log.fetch, SIGNER.verifier, None, since=forged)
    assert not report.consistent and "equivocation" in report.failure
    assert report.evidence == [forged.note, log.note]
    shrunk = audit(
        log.fetch, SIGNER.verifier, None, since=MemoryLog([entry(n + 1) for n in range(301)]).seen(301)
    )
    assert "shrank" in shrunk.failure


def test_receipts_identities_are_found_among_the_entries_read() -> None:
    log = MemoryLog([entry(n + 1) for n in range(10)] + [entry(4, "cancelled")])
    report = audit(log.fetch, SIGNER.verifier, None, wanted=frozenset({f"{4:064x}", "f" * 64}))
    assert report.found == {f"{4:064x}": [(3, "issued"), (10, "cancelled")]}
