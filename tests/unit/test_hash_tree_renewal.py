"""Hash-tree renewal of RFC 6283 evidence records (section 4.2.2): a second chain under SHA-512 whose
first hash tree covers the document hashed anew together with the chains before it; it carries the
proof past the first chain's TSA certificate and hash, and only a renewal made in time counts."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from test_evidence_record import LATER, NOW, SHORT_END, at, documents, long_tsa, short_tsa, stamps  # noqa: F401 (fixtures)

from ereceipt.core.errors import ConfigurationError, VerificationFailed
from ereceipt.core.signatures.evidence_record import (
    ArchiveChain,
    ArchiveStamp,
    data_object_digest,
    evidence_record,
    evidence_record_of_chains,
    renewal_digest,
    require_strong,
    sequence_digest,
    time_stamp_batch,
    verify_evidence_record,
)
from ereceipt.core.signatures.hash_tree import reduce_group, root_of, under_group
from ereceipt.core.xml.namespaces import ERS

SHA256_WEAK = {"sha256": NOW + timedelta(hours=3)}  # a frozen policy in which SHA-256 weakens soon
CHAIN = f".//{{{ERS}}}ArchiveTimeStampChain"


def renewed(document: bytes, first: list[ArchiveStamp], tsa, ca, algorithm: str = "sha512") -> ArchiveChain:
    """The chain under ``algorithm`` that a hash-tree renewal of the one-chain record ``first``
    makes, batched with two other receipts' leaves."""
    data = data_object_digest(document, algorithm)
    chains = sequence_digest(evidence_record(first), algorithm)
    leaf = reduce_group([data, chains], algorithm)
    others = [hashlib.new(algorithm, bytes([n])).digest() for n in range(2)]
    batch = time_stamp_batch([leaf, *others], tsa, [ca[0]], algorithm)
    reduced = under_group([data, chains], batch.reduced[leaf], algorithm)
    return ArchiveChain(algorithm, [ArchiveStamp(reduced, batch.stamp.token)])


def two_chains(document: bytes, ca, short_tsa, long_tsa, renewed_at=NOW + timedelta(hours=1)) -> bytes:  # noqa: F811
    first = stamps(document, ca, at(short_tsa, NOW), [])
    second = renewed(document, first, at(long_tsa, renewed_at), ca)
    return evidence_record_of_chains([ArchiveChain("sha256", first), second])


def test_a_record_renewed_from_sha256_to_sha512_verifies_after_both_end(ca, short_tsa, long_tsa) -> None:  # noqa: F811
    (document,) = documents(1)
    record = two_chains(document, ca, short_tsa, long_tsa)
    proof = verify_evidence_record(record, document, [ca[0]], LATER, SHA256_WEAK)
    assert (proof.time, proof.chains, proof.renewals) == (NOW, 2, 1)
    assert proof.valid_until == long_tsa[0].not_valid_after_utc
    # the first chain alone proves nothing once SHA-256 is weak, nor after its TSA certificate ended
    lasting = evidence_record(stamps(document, ca, at(long_tsa, NOW), []))
    assert verify_evidence_record(lasting, document, [ca[0]], NOW + timedelta(hours=2), SHA256_WEAK)
    with pytest.raises(VerificationFailed, match="weak since"):
        verify_evidence_record(lasting, document, [ca[0]], NOW + timedelta(hours=4), SHA256_WEAK)
    with pytest.raises(VerificationFailed, match="not renewed before"):
        verify_evidence_record(
            evidence_record(stamps(document, ca, at(short_tsa, NOW), [])), document, [ca[0]], LATER
        )
    # the new chain names SHA-512, and its first group holds the two SHA-512 values it covers
    chain = etree.fromstring(record).find(f"{CHAIN}[@Order='2']")
    assert chain.find(f"{{{ERS}}}DigestMethod").get("Algorithm").endswith("#sha512")
    group = chain.findall(f".//{{{ERS}}}Sequence[@Order='1']/{{{ERS}}}DigestValue")
    assert [len(base64.b64decode(value.text)) for value in group] == [64, 64]


def test_a_time_stamp_renewal_within_the_sha512_chain_verifies(ca, short_tsa, long_tsa) -> None:  # noqa: F811
    (document,) = documents(1)
    first = stamps(document, ca, at(short_tsa, NOW), [])
    second = renewed(document, first, at(long_tsa, NOW + timedelta(hours=1)), ca)
    covered = renewal_digest(second.stamps[0].token, "sha512")
    batch = time_stamp_batch([covered], at(long_tsa, NOW + timedelta(days=2)), [ca[0]], "sha512")
    chain = ArchiveChain("sha512", [*second.stamps, ArchiveStamp(batch.reduced[covered], batch.stamp.token)])
    record = evidence_record_of_chains([ArchiveChain("sha256", first), chain])
    assert verify_evidence_record(record, document, [ca[0]], LATER, SHA256_WEAK).renewals == 2


def test_tampering_with_the_old_chain_or_the_data_fails(ca, short_tsa, long_tsa) -> None:  # noqa: F811
    document, other = documents(2)
    record = two_chains(document, ca, short_tsa, long_tsa)
    with pytest.raises(VerificationFailed, match="does not cover the archived document"):
        verify_evidence_record(record, other, [ca[0]], NOW)
    # the old chain swapped for another valid one over the same document: the new chain does not cover it
    root = etree.fromstring(record)
    again = stamps(document, ca, at(short_tsa, NOW + timedelta(seconds=5)), [])
    old = root.find(f"{CHAIN}[@Order='1']")
    old.getparent().replace(old, etree.fromstring(evidence_record(again)).find(CHAIN))
    with pytest.raises(VerificationFailed, match="the archived document and the chains before"):
        verify_evidence_record(etree.tostring(root), document, [ca[0]], NOW)
    # a changed value in the old chain's tree breaks its own time-stamp
    root = etree.fromstring(record)
    root.find(f"{CHAIN}[@Order='1']//{{{ERS}}}DigestValue").text = base64.b64encode(bytes(32)).decode()
    with pytest.raises(VerificationFailed, match="archive time-stamp 1 "):
        verify_evidence_record(etree.tostring(root), document, [ca[0]], NOW)


def test_a_hash_tree_renewal_made_too_late_is_refused(ca, short_tsa, long_tsa) -> None:  # noqa: F811
    (document,) = documents(1)
    late = two_chains(document, ca, short_tsa, long_tsa, renewed_at=SHORT_END + timedelta(minutes=1))
    with pytest.raises(VerificationFailed, match="was not made while the one it renews was valid"):
        verify_evidence_record(late, document, [ca[0]], LATER)
    record = two_chains(document, ca, short_tsa, long_tsa, renewed_at=NOW + timedelta(hours=1))
    with pytest.raises(VerificationFailed, match="became weak"):
        verify_evidence_record(record, document, [ca[0]], LATER, {"sha256": NOW + timedelta(minutes=30)})


def test_a_renewal_under_a_weak_or_unknown_hash_is_refused(ca, long_tsa) -> None:  # noqa: F811
    for algorithm in ("sha1", "md5", "sha224", "sha3_512"):
        with pytest.raises(ConfigurationError, match="archive_hash_algorithm"):
            require_strong(algorithm, NOW)
    with pytest.raises(ConfigurationError, match="weak since"):
        require_strong("sha256", NOW + timedelta(hours=3), SHA256_WEAK)
    require_strong("sha512", NOW + timedelta(hours=3), SHA256_WEAK)
    # nor does a chain under SHA-256 that weakened verify when renewed under SHA-256 again
    (document,) = documents(1)
    first = stamps(document, ca, at(long_tsa, NOW), [])
    same = renewed(document, first, at(long_tsa, NOW + timedelta(hours=4)), ca, "sha256")
    record = evidence_record_of_chains([ArchiveChain("sha256", first), same])
    with pytest.raises(VerificationFailed, match="weak"):
        verify_evidence_record(record, document, [ca[0]], LATER, SHA256_WEAK)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_the_sha512_archive_time_stamp(ca, short_tsa, long_tsa, tmp_path: Path) -> None:  # noqa: F811
    (document,) = documents(1)
    chain = renewed(document, stamps(document, ca, at(short_tsa, NOW), []), at(long_tsa, NOW), ca)
    root = root_of(chain.stamps[0].reduced, "sha512")
    pem = serialization.Encoding.PEM
    (tmp_path / "token.der").write_bytes(chain.stamps[0].token)
    (tmp_path / "ca.pem").write_bytes(ca[0].public_bytes(pem))
    (tmp_path / "tsa.pem").write_bytes(long_tsa[0].public_bytes(pem))
    command = ["openssl", "ts", "-verify", "-digest", root.hex(), "-token_in"]
    command += ["-in", str(tmp_path / "token.der"), "-CAfile", str(tmp_path / "ca.pem")]
    command += ["-untrusted", str(tmp_path / "tsa.pem")]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
