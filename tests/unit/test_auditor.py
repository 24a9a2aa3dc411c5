"""The offline auditor over logs built in memory: each kind of inconsistency is named, with evidence."""

from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ereceipt.core.transparency import merkle
from ereceipt.core.transparency.auditor import Seen, audit
from ereceipt.core.transparency.checkpoint import Checkpoint, sign_checkpoint
from ereceipt.core.transparency.entries import LogEntry, ReceiptNumber, encode_bundle
from ereceipt.core.transparency.signed_note import Signer
from ereceipt.core.transparency.tiles import WIDTH, Tile

SIGNER = Signer("test.invalid/log", Ed25519PrivateKey.generate())
START = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)  # 03:00 on 7 December in Hà Nội


def entry(number: int, event: str = "issued", amount: int = 1000, series: str = "AA/26E") -> bytes:
    receipt = ReceiptNumber("AG01", "01BLTHA", series, number, 2026)
    replaces = number - 1 if event == "replaced" else None
    when = START + timedelta(minutes=number)
    return LogEntry(event, receipt, amount, when, f"{number:064x}", replaces).encode()


def served(entries: list[bytes]) -> tuple[dict[str, bytes], Seen]:
    frontier = merkle.Frontier()
    for data in entries:
        frontier.append(merkle.leaf_hash(data))
    files = {}
    for start in range(0, len(entries), WIDTH):
        chunk = entries[start : start + WIDTH]
        files[Tile(-1, start // WIDTH, len(chunk)).path()] = encode_bundle(chunk)
    note = sign_checkpoint(Checkpoint(SIGNER.name, len(entries), frontier.root()), SIGNER)
    files["checkpoint"] = note
    return files, Seen(len(entries), frontier.root(), note)


def test_a_log_of_300_entries_over_two_bundles_is_consistent_with_its_totals():
    log = [entry(n, amount=n) for n in range(1, 301)] + [entry(5, "cancelled", amount=5)]
    files, _ = served(log)
    report = audit(files.__getitem__, SIGNER.verifier, None)
    assert report.consistent, report.lines
    ((agency, day), totals) = next(iter(report.totals.items()))
    assert (agency, str(day), totals.receipts, totals.issued, totals.cancelled) == (
        "AG01", "2026-12-07", 300, sum(range(1, 301)), 5,
    )  # fmt: skip


def test_a_new_checkpoint_whose_old_part_differs_is_equivocation_with_both_checkpoints():
    old_files, seen = served([entry(n) for n in range(1, 11)])
    rewritten = [entry(n) for n in range(1, 11)]
    rewritten[3] = entry(4, amount=999)
    new_files, _ = served([*rewritten, entry(11)])
    report = audit(new_files.__getitem__, SIGNER.verifier, seen)
    assert not report.consistent
    assert report.failure.startswith("equivocation: the first 10 entries")
    assert report.evidence == [old_files["checkpoint"], new_files["checkpoint"]]


def test_a_log_that_shrank_is_found():
    _, seen = served([entry(n) for n in range(1, 11)])
    files, _ = served([entry(n) for n in range(1, 6)])
    report = audit(files.__getitem__, SIGNER.verifier, seen)
    assert report.failure == "the log shrank from 10 to 5 entries"


def test_numbering_faults_are_each_named():
    files, _ = served([entry(1), entry(3), entry(3), entry(2, "replaced"), entry(9, "cancelled")])
    report = audit(files.__getitem__, SIGNER.verifier, None)
    failures = [line for line in report.lines if line.startswith("FAIL")]
    assert any("0000003 2026 issued twice" in line for line in failures)
    assert any("cancelled before it was issued" in line for line in failures)
    assert report.consistent is False


def test_a_checkpoint_signed_by_another_key_is_refused():
    files, _ = served([entry(1)])
    other = Signer("test.invalid/log", Ed25519PrivateKey.generate())
    files["checkpoint"] = sign_checkpoint(Checkpoint(other.name, 1, bytes(32)), other)
    report = audit(files.__getitem__, SIGNER.verifier, None)
    assert "not validly signed" in report.failure
