"""The transparency log's sequencer and store on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select

from ereceipt.core.errors import Conflict
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.storage import driver_sql
from ereceipt.core.storage.audit import AuditEvent
from ereceipt.core.storage.database import Database
from ereceipt.core.transparency import merkle
from ereceipt.core.transparency.checkpoint import open_checkpoint
from ereceipt.core.transparency.entries import LogEntry, decode_bundle
from ereceipt.core.transparency.sequencer import integrate
from ereceipt.core.transparency.signed_note import Signer
from ereceipt.core.transparency.store import LogStore, ReceiptLog, receipt_log
from ereceipt.core.transparency.tables import LogCheckpoint, LogLeaf
from ereceipt.core.transparency.tiles import Tile, tile_width
from tests.integration.test_issuing import PAYER, cash

ORIGIN = "test.invalid/ereceipt-log"
SIGNER = Signer(ORIGIN, Ed25519PrivateKey.generate())


def run(database: Database, batch_size: int = 1000):
    return integrate(database, SIGNER, batch_size=batch_size, clock=lambda: datetime.now(UTC))


def catch_up(database: Database, batch_size: int = 1000) -> int:
    runs = 0
    while run(database, batch_size).appended or runs == 0:
        runs += 1
    return runs


def log_entries(database: Database) -> list[LogEntry]:
    with database.read() as session:
        return [LogEntry.decode(e) for e in session.scalars(select(LogLeaf.entry).order_by(LogLeaf.idx))]


def latest(database: Database):
    with database.read() as session:
        stored = LogStore(session).latest_checkpoint()
    return open_checkpoint(stored.note, SIGNER.verifier).checkpoint


def root_from_entries(database: Database) -> bytes:
    with database.read() as session:
        entries = session.scalars(select(LogLeaf.entry).order_by(LogLeaf.idx)).all()
    return merkle.reference_root([merkle.leaf_hash(e) for e in entries])


def test_every_receipt_event_becomes_one_leaf_and_the_checkpoint_signs_the_root(
    issuer: ReceiptIssuer, demo_database: Database
) -> None:
    catch_up(demo_database)
    before = latest(demo_database).size
    first = issuer.issue(cash("TL-1"))
    second = issuer.issue(cash("TL-2", amount=2_000_000))
    issuer.cancel(first.receipt_id, officer="pho.truong", reason="Nhầm")
    replacement = issuer.replace(second.receipt_id, officer="pho.truong", reason="Sai tên", payer=PAYER)
    catch_up(demo_database)
    checkpoint = latest(demo_database)
    assert checkpoint.size == before + 5
    assert checkpoint.root == root_from_entries(demo_database)
    new = log_entries(demo_database)[before:]
    assert [e.event for e in new] == ["issued", "issued", "cancelled", "cancelled", "replaced"]
    assert [e.receipt.number for e in new] == [
        first.content.number, second.content.number, first.content.number,
        second.content.number, replacement.content.number,
    ]  # fmt: skip
    assert new[4].replaces == second.content.number
    assert new[1].amount == 2_000_000
    with demo_database.read() as session:
        digest = session.get(Receipt, first.receipt_id).identity_digest
    assert new[0].identity == new[2].identity == digest


def test_entries_name_no_payer_and_identical_payments_get_different_identities(
    issuer: ReceiptIssuer, demo_database: Database
) -> None:
    one, two = issuer.issue(cash("TL-A")), issuer.issue(cash("TL-B"))
    catch_up(demo_database)
    with demo_database.read() as session:
        raw = b"".join(session.scalars(select(LogLeaf.entry)))
    for secret in (PAYER.name, PAYER.identity_number, PAYER.address, one.content.lookup_code):
        assert secret.encode() not in raw
    entries = {e.receipt.number: e for e in log_entries(demo_database)}
    # Same payer, amount, case and day: only the random lookup code inside the signature differs.
    assert entries[one.content.number].identity != entries[two.content.number].identity


def test_receipts_issued_before_the_log_are_backfilled_in_number_order_in_bounded_batches(
    issuer: ReceiptIssuer, demo_database: Database
) -> None:
    issued = [issuer.issue(cash(f"BF-{i}")) for i in range(5)]
    issuer.cancel(issued[1].receipt_id, officer="pho.truong", reason="Nhầm")
    with demo_database.read() as session:
        total = len(session.scalars(select(Receipt.id)).all())
    first = run(demo_database, batch_size=2)
    assert first.backfilling and first.appended == 2
    catch_up(demo_database, batch_size=2)
    entries = log_entries(demo_database)
    assert len(entries) == total + 1  # every receipt once, and the one cancellation
    issues = [(e.receipt.year, e.receipt.series, e.receipt.number) for e in entries if e.event != "cancelled"]
    assert issues == sorted(issues)
    assert entries[-1].event == "cancelled"
    # The audit events of the backfilled receipts do not add them again.
    assert run(demo_database).appended == 0
    later = issuer.issue(cash("BF-later"))
    assert run(demo_database).appended == 1
    assert log_entries(demo_database)[-1].receipt.number == later.content.number


def test_a_receipt_committed_after_the_log_started_below_the_backfill_position_is_integrated_once(
    issuer: ReceiptIssuer, demo_database: Database, database_url
) -> None:
    """A receipt whose transaction is open when the log starts, numbered before every receipt the
    backfill takes (a year earlier), with an audit event older than the last one the log could see,
    commits only after the backfill has passed it: the audit trail appends it, once."""
    if database_url.kind != "postgresql":
        pytest.skip("on SQLite the sequencer waits for the writer; no transaction is open beside it")
    issuer.issue(cash("LATE-0"))
    receipt = Receipt.__table__
    with demo_database.read() as session:
        template = dict(session.execute(select(receipt).order_by(receipt.c.id).limit(1)).mappings().one())
    late = {
        **{k: v for k, v in template.items() if k not in ("id", "replaces_id", "cancelled_at")},
        "year": template["year"] - 1,
        "number": 1,
        "status": "ISSUED",
        "lookup_code": "LATECOMMIT000001",
        "identity_digest": "ab" * 32,
    }
    other = Database.from_url(database_url.url)
    try:
        with other.engine.connect() as connection:
            transaction = connection.begin()
            late_id = connection.execute(insert(receipt).values(late).returning(receipt.c.id)).scalar_one()
            connection.execute(
                insert(AuditEvent).values(
                    at=datetime.now(UTC), actor="test", action="receipt.issued",
                    entity="receipt", entity_id=str(late_id), details="{}",
                )
            )  # fmt: skip
            for i in range(1, 4):  # committed after it, their audit events numbered after its own
                issuer.issue(cash(f"LATE-{i}"))
            first = run(demo_database, batch_size=2)
            assert first.backfilling
            catch_up(demo_database, batch_size=2)
            assert late_id not in leaf_receipts(demo_database)
            transaction.commit()
    finally:
        other.dispose()
    catch_up(demo_database, batch_size=2)
    leaves = leaf_receipts(demo_database)
    assert leaves.count(late_id) == 1
    assert len(leaves) == len(set(leaves))
    assert latest(demo_database).root == root_from_entries(demo_database)


def leaf_receipts(database: Database) -> list[int]:
    with database.read() as session:
        return list(session.scalars(select(LogLeaf.receipt_id).order_by(LogLeaf.idx)))


def test_inclusion_proof_of_a_receipt_verifies_against_the_latest_checkpoint(
    issuer: ReceiptIssuer, demo_database: Database
) -> None:
    receipt = issuer.issue(cash("IP-1"))
    with demo_database.read() as session:
        assert LogStore(session).inclusion_of_receipt(receipt.receipt_id) == []
    catch_up(demo_database)
    for i in range(7):
        issuer.issue(cash(f"IP-more-{i}"))
    catch_up(demo_database)
    with demo_database.read() as session:
        (inclusion,) = LogStore(session).inclusion_of_receipt(receipt.receipt_id)
    assert inclusion.event == "issued" and inclusion.verified
    assert inclusion.checkpoint.size == latest(demo_database).size
    tampered = replace(inclusion, entry=inclusion.entry.replace(b"amount 1015000", b"amount 1015001"))
    assert not tampered.verified


def test_a_receipts_log_status_read_on_the_driver_connection_is_the_stores(
    issuer: ReceiptIssuer, demo_database: Database
) -> None:
    # getReceipt's path (core.driver_sql): the same checkpoint, leaves and proofs as the ORM's.
    with driver_sql.glance(demo_database) as connection:
        assert receipt_log(connection, 1) == ReceiptLog(None, ())
    issuer.issue(cash("DS-1"))
    catch_up(demo_database)
    receipt = issuer.issue(cash("DS-2"))
    with driver_sql.glance(demo_database) as connection:  # not in the log yet
        assert receipt_log(connection, receipt.receipt_id).leaves == ()
        assert receipt_log(connection, receipt.receipt_id).checkpoint.size == 1
    for i in range(40):
        issuer.issue(cash(f"DS-more-{i}", amount=1_000))
    catch_up(demo_database)
    with demo_database.read() as session:
        expected = LogStore(session).inclusion_of_receipt(receipt.receipt_id)
    with driver_sql.glance(demo_database) as connection:
        found = receipt_log(connection, receipt.receipt_id)
    assert found.in_log and found.leaves == tuple(expected) and found.checkpoint == expected[0].checkpoint
    assert all(leaf.verified for leaf in found.leaves) and len(found.leaves[0].proof) >= 5


def test_consistency_proofs_link_every_kept_checkpoint(
    issuer: ReceiptIssuer, demo_database: Database
) -> None:
    for i in range(6):
        issuer.issue(cash(f"CP-{i}", amount=10_000))
        run(demo_database)
    with demo_database.read() as session:
        store = LogStore(session)
        query = select(LogCheckpoint.size, LogCheckpoint.root).order_by(LogCheckpoint.size)
        checkpoints = session.execute(query).all()
        newest = checkpoints[-1]
        for size, root in checkpoints:
            proof = store.consistency_proof(size, newest.size)
            assert merkle.verify_consistency(size, newest.size, root, newest.root, proof)


def test_tiles_and_entry_bundles_recompute_the_root(issuer: ReceiptIssuer, demo_database: Database) -> None:
    for i in range(3):
        issuer.issue(cash(f"TI-{i}"))
    catch_up(demo_database)
    checkpoint = latest(demo_database)
    with demo_database.read() as session:
        store = LogStore(session)
        width = tile_width(0, 0, checkpoint.size)
        hashes = store.tile(Tile(0, 0, width))
        bundle = decode_bundle(store.tile(Tile(-1, 0, width)))
    assert len(hashes) == 32 * width and len(bundle) == width
    leaves = [hashes[i : i + 32] for i in range(0, len(hashes), 32)]
    assert leaves == [merkle.leaf_hash(entry) for entry in bundle]
    assert merkle.reference_root(leaves) == checkpoint.root


def test_two_sequencers_at_once_never_fork_the_tree(
    issuer: ReceiptIssuer, demo_database: Database, database_url
) -> None:
    for i in range(30):
        issuer.issue(cash(f"PAR-{i}", amount=10_000))
    others = [Database.from_url(database_url.url) for _ in range(3)]
    errors = []

    def sequence(database: Database) -> None:
        try:
            for _ in range(10):
                run(database, batch_size=3)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=sequence, args=(db,)) for db in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for db in others:
        db.dispose()
    assert errors == []
    catch_up(demo_database)
    entries = log_entries(demo_database)
    assert len({(e.receipt.number, e.event) for e in entries}) == len(entries)
    assert latest(demo_database).root == root_from_entries(demo_database)
    with demo_database.read() as session:
        sizes = session.execute(select(LogCheckpoint.size, LogCheckpoint.root)).all()
        store = LogStore(session)
        newest = max(sizes)
        for size, root in sizes:
            proof = store.consistency_proof(size, newest.size)
            assert merkle.verify_consistency(size, newest.size, root, newest.root, proof)


def test_a_receipt_without_identity_digest_stops_integration_with_a_clear_error(
    issuer: ReceiptIssuer, demo_database: Database
) -> None:
    catch_up(demo_database)
    receipt = issuer.issue(cash("NOID"))
    with demo_database.write() as session:
        session.get(Receipt, receipt.receipt_id).identity_digest = None
    with pytest.raises(Conflict, match="no identity digest"):
        run(demo_database)
    with demo_database.read() as session:
        assert session.scalar(select(LogLeaf.idx).where(LogLeaf.receipt_id == receipt.receipt_id)) is None


def test_the_scheduled_job_appends_in_bounded_batches_and_signs_with_the_configured_key(
    issuer: ReceiptIssuer, demo_database: Database, database_url, tmp_path
) -> None:
    from ereceipt.app.jobs import transparency_log
    from ereceipt.app.wiring import Services
    from ereceipt.config import load_settings
    from ereceipt.core.transparency.log_key import make_log_key

    for i in range(5):
        issuer.issue(cash(f"JOB-{i}", amount=10_000))
    key = tmp_path / "transparency-log.key.pem"
    verifier = make_log_key(key, ORIGIN).verifier
    environ = {
        "ERECEIPT_DATABASE__URL": database_url.url,
        "ERECEIPT_TRANSPARENCY__LOG_KEY": str(key),
        "ERECEIPT_TRANSPARENCY__ORIGIN": ORIGIN,
        "ERECEIPT_TRANSPARENCY__BATCH_SIZE": "2",
        "ERECEIPT_TRANSPARENCY__BATCHES_PER_RUN": "2",
    }
    services = Services(load_settings(None, environ=environ))
    try:
        outcome = transparency_log(services)
        assert outcome.startswith("log size 0 -> 4")
        while "-> " in outcome and outcome.split()[2] != outcome.split()[4]:
            outcome = transparency_log(services)
    finally:
        services.database.dispose()
    with demo_database.read() as session:
        stored = LogStore(session).latest_checkpoint()
        total = len(session.scalars(select(Receipt.id)).all())
    assert open_checkpoint(stored.note, verifier).checkpoint.size == total


def test_sequencer_processes_started_together_never_fork_the_tree(
    issuer: ReceiptIssuer, demo_database: Database, database_url, tmp_path
) -> None:
    import os
    import subprocess
    import sys

    from ereceipt.core.transparency.log_key import make_log_key

    for i in range(40):
        issuer.issue(cash(f"PROC-{i}", amount=5_000))
    key = tmp_path / "transparency-log.key.pem"
    make_log_key(key, ORIGIN)
    env = {
        **os.environ,
        "ERECEIPT_DATABASE__URL": database_url.url,
        "ERECEIPT_TRANSPARENCY__LOG_KEY": str(key),
        "ERECEIPT_TRANSPARENCY__ORIGIN": ORIGIN,
        "ERECEIPT_TRANSPARENCY__BATCH_SIZE": "7",
        "ERECEIPT_TRANSPARENCY__BATCHES_PER_RUN": "3",
    }
    command = [sys.executable, "-m", "ereceipt", "transparency", "integrate"]
    processes = [
        subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120)[0].decode() for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    catch_up(demo_database)
    entries = log_entries(demo_database)
    assert len({(e.receipt.number, e.receipt.series, e.event) for e in entries}) == len(entries)
    with demo_database.read() as session:
        total = len(session.scalars(select(Receipt.id)).all())
        checkpoints = session.execute(select(LogCheckpoint.size, LogCheckpoint.root)).all()
        store = LogStore(session)
        newest = max(checkpoints)
        assert newest.size == total
        for size, root in checkpoints:  # every checkpoint any process signed is a prefix of the newest
            proof = store.consistency_proof(size, newest.size)
            assert merkle.verify_consistency(size, newest.size, root, newest.root, proof)


def test_the_job_gets_each_new_checkpoint_cosigned_by_the_witness_even_one_that_forgot_it(
    issuer: ReceiptIssuer, demo_database: Database, database_url, tmp_path
) -> None:
    from ereceipt.app.jobs import transparency_log
    from ereceipt.app.wiring import Services
    from ereceipt.config import load_settings
    from ereceipt.core.transparency import signed_note
    from ereceipt.core.transparency.log_key import make_log_key
    from ereceipt.devtools.witness import WitnessServer, witness_key, witness_vkey_path

    key = tmp_path / "transparency-log.key.pem"
    log_verifier = make_log_key(key, ORIGIN).verifier
    cosigner = witness_key(tmp_path / "witness.key.pem", "test.invalid/witness")
    witness = WitnessServer(cosigner, {ORIGIN: log_verifier}, tmp_path / "w.json", port=0).start()
    environ = {
        "ERECEIPT_DATABASE__URL": database_url.url,
        "ERECEIPT_TRANSPARENCY__LOG_KEY": str(key),
        "ERECEIPT_TRANSPARENCY__ORIGIN": ORIGIN,
        "ERECEIPT_TRANSPARENCY__WITNESS_URL": f"http://127.0.0.1:{witness.port}",
        "ERECEIPT_TRANSPARENCY__WITNESS_VKEY": str(witness_vkey_path(tmp_path / "witness.key.pem")),
    }
    services = Services(load_settings(None, environ=environ))

    def cosigned_size() -> int:
        with demo_database.read() as session:
            latest = LogStore(session).latest_checkpoint()
        assert cosigner.verifier.cosigned_at(signed_note.parse(latest.note)) is not None
        return latest.size

    try:
        assert "cosigned by test.invalid/witness" in transparency_log(services)
        first = cosigned_size()
        issuer.issue(cash("WIT-1", amount=10_000))
        assert "cosigned" in transparency_log(services)
        assert cosigned_size() == first + 1
        # A witness that lost its state (409 with size 0) is answered from its own size.
        witness.stop()
        witness = WitnessServer(cosigner, {ORIGIN: log_verifier}, tmp_path / "new.json", port=0).start()
        services.database.dispose()
        services = Services(
            load_settings(
                None,
                environ={**environ, "ERECEIPT_TRANSPARENCY__WITNESS_URL": f"http://127.0.0.1:{witness.port}"},
            )
        )
        issuer.issue(cash("WIT-2", amount=10_000))
        assert "cosigned" in transparency_log(services)
        assert cosigned_size() == first + 2
        # A witness down never stops the log.
        witness.stop()
        issuer.issue(cash("WIT-3", amount=10_000))
        outcome = transparency_log(services)
        assert f"-> {first + 3}" in outcome and "witness unreachable" in outcome
    finally:
        witness.stop()
        services.database.dispose()
