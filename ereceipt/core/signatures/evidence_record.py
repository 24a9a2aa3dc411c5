"""Evidence records of RFC 6283 (XMLERS): one archive time-stamp over a hash tree of many receipts,
each receipt's record being its reduced tree and that time-stamp, renewed by time-stamping again
(time-stamp renewal) and, when the hash algorithm weakens, by a new chain under a stronger one
(hash-tree renewal).

A record holds ``ArchiveTimeStampChain`` elements in ``Order``, each naming its hash algorithm
(SHA-256, SHA-384 or SHA-512; C14N 1.0) and holding ``ArchiveTimeStamp`` elements in ``Order``. The
first time-stamp of the first chain has a hash tree that starts from the receipt's data-object
digest (``data_object_digest``: the C14N 1.0 form of the whole receipt document as archived,
hashed, so the signature, its time-stamps and any validation data in the document are covered;
for an XML data object this is the digest EU DSS computes). Every later time-stamp of a chain is a
time-stamp renewal (RFC 6283 section 4.2.1): its hash tree starts from the digest of the
canonicalized ``TimeStamp`` element of the one before (``renewal_digest``). The first time-stamp of
a later chain is a hash-tree renewal (section 4.2.2): its hash tree's first group holds the
data-object digest under the new chain's algorithm and the digest of the canonicalized
``ArchiveTimeStampSequence`` holding the chains before it (``sequence_digest``); a group is
reduced by sorting its values in binary ascending order, concatenating and hashing them
(``hash_tree.reduce_group``), so the leaf is H(sorted h(d) and h(sequence)), as DSS builds it.

A time-stamp counts only when made while the TSA certificate of the one before was still valid
and the hash algorithm of the chain before was not yet weak (``weak_since``); the record proves
anything only while the last time-stamp's TSA certificate is valid and its chain's algorithm is
not weak: after that it needs a renewal it can no longer get.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from lxml import etree

from ereceipt.core.errors import ConfigurationError, VerificationFailed, XMLRejected
from ereceipt.core.signatures.hash_tree import ReducedTree, build, root_of
from ereceipt.core.signatures.timestamp import TimeStamp, TimeStampAuthority, verify_token
from ereceipt.core.signatures.xades_t import C14N_URI
from ereceipt.core.xml.namespaces import ERS, SHA256, SHA384, SHA512
from ereceipt.core.xml.parser import parse_xml

NS = {"ers": ERS}
TOKEN_TYPE = "RFC3161"  # noqa: S105 (the RFC 6283 token type, no secret)
HASHES = {"sha256": SHA256, "sha384": SHA384, "sha512": SHA512}  # what a chain may be made with
# When each accepted hash algorithm stopped being secure enough to prove anything made after
# (ETSI TS 119 312): none of them has yet. A date here makes records whose last chain uses that
# algorithm prove nothing after it, unless a hash-tree renewal under a stronger one came before.
WEAK_SINCE: Mapping[str, datetime] = {}


def digest_size(algorithm: str) -> int:
    return hashlib.new(algorithm).digest_size


def require_strong(algorithm: str, now: datetime, weak_since: Mapping[str, datetime] = WEAK_SINCE) -> None:
    """Raise ConfigurationError unless new archive time-stamps may be made with ``algorithm`` at ``now``."""
    if algorithm not in HASHES:
        raise ConfigurationError(
            f"[scheduler] archive_hash_algorithm: {algorithm!r} is none of {', '.join(HASHES)}"
        )
    if algorithm in weak_since and weak_since[algorithm] <= now:
        raise ConfigurationError(
            f"[scheduler] archive_hash_algorithm: {algorithm} is weak since {weak_since[algorithm]}"
        )


def _c14n_digest(element: etree._Element, algorithm: str = "sha256") -> bytes:
    canonical = etree.tostring(element, method="c14n", exclusive=False, with_comments=False)
    return hashlib.new(algorithm, canonical).digest()


def data_object_digest(document: bytes, algorithm: str = "sha256") -> bytes:
    """The hash (``algorithm``) of the C14N 1.0 form (without comments) of the receipt ``document``:
    the leaf a receipt has in an archive hash tree. Raises XMLRejected when it is not well-formed XML."""
    return _c14n_digest(parse_xml(document), algorithm)


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


def renewal_digest(token: bytes, algorithm: str = "sha256") -> bytes:
    """What a time-stamp renewal covers of the archive time-stamp with ``token``: its TimeStamp
    element canonicalized (C14N 1.0) and hashed with its chain's ``algorithm``."""
    return _c14n_digest(time_stamp_element(token), algorithm)


def _sequence(root: etree._Element, chains: int, algorithm: str) -> bytes:
    sequence = copy.deepcopy(root.find("ers:ArchiveTimeStampSequence", NS))
    for chain in sequence.findall("ers:ArchiveTimeStampChain", NS):
        if chain.get("Order") not in {str(order) for order in range(1, chains + 1)}:
            sequence.remove(chain)
    return _c14n_digest(sequence, algorithm)


def sequence_digest(record: bytes, algorithm: str) -> bytes:
    """What a hash-tree renewal covers of the evidence record ``record`` (as ``evidence_record``
    writes it) besides the data object: its ArchiveTimeStampSequence canonicalized (C14N 1.0) and
    hashed with the new chain's ``algorithm``."""
    root = parse_xml(record)
    return _sequence(
        root, len(root.findall("ers:ArchiveTimeStampSequence/ers:ArchiveTimeStampChain", NS)), algorithm
    )


@dataclass(frozen=True)
class ArchiveStamp:
    """One ArchiveTimeStamp: the reduced hash tree to its root (empty: no HashTree, the token
    covers the digest itself) and the RFC 3161 token over that root."""

    reduced: ReducedTree
    token: bytes


@dataclass(frozen=True)
class ArchiveChain:
    """One ArchiveTimeStampChain: its hash algorithm and its archive time-stamps, the first first."""

    algorithm: str
    stamps: Sequence[ArchiveStamp]


def evidence_record(stamps: Sequence[ArchiveStamp]) -> bytes:
    """The XMLERS EvidenceRecord of one SHA-256 chain of ``stamps``, the initial one first."""
    return evidence_record_of_chains([ArchiveChain("sha256", stamps)])


def evidence_record_of_chains(chains: Sequence[ArchiveChain]) -> bytes:
    """The XMLERS EvidenceRecord of ``chains``, the initial one first."""
    record = _ers(None, "EvidenceRecord", Version="1.0")
    sequence = _ers(record, "ArchiveTimeStampSequence")
    for chain_order, archive_chain in enumerate(chains, 1):
        chain = _ers(sequence, "ArchiveTimeStampChain", Order=str(chain_order))
        _ers(chain, "DigestMethod", Algorithm=HASHES[archive_chain.algorithm])
        _ers(chain, "CanonicalizationMethod", Algorithm=C14N_URI)
        for order, stamp in enumerate(archive_chain.stamps, 1):
            archive = _ers(chain, "ArchiveTimeStamp", Order=str(order))
            if stamp.reduced:
                tree = _ers(archive, "HashTree")
                for position, group in enumerate(stamp.reduced, 1):
                    values = _ers(tree, "Sequence", Order=str(position))
                    for value in group:
                        _ers(values, "DigestValue").text = base64.b64encode(value).decode()
            archive.append(time_stamp_element(stamp.token))
    return etree.tostring(record, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True)
class ArchiveBatch:
    """One archive time-stamp over many digests: the verified token, and each digest's reduced tree."""

    stamp: TimeStamp
    root: bytes
    reduced: dict[bytes, ReducedTree]
    algorithm: str = "sha256"


def time_stamp_batch(
    digests: Sequence[bytes],
    tsa: TimeStampAuthority,
    tsa_trust: Sequence[x509.Certificate],
    algorithm: str = "sha256",
) -> ArchiveBatch:
    """One TSA call for all ``digests`` (distinct values of ``algorithm``): data-object digests for
    initial archive time-stamps, ``renewal_digest`` values for time-stamp renewals, hash-tree
    renewal leaves (``hash_tree.reduce_group`` of a data-object digest and a ``sequence_digest``).
    The TSA may raise ``TimeStampUnavailable``; a token that does not verify against ``tsa_trust``
    raises VerificationFailed."""
    tree = build(digests, algorithm)
    token = tsa.time_stamp(tree.root, algorithm)
    return ArchiveBatch(
        verify_token(token, tree.root, list(tsa_trust), algorithm), tree.root, tree.reduced, algorithm
    )


@dataclass(frozen=True)
class ArchiveProof:
    """What a verified record proves: the archived document existed at ``time`` (the first archive
    time-stamp's genTime), and the proof holds until ``valid_until`` unless renewed before."""

    time: datetime
    renewals: int  # archive time-stamps after the first, in all chains
    valid_until: datetime
    chains: int = 1


def _ordered(parent: etree._Element, path: str) -> list[etree._Element]:
    elements = parent.findall(path, NS)
    try:
        orders = [int(element.get("Order", "")) for element in elements]
    except ValueError:
        raise VerificationFailed(f"an evidence record's {path.split(':')[-1]} has no numeric Order") from None
    if sorted(orders) != list(range(1, len(elements) + 1)):
        raise VerificationFailed(f"the evidence record's {path.split(':')[-1]} Orders are not 1 to n")
    return [element for _, element in sorted(zip(orders, elements, strict=True))]


def _digest_value(element: etree._Element, algorithm: str) -> bytes:
    try:
        value = base64.b64decode("".join((element.text or "").split()), validate=True)
    except ValueError:
        value = b""
    if len(value) != digest_size(algorithm):
        raise VerificationFailed(f"an evidence record's DigestValue is not a base64 {algorithm} value")
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


def _chains(root: etree._Element) -> list[tuple[str, list[etree._Element]]]:
    if root.tag != f"{{{ERS}}}EvidenceRecord" or root.get("Version") != "1.0":
        raise VerificationFailed("the evidence record is not an RFC 6283 EvidenceRecord version 1.0")
    sequences = root.findall("ers:ArchiveTimeStampSequence", NS)
    if len(sequences) != 1:
        raise VerificationFailed("the evidence record must hold one ArchiveTimeStampSequence")
    chains = _ordered(sequences[0], "ers:ArchiveTimeStampChain")
    if not chains:
        raise VerificationFailed("the evidence record holds no ArchiveTimeStampChain")
    found = []
    for chain in chains:
        methods = [(e.tag, e.get("Algorithm")) for e in chain if e.tag != f"{{{ERS}}}ArchiveTimeStamp"]
        algorithm = next(
            (name for name, uri in HASHES.items() if methods[:1] == [(f"{{{ERS}}}DigestMethod", uri)]), None
        )
        if algorithm is None or methods[1:] != [(f"{{{ERS}}}CanonicalizationMethod", C14N_URI)]:
            raise VerificationFailed(
                "each chain of the evidence record must name SHA-256, SHA-384 or SHA-512 and C14N 1.0, "
                "and nothing else"
            )
        archives = _ordered(chain, "ers:ArchiveTimeStamp")
        if not archives:
            raise VerificationFailed("an ArchiveTimeStampChain holds no archive time-stamp")
        found.append((algorithm, archives))
    return found


def _first_group(archive: etree._Element, algorithm: str) -> ReducedTree:
    trees = archive.findall("ers:HashTree", NS)
    if len(trees) > 1:
        raise VerificationFailed("an archive time-stamp holds more than one HashTree")
    return [
        [_digest_value(v, algorithm) for v in s.findall("ers:DigestValue", NS)] for s in _sequences(trees)
    ]


def _verify_chain(
    archives: list[etree._Element],
    covered: list[bytes],
    what: str,
    algorithm: str,
    chain: int,
    tsa_trust: Sequence[x509.Certificate],
    before: TimeStamp | None,
    weak: datetime | None,
) -> list[TimeStamp]:
    """The verified time-stamps of the ``chain``-th chain whose first one covers all of ``covered``."""
    verified: list[TimeStamp] = []
    for archive in archives:
        name = f"archive time-stamp {len(verified) + 1}" + (f" of chain {chain}" if chain > 1 else "")
        reduced = _first_group(archive, algorithm)
        if (reduced and not set(covered) <= set(reduced[0])) or (not reduced and len(covered) != 1):
            raise VerificationFailed(f"the hash tree of {name} does not cover {what}")
        token, element = _token(archive)
        try:
            stamp = verify_token(
                token, root_of(reduced, algorithm) if reduced else covered[0], list(tsa_trust), algorithm
            )
        except VerificationFailed as exc:
            raise VerificationFailed(f"{name}: {exc.message}") from None
        if before is not None and not before.gen_time <= stamp.gen_time <= _end(before):
            message = f"{name} ({stamp.gen_time}) was not made while the one it renews was valid"
            raise VerificationFailed(f"{message} (its TSA certificate ended {_end(before)})")
        if weak is not None and stamp.gen_time >= weak:
            raise VerificationFailed(f"{name} was made after {algorithm} became weak ({weak})")
        verified.append(stamp)
        before, covered, what = stamp, [_c14n_digest(element, algorithm)], "the archive time-stamp it renews"
    return verified


def verify_evidence_record(
    record: bytes,
    document: bytes,
    tsa_trust: Sequence[x509.Certificate],
    now: datetime,
    weak_since: Mapping[str, datetime] = WEAK_SINCE,
) -> ArchiveProof:
    """The proof that ``record`` gives for ``document`` at validation time ``now``, each archive
    time-stamp verified against ``tsa_trust`` and each chain's hash algorithm judged by
    ``weak_since``; raises VerificationFailed naming what does not hold."""
    try:
        root = parse_xml(record)
    except XMLRejected as exc:
        raise VerificationFailed(f"the evidence record is not acceptable XML: {exc.message}") from None
    try:
        parse_xml(document)
    except XMLRejected as exc:
        raise VerificationFailed(f"the document is not acceptable XML: {exc.message}") from None
    verified: list[TimeStamp] = []
    chains = _chains(root)
    for number, (algorithm, archives) in enumerate(chains, 1):
        covered, what = [data_object_digest(document, algorithm)], "the archived document"
        if number > 1:
            # Made before the chain it renews stopped proving: its TSA certificate valid, its hash not weak.
            covered.append(_sequence(root, number - 1, algorithm))
            what = "the archived document and the chains before it"
        previous = chains[number - 2][0] if number > 1 else None
        before_weak = weak_since.get(previous) if previous else None
        stamps = _verify_chain(
            archives,
            covered,
            what,
            algorithm,
            number,
            tsa_trust,
            verified[-1] if verified else None,
            weak_since.get(algorithm),
        )
        if before_weak is not None and stamps[0].gen_time >= before_weak:
            raise VerificationFailed(
                f"chain {number} was made after {previous}, the hash of the chain it renews, "
                f"became weak ({before_weak})"
            )
        verified += stamps
    last = chains[-1][0]
    if now > _end(verified[-1]):
        message = f"the last archive time-stamp's TSA certificate expired at {_end(verified[-1])}"
        raise VerificationFailed(f"{message}, and the evidence record was not renewed before")
    if last in weak_since and now >= weak_since[last]:
        raise VerificationFailed(
            f"the last chain's hash {last} is weak since {weak_since[last]}, "
            "and no hash-tree renewal came before"
        )
    until = min([_end(verified[-1]), *([weak_since[last]] if last in weak_since else [])])
    return ArchiveProof(verified[0].gen_time, len(verified) - 1, until, len(chains))


def _sequences(trees: list[etree._Element]) -> list[etree._Element]:
    sequences = _ordered(trees[0], "ers:Sequence") if trees else []
    if trees and not sequences:
        raise VerificationFailed("an archive time-stamp's HashTree holds no Sequence")
    return sequences


def _end(stamp: TimeStamp) -> datetime:
    return stamp.tsa_certificate.not_valid_after_utc
