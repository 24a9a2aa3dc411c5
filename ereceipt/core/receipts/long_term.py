"""Stored receipts taken from level T to level LT (XAdES-LT, ETSI EN 319 132-1 5.5) in bounded runs.

A run takes at most ``limit`` receipts at level T, oldest first, and embeds in each the validation
data that lets it verify with no network: the signer's chain and the TSA's chain, and revocation data
(CRL, OCSP) on both certificates. The chains are built from the pinned trust anchors and TSA trust,
from the signing certificate the verification proved and the TSA certificate of the verified
time-stamp, never from certificates the receipt merely carries. Revocation data is asked once per
certificate and run: the receipts of one signer share it. A CA out of reach ends the run, the
receipts wait at level T, what was done is kept; a receipt that does not verify is left at level T
and counted. Receipts are read and stored by chunks (``core.receipts.signature_levels``), one
short transaction each way; the CA is never asked inside one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from ereceipt.core.receipts.receipt_xml import RECEIPT_TAG
from ereceipt.core.receipts.signature_levels import (
    Row,
    count_at,
    read_rows,
    receipts_at,
    store_upgraded,
    upgraded_xml,
)
from ereceipt.core.signatures.best_signature_time import verified_signature_time_stamps
from ereceipt.core.signatures.pki import is_ca
from ereceipt.core.signatures.revocation import (
    RevocationData,
    RevocationSource,
    RevocationUnavailable,
    chain_issuers,
)
from ereceipt.core.signatures.trust import TrustStore
from ereceipt.core.signatures.verification import verify_signed_document
from ereceipt.core.signatures.xades_lt import upgrade_to_lt
from ereceipt.core.signatures.xades_t import SignatureLevel
from ereceipt.core.storage.database import Database
from ereceipt.core.xml.parser import parse_xml

log = logging.getLogger("ereceipt.long_term")
CHUNK = 50  # receipts read in one query and stored in one transaction


@dataclass(frozen=True)
class LongTermRun:
    upgraded: int
    waiting: int  # receipts still at level T after the run
    unverified: int = 0  # receipts left at level T because they do not verify
    outage: str | None = None  # why revocation data could not be had, when it could not

    def __str__(self) -> str:
        tail = f"; {self.unverified} do not verify" if self.unverified else ""
        tail += f"; revocation data unavailable: {self.outage}" if self.outage else ""
        return f"{self.upgraded} receipts to level LT, {self.waiting} waiting at level T{tail}"


class _RunSource:
    """``source`` asked at most once per certificate during one run."""

    def __init__(self, source: RevocationSource) -> None:
        self.source, self.known = source, {}

    def revocation_data(self, certificate: x509.Certificate, issuer: x509.Certificate) -> RevocationData:
        key = (certificate.fingerprint(certificate.signature_hash_algorithm), certificate.serial_number)
        if key not in self.known:
            self.known[key] = self.source.revocation_data(certificate, issuer)
        return self.known[key]


def _chain(certificate: x509.Certificate, anchors: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    issuers = chain_issuers(certificate, anchors, ())
    if not issuers:
        raise RevocationUnavailable(f"no pinned issuer of {certificate.subject.rfc4514_string()}")
    return [certificate, *issuers]


def _with_validation_data(
    trust: TrustStore, tsa_trust: Sequence[x509.Certificate], source: _RunSource, row: Row
) -> tuple[int, bytes, bytes] | None:
    """(id, XML read, XML at level LT), or None when the receipt does not verify; the CA is asked
    outside any transaction."""
    report = verify_signed_document(row[1], trust, expected_root=RECEIPT_TAG, tsa_trust=tsa_trust)
    document = parse_xml(row[1])
    stamps = verified_signature_time_stamps(document, tsa_trust).verified
    if not report.passed or report.level != SignatureLevel.T.value or not stamps:
        log.warning("receipt %s stays at level T: %s", row[0], report.message)
        return None
    tsa_anchors = [*trust.anchors, *(c for c in tsa_trust if is_ca(c))]
    signer_chain = _chain(report.certificate, trust.anchors)
    tsa_chain = _chain(stamps[0].tsa_certificate, tsa_anchors)
    return upgraded_xml(row, upgrade_to_lt(document, signer_chain, tsa_chain, source, report.time_stamp_time))


def add_validation_data_to_receipts(
    database: Database,
    trust: TrustStore,
    tsa_trust: Sequence[x509.Certificate],
    source: RevocationSource,
    *,
    limit: int,
) -> LongTermRun:
    """Take at most ``limit`` receipts from level T to LT, read and stored by chunks of ``CHUNK``;
    stop at the first CA out of reach, keeping what was done."""
    upgraded, unverified, outage, run_source = 0, 0, None, _RunSource(source)
    pending = receipts_at(database, SignatureLevel.T, limit)
    for first in range(0, len(pending), CHUNK):
        done = []
        for row in read_rows(database, pending[first : first + CHUNK]):
            try:
                result = _with_validation_data(trust, tsa_trust, run_source, row)
            except RevocationUnavailable as exc:
                outage = exc.message
                break
            unverified += result is None
            done += [result] if result else []
        upgraded += store_upgraded(database, done, (SignatureLevel.T, SignatureLevel.LT))
        if outage:
            log.warning("validation data stopped: %s", outage)
            break
    return LongTermRun(upgraded, count_at(database, SignatureLevel.T), unverified, outage)
