"""Evidence records of RFC 6283 (XMLERS): one archive time-stamp over a hash tree of many receipts,
each receipt's record being its reduced tree and that time-stamp, renewed by time-stamping again.

A record written here has one ``ArchiveTimeStampChain`` (SHA-256, C14N 1.0) of ``ArchiveTimeStamp``
elements in ``Order``. The first one's hash tree starts from the receipt's data-object digest
(``data_object_digest``: SHA-256 of the C14N 1.0 form of the whole receipt document as archived,
so the signature, its signature time-stamps and any validation data in the document are covered;
for an XML data object this is the digest EU DSS computes). Every later one is a time-stamp
renewal (RFC 6283 section 4.2.1): its hash tree starts from the digest of the canonicalized
``TimeStamp`` element of the one before (``renewal_digest``), as EU DSS checks it. A renewal is
accepted only when it was made while the TSA certificate of the one before was still valid, and
the record proves anything only while the TSA certificate of its last time-stamp is valid: after
that it needs a renewal it can no longer get. Hash-tree renewal (a second chain under a stronger
hash algorithm, RFC 6283 section 4.2.2) is not written here; a record with more than one chain is
refused rather than half checked.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from lxml import etree

from ereceipt.core.errors import VerificationFailed, XMLRejected
from ereceipt.core.signatures.hash_tree import ReducedTree, build, root_of
from ereceipt.core.signatures.timestamp import TimeStamp, TimeStampAuthority, verify_token
from ereceipt.core.signatures.xades_t import C14N_URI
from ereceipt.core.xml.namespaces import ERS, SHA256
from ereceipt.core.xml.parser import parse_xml

NS = {"ers": ERS}
TOKEN_TYPE = "RFC3161"  # noqa: S105 (the RFC 6283 token type, no secret)
DIGEST_SIZE = hashlib.sha256().digest_size


def _c14n_digest(element: etree._Element) -> bytes:
    return hashlib.sha256(
        etree.tostring(element, method="c14n", exclusive=False, with_comments=False)
    ).digest()


def data_object_digest(document: bytes) -> bytes:
    """SHA-256 of the C14N 1.0 form (without comments) of the receipt ``document``: the leaf a
    receipt has in an archive hash tree. Raises XMLRejected when it is not well-formed XML."""
    return _c14n_digest(parse_xml(document))


def _ers(parent: etree._Element | None, name: str, **attributes: str) -> etree._Element:
    tag = f"{{{ERS}}}{name}"
    if parent is None:
        return etree.Element(tag, attributes, nsmap={None: ERS})
    return etree.SubElement(parent, tag, attributes)


def time_stamp_element(token: bytes) -> etree._Element:
    """The ``TimeStamp`` element that carries an RFC 3161 ``token``, as every record writes it."""
    stamp = _ers(None, "TimeStamp")
    _ers(stamp, "TimeStampToken", Type=TOKEN_TYPE).text = base64.b64encode(token).decode()
    return stamp


def renewal_digest(token: bytes) -> bytes:
    """What a time-stamp renewal covers of the archive time-stamp with ``token``: its TimeStamp
    element canonicalized (C14N 1.0) and hashed (SHA-256)."""
    return _c14n_digest(time_stamp_element(token))


@dataclass(frozen=True)
class ArchiveStamp:
    """One ArchiveTimeStamp: the reduced hash tree to its root (empty: no HashTree, the token
    covers the digest itself) and the RFC 3161 token over that root."""

    reduced: ReducedTree
    token: bytes


def evidence_record(stamps: Sequence[ArchiveStamp]) -> bytes:
    """The XMLERS EvidenceRecord of one chain of ``stamps``, the initial one first."""
    record = _ers(None, "EvidenceRecord", Version="1.0")
    chain = _ers(_ers(record, "ArchiveTimeStampSequence"), "ArchiveTimeStampChain", Order="1")
    _ers(chain, "DigestMethod", Algorithm=SHA256)
    _ers(chain, "CanonicalizationMethod", Algorithm=C14N_URI)
    for order, stamp in enumerate(stamps, 1):
        archive = _ers(chain, "ArchiveTimeStamp", Order=str(order))
        if stamp.reduced:
            tree = _ers(archive, "HashTree")
            for position, group in enumerate(stamp.reduced, 1):
                sequence = _ers(tree, "Sequence", Order=str(position))
                for value in group:
                    _ers(sequence, "DigestValue").text = base64.b64encode(value).decode()
        archive.append(time_stamp_element(stamp.token))
    return etree.tostring(record, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True)
class ArchiveBatch:
    """One archive time-stamp over many digests: the verified token, and each digest's reduced tree."""

    stamp: TimeStamp
    root: bytes
    reduced: dict[bytes, ReducedTree]


def time_stamp_batch(
    digests: Sequence[bytes], tsa: TimeStampAuthority, tsa_trust: Sequence[x509.Certificate]
) -> ArchiveBatch:
    """One TSA call for all ``digests`` (distinct SHA-256 values): data-object digests for initial
    archive time-stamps, ``renewal_digest`` values for renewals. The TSA may raise
    ``TimeStampUnavailable``; a token that does not verify against ``tsa_trust`` raises VerificationFailed."""
    tree = build(digests)
    return ArchiveBatch(
        verify_token(tsa.time_stamp(tree.root), tree.root, list(tsa_trust)), tree.root, tree.reduced
    )


@dataclass(frozen=True)
class ArchiveProof:
    """What a verified record proves: the archived document existed at ``time`` (the first archive
    time-stamp's genTime), and the proof holds until ``valid_until`` unless renewed before."""

    time: datetime
    renewals: int
    valid_until: datetime


def _ordered(parent: etree._Element, path: str) -> list[etree._Element]:
    elements = parent.findall(path, NS)
    try:
        orders = [int(element.get("Order", "")) for element in elements]
    except ValueError:
        raise VerificationFailed(f"an evidence record's {path.split(':')[-1]} has no numeric Order") from None
    if sorted(orders) != list(range(1, len(elements) + 1)):
        raise VerificationFailed(f"the evidence record's {path.split(':')[-1]} Orders are not 1 to n")
    return [element for _, element in sorted(zip(orders, elements, strict=True))]


def _digest_value(element: etree._Element) -> bytes:
    try:
        value = base64.b64decode("".join((element.text or "").split()), validate=True)
    except ValueError:
        value = b""
    if len(value) != DIGEST_SIZE:
        raise VerificationFailed("an evidence record's DigestValue is not a base64 SHA-256 value")
    return value


def _token(archive: etree._Element) -> tuple[bytes, etree._Element]:
    stamps = archive.findall("ers:TimeStamp", NS)
    tokens = stamps[0].findall("ers:TimeStampToken", NS) if len(stamps) == 1 else []
    if len(tokens) != 1 or tokens[0].get("Type") != TOKEN_TYPE:
        raise VerificationFailed("an archive time-stamp must carry one RFC 3161 TimeStampToken")
    try:
        return base64.b64decode("".join((tokens[0].text or "").split()), validate=True), stamps[0]
    except ValueError:
        raise VerificationFailed("an archive time-stamp's token is not base64") from None


def _chain(record: bytes) -> list[etree._Element]:
    try:
        root = parse_xml(record)
    except XMLRejected as exc:
        raise VerificationFailed(f"the evidence record is not acceptable XML: {exc.message}") from None
    if root.tag != f"{{{ERS}}}EvidenceRecord" or root.get("Version") != "1.0":
        raise VerificationFailed("the evidence record is not an RFC 6283 EvidenceRecord version 1.0")
    chains = root.findall("ers:ArchiveTimeStampSequence/ers:ArchiveTimeStampChain", NS)
    if len(chains) != 1:
        raise VerificationFailed("the evidence record must hold one ArchiveTimeStampChain")
    (chain,) = chains
    methods = [(e.tag, e.get("Algorithm")) for e in chain if e.tag != f"{{{ERS}}}ArchiveTimeStamp"]
    expected = [(f"{{{ERS}}}DigestMethod", SHA256), (f"{{{ERS}}}CanonicalizationMethod", C14N_URI)]
    if methods != expected:
        raise VerificationFailed(
            "the evidence record's chain must name SHA-256 and C14N 1.0, and nothing else"
        )
    archives = _ordered(chain, "ers:ArchiveTimeStamp")
    if not archives:
        raise VerificationFailed("the evidence record holds no archive time-stamp")
    return archives


def verify_evidence_record(
    record: bytes, document: bytes, tsa_trust: Sequence[x509.Certificate], now: datetime
) -> ArchiveProof:
    """The proof that ``record`` gives for ``document`` at validation time ``now``, each archive
    time-stamp verified against ``tsa_trust``; raises VerificationFailed naming what does not hold."""
    try:
        covered, what = data_object_digest(document), "the archived document"
    except XMLRejected as exc:
        raise VerificationFailed(f"the document is not acceptable XML: {exc.message}") from None
    verified: list[TimeStamp] = []
    for archive in _chain(record):
        trees = archive.findall("ers:HashTree", NS)
        if len(trees) > 1:
            raise VerificationFailed("an archive time-stamp holds more than one HashTree")
        reduced = [[_digest_value(v) for v in s.findall("ers:DigestValue", NS)] for s in _sequences(trees)]
        if reduced and covered not in reduced[0]:
            raise VerificationFailed(
                f"the hash tree of archive time-stamp {len(verified) + 1} does not cover {what}"
            )
        token, element = _token(archive)
        try:
            stamp = verify_token(token, root_of(reduced) if reduced else covered, list(tsa_trust))
        except VerificationFailed as exc:
            raise VerificationFailed(f"archive time-stamp {len(verified) + 1}: {exc.message}") from None
        if verified and not verified[-1].gen_time <= stamp.gen_time <= _end(verified[-1]):
            message = f"archive time-stamp {len(verified) + 1} ({stamp.gen_time}) was not made while the one "
            raise VerificationFailed(
                message + f"it renews was valid (its TSA certificate ended {_end(verified[-1])})"
            )
        verified.append(stamp)
        covered, what = _c14n_digest(element), "the archive time-stamp it renews"
    if now > _end(verified[-1]):
        message = f"the last archive time-stamp's TSA certificate expired at {_end(verified[-1])}"
        raise VerificationFailed(f"{message}, and the evidence record was not renewed before")
    return ArchiveProof(verified[0].gen_time, len(verified) - 1, _end(verified[-1]))


def _sequences(trees: list[etree._Element]) -> list[etree._Element]:
    sequences = _ordered(trees[0], "ers:Sequence") if trees else []
    if trees and not sequences:
        raise VerificationFailed("an archive time-stamp's HashTree holds no Sequence")
    return sequences


def _end(stamp: TimeStamp) -> datetime:
    return stamp.tsa_certificate.not_valid_after_utc
