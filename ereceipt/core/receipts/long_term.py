"""Stored receipts taken from level T to level LT (XAdES-LT, ETSI EN 319 132-1 5.5) in bounded runs.

A run takes at most ``limit`` receipts at level T, oldest first, and embeds in each the validation
data that lets it verify with no network: the signer's chain and the TSA's chain, and revocation data
(CRL, OCSP) on both certificates. The chains are built from the pinned trust anchors and TSA trust,
from the signing certificate the verification proved and the TSA certificate of the verified
time-stamp, never from certificates the receipt merely carries. Revocation data is asked once per
certificate and run: the receipts of one signer share it. A CA out of reach ends the run, the
receipts wait at level T; a receipt that does not verify is left at level T and counted. Each
receipt is stored in its own short transaction, only if still the XML that was read, and only if its
identity digest did not change.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from ereceipt.core.receipts.receipt_xml import RECEIPT_TAG
from ereceipt.core.receipts.time_stamping import count_at, read_signed, receipts_at, store_upgraded
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


def _upgrade(
    database: Database, trust: TrustStore, tsa_trust: Sequence[x509.Certificate], source: _RunSource, rid: int
) -> bool | None:
    """True once stored at LT, False when another run changed it first, None when it does not verify."""
    read = read_signed(database, rid)
    signed = read[0]
    report = verify_signed_document(signed, trust, expected_root=RECEIPT_TAG, tsa_trust=tsa_trust)
    document = parse_xml(signed)
    stamps = verified_signature_time_stamps(document, tsa_trust).verified
    if not report.passed or report.level != SignatureLevel.T.value or not stamps:
        log.warning("receipt %s stays at level T: %s", rid, report.message)
        return None
    tsa_anchors = [*trust.anchors, *(c for c in tsa_trust if is_ca(c))]
    signer_chain = _chain(report.certificate, trust.anchors)
    tsa_chain = _chain(stamps[0].tsa_certificate, tsa_anchors)
    upgraded = upgrade_to_lt(document, signer_chain, tsa_chain, source, report.time_stamp_time)
    return store_upgraded(database, rid, read, upgraded, (SignatureLevel.T, SignatureLevel.LT))


def add_validation_data_to_receipts(
    database: Database,
    trust: TrustStore,
    tsa_trust: Sequence[x509.Certificate],
    source: RevocationSource,
    *,
    limit: int,
) -> LongTermRun:
    """Take at most ``limit`` receipts from level T to LT; stop at the first CA out of reach."""
    upgraded, unverified, outage, run_source = 0, 0, None, _RunSource(source)
    for rid in receipts_at(database, SignatureLevel.T, limit):
        try:
            done = _upgrade(database, trust, tsa_trust, run_source, rid)
        except RevocationUnavailable as exc:
            outage = exc.message
            log.warning("validation data stopped: %s", outage)
            break
        upgraded += done is True
        unverified += done is None
    return LongTermRun(upgraded, count_at(database, SignatureLevel.T), unverified, outage)
