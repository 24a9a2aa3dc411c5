"""The development CA's revocation service: its revocation list, its CRL (RFC 5280 5) and its OCSP
responder (RFC 6960), built with ``cryptography``'s CRL and OCSP builders.

``ereceipt keys revoke`` records a revocation in ``ca-revocations.json`` next to the development
CA's key (serial number, time, reason); ``ereceipt serve`` publishes the CRL at /ca/crl and answers
OCSP at /ca/ocsp, both signed by the development root itself. A CRL's thisUpdate is the moment it is
made and its nextUpdate a day later. The OCSP responder answers for certificates of this CA only
(by issuer name and key hash), "good" for every serial not revoked: a development CA keeps no
register of what it issued. Revocation data for real CAs comes from their own CRL and OCSP URLs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from ereceipt.core.errors import BadInput
from ereceipt.core.signatures.pki import DevelopmentPKI, PrivateKey, directory_lock, issued_by, replace_file
from ereceipt.core.signatures.revocation import RevocationData, RevocationUnavailable, ocsp_request

REVOCATIONS_FILE = "ca-revocations.json"
NEXT_UPDATE = timedelta(days=1)
REASONS = {reason.value: reason for reason in x509.ReasonFlags}
CRL_TYPE = "application/pkix-crl"
OCSP_REQUEST_TYPE = "application/ocsp-request"
OCSP_RESPONSE_TYPE = "application/ocsp-response"


@dataclass(frozen=True)
class Revocation:
    serial_number: int
    revoked_at: datetime
    reason: str = "unspecified"


def _file(pki: DevelopmentPKI) -> Path:
    return pki.directory / REVOCATIONS_FILE


def revocations(pki: DevelopmentPKI) -> dict[int, Revocation]:
    """The recorded revocations of the development CA, by serial number."""
    try:
        records = json.loads(_file(pki).read_text())
    except FileNotFoundError:
        return {}
    found = [
        Revocation(int(r["serial"], 16), datetime.fromisoformat(r["revoked_at"]), r["reason"])
        for r in records
    ]
    return {r.serial_number: r for r in found}


def revoke(pki: DevelopmentPKI, certificate: x509.Certificate, at: datetime, reason: str) -> Revocation:
    """Record ``certificate`` as revoked by the development CA since ``at``; a second revocation of
    the same certificate keeps the first."""
    if at.tzinfo is None:
        raise BadInput("the revocation time needs a time zone, e.g. 2026-01-02T03:04:05+07:00")
    if reason not in REASONS:
        raise BadInput(f"reason {reason!r} is none of {', '.join(sorted(REASONS))}")
    authority = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    if not issued_by(certificate, authority):
        raise BadInput(f"{certificate.subject.rfc4514_string()} is not issued by the development CA")
    with directory_lock(pki.directory):  # read, add and write as one step: a concurrent one waits
        recorded = revocations(pki)
        revocation = recorded.setdefault(
            certificate.serial_number,
            Revocation(certificate.serial_number, at.astimezone(UTC).replace(microsecond=0), reason),
        )
        records = [
            {"serial": f"{r.serial_number:x}", "revoked_at": r.revoked_at.isoformat(), "reason": r.reason}
            for r in recorded.values()
        ]
        replace_file(_file(pki), (json.dumps(records, indent=1) + "\n").encode(), 0o644)
    return revocation


class DevelopmentCA:
    """The development root's revocation service, reading the recorded revocations on each answer."""

    def __init__(
        self,
        certificate: x509.Certificate,
        key: PrivateKey,
        pki: DevelopmentPKI,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.certificate, self.key, self.pki, self.clock = certificate, key, pki, clock

    @classmethod
    def load(cls, pki: DevelopmentPKI) -> DevelopmentCA:
        key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), None)
        return cls(x509.load_pem_x509_certificate(pki.ca_cert.read_bytes()), key, pki)

    def revocation_data(self, certificate: x509.Certificate, issuer: x509.Certificate) -> RevocationData:
        """The current CRL and an OCSP answer on ``certificate``, as a ``RevocationSource`` gives them."""
        if issuer != self.certificate:
            raise RevocationUnavailable(f"{issuer.subject.rfc4514_string()} is not the development CA")
        return RevocationData((self.crl(),), (self.ocsp_reply(ocsp_request(certificate, issuer)),))

    def crl(self) -> bytes:
        """The current CRL, DER, with every recorded revocation up to now."""
        now = self.clock().replace(microsecond=0)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now)
            .next_update(now + NEXT_UPDATE)
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.certificate.public_key()),
                critical=False,
            )
        )
        for revocation in revocations(self.pki).values():
            if revocation.revoked_at > now:
                continue
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(revocation.serial_number)
                .revocation_date(revocation.revoked_at)
                .add_extension(x509.CRLReason(REASONS[revocation.reason]), critical=False)
                .build()
            )
            builder = builder.add_revoked_certificate(entry)
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def ocsp_reply(self, request_der: bytes) -> bytes:
        """The DER OCSPResponse to a DER OCSPRequest (RFC 6960 4.1 and 4.2)."""
        try:
            asked = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        ours = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(self.certificate, self.certificate, asked.hash_algorithm)
            .build()
        )
        if (asked.issuer_key_hash, asked.issuer_name_hash) != (ours.issuer_key_hash, ours.issuer_name_hash):
            return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        now = self.clock().replace(microsecond=0)
        revocation = revocations(self.pki).get(asked.serial_number)
        revoked = revocation is not None and revocation.revoked_at <= now
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=asked.issuer_name_hash,
            issuer_key_hash=asked.issuer_key_hash,
            serial_number=asked.serial_number,
            algorithm=asked.hash_algorithm,
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=now,
            next_update=now + NEXT_UPDATE,
            revocation_time=revocation.revoked_at if revoked else None,
            revocation_reason=REASONS[revocation.reason] if revoked else None,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.certificate)
        nonce = next((e for e in asked.extensions if isinstance(e.value, x509.OCSPNonce)), None)
        if nonce is not None:
            builder = builder.add_extension(nonce.value, critical=False)
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)
