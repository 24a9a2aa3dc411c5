"""RFC 6283 evidence records over receipts: one archive time-stamp for a batch, each receipt's record
verifies against its own bytes and nothing else, renewals chain while each TSA certificate is
valid, and ``openssl ts -verify`` accepts the archive time-stamp over the hash tree's root."""

from __future__ import annotations

import base64
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from test_timestamp import InProcess

from ereceipt.core.errors import VerificationFailed
from ereceipt.core.signatures.development_tsa import DevelopmentTSA
from ereceipt.core.signatures.evidence_record import (
    ArchiveStamp,
    data_object_digest,
    evidence_record,
    renewal_digest,
    time_stamp_batch,
    verify_evidence_record,
)
from ereceipt.core.signatures.hash_tree import root_of
from ereceipt.core.signatures.pki import TIME_STAMPING, issue_certificate
from ereceipt.core.xml.namespaces import ERS

NOW = datetime.now(UTC).replace(microsecond=0)
SHORT_END = NOW + timedelta(hours=2)  # the short-lived TSA certificate's end
LATER = NOW + timedelta(days=400)


@pytest.fixture(scope="module")
def short_tsa(ca):
    return issue_certificate(
        *ca, "short-lived TSA", usage=TIME_STAMPING, not_before=NOW - timedelta(hours=1), not_after=SHORT_END
    )


@pytest.fixture(scope="module")
def long_tsa(ca):
    return issue_certificate(
        *ca,
        "long-lived TSA",
        usage=TIME_STAMPING,
        not_before=NOW - timedelta(hours=1),
        not_after=NOW + timedelta(days=3650),
    )


def at(parts, moment: datetime) -> InProcess:
    return InProcess(DevelopmentTSA(*parts, clock=lambda: moment))


def documents(count: int) -> list[bytes]:
    return [
        f'<?xml version="1.0"?>\n<r:Receipt xmlns:r="urn:x"><r:No>{n}</r:No></r:Receipt>'.encode()
        for n in range(count)
    ]


def records(docs: list[bytes], tsa: InProcess, trust) -> dict[bytes, bytes]:
    batch = time_stamp_batch([data_object_digest(d) for d in docs], tsa, trust)
    return {
        d: evidence_record([ArchiveStamp(batch.reduced[data_object_digest(d)], batch.stamp.token)])
        for d in docs
    }


def test_one_time_stamp_gives_every_receipt_of_a_batch_its_record(ca, long_tsa) -> None:
    docs = documents(7)
    for document, record in records(docs, at(long_tsa, NOW), [ca[0]]).items():
        proof = verify_evidence_record(record, document, [ca[0]], LATER)
        assert (proof.time, proof.renewals) == (NOW, 0)
        # a record proves the receipts whose digests lead to its root (its first group holds a
        # sibling's digest too, RFC 4998 4.3), never a receipt outside the batch
        with pytest.raises(VerificationFailed, match="does not cover the archived document"):
            verify_evidence_record(record, documents(8)[7], [ca[0]], LATER)


def test_the_digest_covers_the_document_as_archived_not_its_serialization(ca, long_tsa) -> None:
    (document,) = documents(1)
    record = records([document], at(long_tsa, NOW), [ca[0]])[document]
    reserialized = etree.tostring(etree.fromstring(document))  # no XML declaration: the same C14N form
    assert verify_evidence_record(record, reserialized, [ca[0]], NOW).time == NOW
    with pytest.raises(VerificationFailed, match="does not cover"):
        verify_evidence_record(record, document.replace(b">1<", b">2<").replace(b">0<", b">9<"), [ca[0]], NOW)


def test_a_changed_reduced_tree_or_token_fails(ca, long_tsa) -> None:
    docs = documents(5)
    document, record = next(iter(records(docs, at(long_tsa, NOW), [ca[0]]).items()))
    root = etree.fromstring(record)
    values = root.findall(f".//{{{ERS}}}Sequence[@Order='2']/{{{ERS}}}DigestValue")
    values[0].text = base64.b64encode(bytes(32)).decode()
    with pytest.raises(VerificationFailed, match="message imprint"):
        verify_evidence_record(etree.tostring(root), document, [ca[0]], NOW)
    foreign = records(documents(2), at(long_tsa, NOW), [ca[0]])
    other = etree.fromstring(next(iter(foreign.values())))
    mine = etree.fromstring(record)
    token = f".//{{{ERS}}}TimeStampToken"
    mine.find(token).text = other.find(token).text
    with pytest.raises(VerificationFailed, match="archive time-stamp 1"):
        verify_evidence_record(etree.tostring(mine), document, [ca[0]], NOW)


def stamps(document: bytes, ca, first, renewals) -> list[ArchiveStamp]:
    """A chain: the initial archive time-stamp from ``first``, then one renewal from each of ``renewals``."""
    batch = time_stamp_batch([data_object_digest(document)], first, [ca[0]])
    chain = [ArchiveStamp(batch.reduced[data_object_digest(document)], batch.stamp.token)]
    for tsa in renewals:
        covered = renewal_digest(chain[-1].token)
        other = renewal_digest(b"another batch's token")  # renewals are batched too
        renewal = time_stamp_batch([covered, other], tsa, [ca[0]])
        chain.append(ArchiveStamp(renewal.reduced[covered], renewal.stamp.token))
    return chain


def test_a_renewal_before_the_tsa_certificate_expires_carries_the_proof_on(ca, short_tsa, long_tsa) -> None:
    (document,) = documents(1)
    chain = stamps(document, ca, at(short_tsa, NOW), [at(long_tsa, NOW + timedelta(hours=1))])
    proof = verify_evidence_record(evidence_record(chain), document, [ca[0]], LATER)
    assert (proof.time, proof.renewals, proof.valid_until) == (NOW, 1, long_tsa[0].not_valid_after_utc)
    with pytest.raises(VerificationFailed, match="not renewed before"):
        verify_evidence_record(evidence_record(chain[:1]), document, [ca[0]], LATER)


def test_a_renewal_after_the_tsa_certificate_expired_proves_nothing(ca, short_tsa, long_tsa) -> None:
    (document,) = documents(1)
    chain = stamps(document, ca, at(short_tsa, NOW), [at(long_tsa, SHORT_END + timedelta(minutes=1))])
    with pytest.raises(VerificationFailed, match="was not made while the one it renews was valid"):
        verify_evidence_record(evidence_record(chain), document, [ca[0]], LATER)


def test_a_renewal_must_cover_the_time_stamp_it_renews(ca, long_tsa) -> None:
    first, second = documents(2)
    chain = stamps(first, ca, at(long_tsa, NOW), [at(long_tsa, NOW)])
    other = stamps(second, ca, at(long_tsa, NOW), [])
    with pytest.raises(VerificationFailed, match="does not cover the archive time-stamp it renews"):
        verify_evidence_record(evidence_record([other[0], chain[1]]), second, [ca[0]], NOW)


def test_records_that_are_not_xmlers_are_refused(ca) -> None:
    (document,) = documents(1)
    for bad in (b"<x/>", b"not xml", f'<EvidenceRecord xmlns="{ERS}" Version="1.0"/>'.encode()):
        with pytest.raises(VerificationFailed):
            verify_evidence_record(bad, document, [ca[0]], NOW)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_the_archive_time_stamp_over_the_root(ca, long_tsa, tmp_path: Path) -> None:
    docs = documents(9)
    batch = time_stamp_batch([data_object_digest(d) for d in docs], at(long_tsa, NOW), [ca[0]])
    root = root_of(batch.reduced[data_object_digest(docs[3])])
    pem = serialization.Encoding.PEM
    (tmp_path / "token.der").write_bytes(batch.stamp.token)
    (tmp_path / "ca.pem").write_bytes(ca[0].public_bytes(pem))
    (tmp_path / "tsa.pem").write_bytes(long_tsa[0].public_bytes(pem))
    command = [
        "openssl",
        "ts",
        "-verify",
        "-digest",
        root.hex(),
        "-token_in",
        "-in",
        str(tmp_path / "token.der"),
    ]
    command += ["-CAfile", str(tmp_path / "ca.pem"), "-untrusted", str(tmp_path / "tsa.pem")]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Verification: OK" in done.stdout
