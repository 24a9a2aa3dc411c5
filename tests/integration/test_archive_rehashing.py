"""Hash-tree renewal of stored receipts' evidence records (RFC 6283 section 4.2.2) on SQLite and
PostgreSQL: with ``archive_hash_algorithm`` changed to SHA-512 the archive job gives every record a
SHA-512 chain, one TSA call per batch, counted by ``archive_status`` until done; the records then
verify after the first TSA certificate ended and SHA-256 weakened, also once the old chain's
time-stamps are renewed again afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from test_archive_time_stamps import RENEW_BEFORE, anchors, at_level_t, client, now
from test_time_stamping import TsaServer, stored
from test_time_stamping import tsa_server as tsa_server  # the fixture

from ereceipt.core.archiving.archiving import TIME_STAMPED, archive_receipts, archive_status
from ereceipt.core.archiving.records import evidence_record_for
from ereceipt.core.archiving.tables import ArchiveTimeStamp
from ereceipt.core.errors import ConfigurationError
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.signatures.development_tsa import DevelopmentTSA
from ereceipt.core.signatures.evidence_record import verify_evidence_record
from ereceipt.core.signatures.pki import TIME_STAMPING, DevelopmentPKI, issue_certificate
from ereceipt.core.storage.database import Database


def run(database: Database, tsa, dev_pki, algorithm: str, renew_before=RENEW_BEFORE, batches: int = 10):
    return archive_receipts(
        database,
        tsa,
        anchors(dev_pki),
        batch_size=2,
        batches=batches,
        renew_before=renew_before,
        clock=now,
        levels=TIME_STAMPED,
        algorithm=algorithm,
    )


def test_records_are_renewed_under_sha512_and_verify_after_sha256_weakens(
    issuer: ReceiptIssuer, demo_database: Database, tsa_server: TsaServer, dev_pki: DevelopmentPKI
) -> None:
    at_level_t(issuer, demo_database, tsa_server, 3)
    ca = (
        x509.load_pem_x509_certificate(dev_pki.ca_cert.read_bytes()),
        serialization.load_pem_private_key(dev_pki.ca_key.read_bytes(), None),
    )
    ending = now() + timedelta(hours=2)
    short = issue_certificate(
        *ca, "short-lived TSA", usage=TIME_STAMPING, not_before=now() - timedelta(hours=1), not_after=ending
    )
    short_server = TsaServer(DevelopmentTSA(*short))
    short_server.start()
    try:
        assert run(demo_database, client(short_server), dev_pki, "sha256").archived == 3
    finally:
        short_server.stop()
    tsa_server.start()
    assert run(demo_database, client(tsa_server), dev_pki, "sha256").renewed == 2  # a two-stamp SHA-256 chain
    assert archive_status(demo_database, RENEW_BEFORE, now(), TIME_STAMPED, "sha256").rehash_due == 0
    status = archive_status(demo_database, RENEW_BEFORE, now(), TIME_STAMPED, "sha512")
    assert status.rehash_due == 3
    assert "3 records due for a hash-tree renewal to sha512" in str(status)

    with pytest.raises(ConfigurationError, match="archive_hash_algorithm"):
        run(demo_database, client(tsa_server), dev_pki, "sha1")
    tsa = client(tsa_server)
    first = run(demo_database, tsa, dev_pki, "sha512", batches=1)  # bounded: one TSA call
    assert (first.rehashed, first.tsa_calls, first.rehash_due) == (2, 1, 1)
    rest = run(demo_database, tsa, dev_pki, "sha512")
    assert (rest.rehashed, rest.tsa_calls, rest.rehash_due) == (1, 1, 0)
    assert tsa.round_trips == 2
    # every open time-stamp renewed once more, the old chain's too: the records still verify
    lasting = issue_certificate(
        *ca, "lasting TSA", usage=TIME_STAMPING, not_after=now() + timedelta(days=3650)
    )
    lasting_server = TsaServer(DevelopmentTSA(*lasting))
    lasting_server.start()
    try:
        everything = timedelta(days=3000)  # every open one, none made by the lasting TSA
        again = run(demo_database, client(lasting_server), dev_pki, "sha512", renew_before=everything)
    finally:
        lasting_server.stop()
    assert (again.renewed, again.tsa_calls, again.outage) == (3, 2, None)  # one SHA-256, one SHA-512 batch
    with demo_database.read() as session:
        algorithms = session.scalars(select(ArchiveTimeStamp.hash_algorithm).order_by(ArchiveTimeStamp.id))
        assert set(algorithms) == {"sha256", "sha512"}

    later = ending + timedelta(minutes=1)  # the first TSA certificate has ended, and SHA-256 is weak
    weak = {"sha256": ending}
    for level, signed_xml, _ in stored(demo_database):
        assert level == "LTA"
        record = evidence_record_for(demo_database, signed_xml)
        proof = verify_evidence_record(record, signed_xml, anchors(dev_pki), later, weak)
        assert proof.chains == 2
