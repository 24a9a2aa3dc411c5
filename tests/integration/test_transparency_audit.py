"""`ereceipt audit` against logs that were tampered with: each inconsistency exits 1 with its evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from ereceipt.app.cli import main
from ereceipt.app.transparency_commands import export_log
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.storage.database import Database
from ereceipt.core.transparency import merkle
from ereceipt.core.transparency.checkpoint import Checkpoint, sign_checkpoint
from ereceipt.core.transparency.entries import LogEntry, encode_bundle
from ereceipt.core.transparency.tables import LogLeaf
from tests.integration.test_issuing import cash
from tests.integration.test_transparency_log import SIGNER, catch_up


@pytest.fixture
def logged(
    issuer: ReceiptIssuer, demo_database: Database, tmp_path: Path
) -> tuple[Database, Path, list[str]]:
    """A log of the demo receipts and four more (one cancelled), exported, with a `--vkey` file."""
    issued = [issuer.issue(cash(f"AU-{i}", amount=10_000 * (i + 1))) for i in range(4)]
    issuer.cancel(issued[2].receipt_id, officer="pho.truong", reason="Nhầm")
    catch_up(demo_database)
    vkey = tmp_path / "log.vkey"
    vkey.write_text(SIGNER.verifier.vkey + "\n")
    arguments = ["--vkey", str(vkey), "--state", str(tmp_path / "state.json")]
    return demo_database, tmp_path / "copy", arguments


def audit(directory: Path, arguments: list[str], capsys) -> tuple[int, str]:
    code = main(["audit", str(directory), *arguments, "--totals"])
    return code, capsys.readouterr().out


def export(database: Database, directory: Path) -> None:
    export_log(database, directory, SIGNER.verifier.vkey)


def test_an_untouched_log_is_consistent_and_its_totals_are_printed(logged, capsys) -> None:
    database, directory, arguments = logged
    export(database, directory)
    code, out = audit(directory, arguments, capsys)
    assert code == 0, out
    assert "CONSISTENT" in out and "no gaps" in out
    rows = [line.split("\t") for line in out.splitlines() if line.count("\t") == 5][1:]
    assert any(row[4] == "30000" for row in rows)  # the cancelled receipt's amount, counted apart
    # Later, with more receipts, the new checkpoint must extend the one seen.
    assert audit(directory, arguments, capsys)[0] == 0


def test_a_leaf_changed_in_the_database_is_found(logged, capsys) -> None:
    database, directory, arguments = logged
    export(database, directory)
    assert audit(directory, arguments, capsys)[0] == 0
    with database.write() as session:
        leaf = session.scalars(select(LogLeaf).order_by(LogLeaf.idx.desc()).limit(1)).one()
        entry = LogEntry.decode(leaf.entry)
        changed = entry.encode().replace(
            f"amount {entry.amount}".encode(), f"amount {entry.amount + 1}".encode()
        )
        session.execute(update(LogLeaf).where(LogLeaf.idx == leaf.idx).values(entry=changed))
    export(database, directory)
    code, out = audit(directory, arguments, capsys)
    assert code == 1
    assert "root recomputed from the entries differs" in out


def test_a_receipt_deleted_before_it_reached_the_log_leaves_a_gap(
    issuer: ReceiptIssuer, logged, capsys
) -> None:
    database, directory, arguments = logged
    gone = issuer.issue(cash("AU-gone", amount=1_000))
    issuer.issue(cash("AU-after", amount=1_000))
    with database.write() as session:
        session.execute(delete(Receipt).where(Receipt.id == gone.receipt_id))
    catch_up(database)
    export(database, directory)
    code, out = audit(directory, arguments, capsys)
    assert code == 1
    assert f"has gaps: {gone.content.number:07d}" in out


def test_a_cancellation_before_its_receipt_is_found(logged, capsys, tmp_path: Path) -> None:
    database, directory, arguments = logged
    with database.read() as session:
        entries = list(session.scalars(select(LogLeaf.entry).order_by(LogLeaf.idx)))
    cancelled = next(i for i, e in enumerate(entries) if b"event cancelled" in e)
    issued_number = LogEntry.decode(entries[cancelled]).receipt.number
    first = next(i for i, e in enumerate(entries) if LogEntry.decode(e).receipt.number == issued_number)
    entries.insert(first, entries.pop(cancelled))  # a log that puts the cancellation first
    write_log(directory, entries)
    code, out = audit(directory, arguments, capsys)
    assert code == 1
    assert "cancelled before it was issued" in out


def test_a_checkpoint_re_signed_with_another_root_at_the_same_size_is_equivocation(logged, capsys) -> None:
    database, directory, arguments = logged
    export(database, directory)
    assert audit(directory, arguments, capsys)[0] == 0
    honest = (directory / "checkpoint").read_bytes()
    size = int(honest.split(b"\n")[1])
    forged = sign_checkpoint(Checkpoint(SIGNER.name, size, bytes(32)), SIGNER)
    (directory / "checkpoint").write_bytes(forged)
    code, out = audit(directory, arguments, capsys)
    assert code == 1
    assert "equivocation" in out
    evidence = sorted(Path(arguments[3]).parent.glob("*evidence*"))
    assert [e.read_bytes() for e in evidence] == [honest, forged]


def test_an_unreadable_log_exits_2(logged, capsys, tmp_path: Path) -> None:
    _, _, arguments = logged
    assert main(["audit", str(tmp_path / "nothing-here"), *arguments]) == 2


def write_log(directory: Path, entries: list[bytes]) -> None:
    """A log of ``entries`` written by the log's key, as tlog-tiles files (one partial bundle)."""
    leaves = [merkle.leaf_hash(e) for e in entries]
    frontier = merkle.Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    (directory / "tile" / "entries").mkdir(parents=True, exist_ok=True)
    assert len(entries) < 256
    (directory / "tile" / "entries" / f"000.p/{len(entries)}").parent.mkdir(parents=True, exist_ok=True)
    (directory / "tile" / "entries" / f"000.p/{len(entries)}").write_bytes(encode_bundle(entries))
    note = sign_checkpoint(Checkpoint(SIGNER.name, len(entries), frontier.root()), SIGNER)
    (directory / "checkpoint").write_bytes(note)
