"""Receipts at level T reach level LTA under archive time-stamps over hash trees (RFC 6283), through
the HTTP TSA client, on SQLite and PostgreSQL: one TSA call per batch, bounded work per run, a
stopped TSA leaves receipts at their level until it answers; a stored receipt's evidence record
verifies and ``verify_receipt`` reports LTA; a renewal before the TSA certificate ends keeps it so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.script import ScriptDirectory
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import inspect, select
from test_issuing import cash
from test_time_stamping import TsaServer, stored
from test_time_stamping import tsa_server as tsa_server  # the fixture

from ereceipt.adapters.tsa import HttpTimeStampAuthority
from ereceipt.core.archiving.archiving import TIME_STAMPED, archive_receipts, archive_status
from ereceipt.core.archiving.records import evidence_record_for
from ereceipt.core.archiving.tables import ArchivedReceipt, ArchiveTimeStamp
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.receipts.time_stamping import time_stamp_receipts
from ereceipt.core.signatures.development_tsa import DevelopmentTSA
from ereceipt.core.signatures.evidence_record import verify_evidence_record
from ereceipt.core.signatures.pki import TIME_STAMPING, DevelopmentPKI, issue_certificate
from ereceipt.core.signers.receipt_check import verify_receipt
from ereceipt.core.signers.record import add_certificate
from ereceipt.core.storage.database import Database, alembic_config, migrate

RENEW_BEFORE = timedelta(days=1)


def now() -> datetime:
    return datetime.now(UTC)


def anchors(dev_pki: DevelopmentPKI) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(dev_pki.ca_cert.read_bytes())]


def client(server: TsaServer) -> HttpTimeStampAuthority:
    return HttpTimeStampAuthority(f"http://127.0.0.1:{server.port}/tsa", timeout_seconds=2)


def at_level_t(issuer: ReceiptIssuer, database: Database, server: TsaServer, count: int) -> None:
    for index in range(count):
        issuer.issue(cash(f"PT-LTA-{index}", amount=1_000))
    server.start()
    assert time_stamp_receipts(database, client(server), limit=count).upgraded == count
    server.stop()


def run(database: Database, tsa, dev_pki, *, batch_size: int = 2, batches: int = 10, levels=TIME_STAMPED):
    return archive_receipts(
        database,
        tsa,
        anchors(dev_pki),
        batch_size=batch_size,
        batches=batches,
        renew_before=RENEW_BEFORE,
        clock=now,
        levels=levels,  # receipts are brought to T here, with no LT
    )


def test_a_stopped_tsa_leaves_receipts_at_t_and_a_started_one_takes_them_to_lta(
    issuer: ReceiptIssuer, demo_database: Database, tsa_server: TsaServer, dev_pki: DevelopmentPKI, trust
) -> None:
    at_level_t(issuer, demo_database, tsa_server, 5)
    tsa = client(tsa_server)
    stopped = run(demo_database, tsa, dev_pki)
    assert (stopped.archived, stopped.tsa_calls, stopped.waiting) == (0, 0, 5)
    assert "Connection refused" in stopped.outage
    assert [level for level, _, _ in stored(demo_database)] == ["T"] * 5

    tsa_server.start()
    first = run(demo_database, tsa, dev_pki, batches=1)  # bounded work per run
    assert (first.archived, first.tsa_calls, first.waiting, first.outage) == (2, 1, 3, None)
    rest = run(demo_database, tsa, dev_pki)
    assert (rest.archived, rest.tsa_calls, rest.waiting) == (3, 2, 0)
    assert tsa.round_trips == 1 + 3  # the refused try, then one per batch of at most two receipts
    status = archive_status(demo_database, RENEW_BEFORE, now(), TIME_STAMPED)
    assert (status.archived, status.waiting, status.archive_time_stamps, status.renewals_due) == (5, 0, 3, 0)

    signing = x509.load_pem_x509_certificate(dev_pki.issuer_signing_cert.read_bytes())
    with demo_database.write() as session:
        since = signing.not_valid_before_utc
        add_certificate(
            session, "CCTHADS-BD", signing, actor="tester", valid_from=since, tax_code_exempt=True
        )
    for level, signed_xml, _ in stored(demo_database):
        assert level == "LTA"
        record = evidence_record_for(demo_database, signed_xml)
        assert verify_evidence_record(record, signed_xml, anchors(dev_pki), now()).renewals == 0
        report = verify_receipt(signed_xml, trust, demo_database, tsa_trust=anchors(dev_pki))
        assert report.passed, report.message
        assert report.level == "LTA"
    with demo_database.read() as session:
        assert [
            s.leaves for s in session.scalars(select(ArchiveTimeStamp).order_by(ArchiveTimeStamp.id))
        ] == [2, 2, 1]
        assert len(session.scalars(select(ArchivedReceipt)).all()) == 5


def test_archive_time_stamps_due_are_renewed_and_the_record_grows(
    issuer: ReceiptIssuer, demo_database: Database, tsa_server: TsaServer, dev_pki: DevelopmentPKI
) -> None:
    at_level_t(issuer, demo_database, tsa_server, 3)
    ca = (
        x509.load_pem_x509_certificate(dev_pki.ca_cert.read_bytes()),
        serialization.load_pem_private_key(dev_pki.ca_key.read_bytes(), None),
    )
    short = issue_certificate(
        *ca,
        "short-lived TSA",
        usage=TIME_STAMPING,
        not_before=now() - timedelta(hours=1),
        not_after=now() + timedelta(hours=2),
    )
    short_server = TsaServer(DevelopmentTSA(*short))
    short_server.start()
    try:
        assert run(demo_database, client(short_server), dev_pki).archived == 3
    finally:
        short_server.stop()
    status = archive_status(demo_database, RENEW_BEFORE, now(), TIME_STAMPED)
    assert status.renewals_due == 2  # due: ends in 2 hours

    tsa_server.start()
    renewed = run(demo_database, client(tsa_server), dev_pki)
    assert (renewed.renewed, renewed.tsa_calls, renewed.renewals_due) == (2, 1, 0)
    later = short[0].not_valid_after_utc + timedelta(minutes=1)  # the first TSA certificate has ended
    for _, signed_xml, _ in stored(demo_database):
        proof = verify_evidence_record(
            evidence_record_for(demo_database, signed_xml), signed_xml, anchors(dev_pki), later
        )
        assert proof.renewals == 1


def test_migration_0021_downgrades_to_its_parent_and_upgrades_again(demo_database: Database) -> None:
    config = alembic_config(demo_database.engine.url.render_as_string(hide_password=False))
    parent = ScriptDirectory.from_config(config).get_revision("0021").down_revision
    with demo_database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, parent)
    assert "archive_time_stamp" not in inspect(demo_database.engine).get_table_names()
    migrate(demo_database)
    assert {"archive_time_stamp", "archived_receipt"} <= set(inspect(demo_database.engine).get_table_names())


class RewritingMeanwhile:
    """A TSA during whose call another job takes the first receipt from level T to LT."""

    def __init__(self, tsa, database: Database) -> None:
        self.tsa, self.database = tsa, database

    def time_stamp(self, digest: bytes, algorithm: str = "sha256") -> bytes:
        with self.database.write() as session:
            first = session.scalars(select(Receipt).order_by(Receipt.id).limit(1)).one()
            first.signed_xml, first.signature_level = first.signed_xml + b"\n", "LT"
        return self.tsa.time_stamp(digest, algorithm)


def test_a_receipt_changed_while_the_tsa_answers_waits_for_the_next_batch(
    issuer: ReceiptIssuer, demo_database: Database, tsa_server: TsaServer, dev_pki: DevelopmentPKI
) -> None:
    at_level_t(issuer, demo_database, tsa_server, 2)
    tsa_server.start()
    tsa = client(tsa_server)
    both = ("T", "LT")  # archived from either level here, so that the rewritten receipt still waits
    first = run(demo_database, RewritingMeanwhile(tsa, demo_database), dev_pki, batches=1, levels=both)
    assert (first.archived, first.waiting) == (1, 1)
    assert sorted(level for level, _, _ in stored(demo_database)) == ["LT", "LTA"]
    assert run(demo_database, tsa, dev_pki, levels=both).archived == 1  # archived as it is now, at LT
    for _, signed_xml, _ in stored(demo_database):
        record = evidence_record_for(demo_database, signed_xml)
        assert verify_evidence_record(record, signed_xml, anchors(dev_pki), now()).renewals == 0
