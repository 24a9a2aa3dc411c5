"""Revocation status of a certificate from CRLs (RFC 5280 5) and OCSP responses (RFC 6960).

Revocation data is read with ``cryptography`` and trusted only when the certificate's issuer signed
it: a CRL under the issuer's name, an OCSP response by the issuer or by a responder the issuer
delegated (extendedKeyUsage id-kp-OCSPSigning, RFC 6960 4.2.2.2). What is judged is the time of
revocation, so that a signature proved to exist before it (``core.signatures.best_signature_time``)
stays valid after it (ETSI EN 319 102-1 5.6.2.4). Data that does not verify is set aside with the
reason, never taken as a verdict. ``RevocationSource`` is what core needs from the network: the
adapter that fetches CRLs and asks OCSP responders implements it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from ereceipt.core.errors import TransientOutage
from ereceipt.core.signatures.pki import issued_by


class RevocationUnavailable(TransientOutage):
    """No CRL or OCSP answer could be had now; what needs it waits for a later run."""


@dataclass(frozen=True)
class RevocationData:
    """DER CRLs and DER OCSP responses, as published or as embedded in a signature."""

    crls: tuple[bytes, ...] = ()
    ocsp_responses: tuple[bytes, ...] = ()

    def __add__(self, other: RevocationData) -> RevocationData:
        return RevocationData(self.crls + other.crls, self.ocsp_responses + other.ocsp_responses)

    def __bool__(self) -> bool:
        return bool(self.crls or self.ocsp_responses)


class RevocationSource(Protocol):
    """Where revocation data for a certificate comes from; raises ``RevocationUnavailable``."""

    def revocation_data(self, certificate: x509.Certificate, issuer: x509.Certificate) -> RevocationData: ...


@dataclass(frozen=True)
class RevocationStatus:
    """What verified revocation data says of one certificate."""

    checked: bool  # some verified CRL or OCSP response covers the certificate
    revoked_at: datetime | None = None
    reason: str | None = None
    problems: tuple[str, ...] = field(default=())
    this_update: datetime | None = None  # the latest issue of the data that says "not revoked"
    next_update: datetime | None = None  # and until when the latest says it

    def fresh(self, best: datetime | None, now: datetime) -> bool:
        """Whether "not revoked" holds for a signature proved to exist at ``best``: said by data
        issued at or after ``best`` (what happens later cannot matter); with no proof of
        existence, by data still current ``now``. Older data says nothing of the time that counts."""
        if not self.checked or self.revoked_at is not None:
            return False
        if best is not None:
            return self.this_update is not None and self.this_update >= best
        return self.next_update is not None and self.next_update >= now


def _verifies(key: object, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm | None) -> bool:
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(signature, data, ec.ECDSA(algorithm))
        else:
            return False
    except (InvalidSignature, ValueError, UnsupportedAlgorithm):
        return False
    return True


def issuer_of(
    certificate: x509.Certificate, candidates: Iterable[x509.Certificate]
) -> x509.Certificate | None:
    """The certificate among ``candidates`` whose key signed ``certificate``, or None."""
    return next((c for c in candidates if issued_by(certificate, c)), None)


def ocsp_request(certificate: x509.Certificate, issuer: x509.Certificate) -> bytes:
    """A DER OCSPRequest for ``certificate`` (RFC 6960 4.1), its CertID hashed with SHA-1 as RFC 5019
    2.1.1 has every responder understand; CertID hashes only name the certificate."""
    builder = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1())  # noqa: S303
    return builder.build().public_bytes(serialization.Encoding.DER)


def _crl_status(certificate: x509.Certificate, issuer: x509.Certificate, der: bytes) -> RevocationStatus:
    try:
        crl = x509.load_der_x509_crl(der)
    except ValueError as exc:
        return RevocationStatus(False, problems=(f"a CRL is malformed: {exc}",))
    if crl.issuer != certificate.issuer or not crl.is_signature_valid(issuer.public_key()):
        return RevocationStatus(False, problems=("a CRL is not signed by the certificate's issuer",))
    entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    if entry is None:
        return RevocationStatus(True, this_update=crl.last_update_utc, next_update=crl.next_update_utc)
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.value
    except x509.ExtensionNotFound:
        reason = None
    return RevocationStatus(True, entry.revocation_date_utc, reason)


def _responder(response: ocsp.OCSPResponse, issuer: x509.Certificate) -> x509.Certificate | None:
    """The issuer itself, or a delegated OCSP signer it issued, carried in the response."""
    for candidate in (issuer, *response.certificates):
        if response.responder_name is not None and candidate.subject != response.responder_name:
            continue
        if response.responder_key_hash is not None and _key_hash(candidate) != response.responder_key_hash:
            continue
        if candidate == issuer:
            return candidate
        try:
            usages = candidate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            continue
        if ExtendedKeyUsageOID.OCSP_SIGNING in usages and issued_by(candidate, issuer):
            return candidate
    return None


def _key_hash(certificate: x509.Certificate) -> bytes:
    """SHA-1 of the subjectPublicKey BIT STRING (RFC 6960 4.1.1 and 4.2.1, ResponderID byKey)."""
    return x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest


def _ocsp_status(certificate: x509.Certificate, issuer: x509.Certificate, der: bytes) -> RevocationStatus:
    try:
        response = ocsp.load_der_ocsp_response(der)
    except ValueError as exc:
        return RevocationStatus(False, problems=(f"an OCSP response is malformed: {exc}",))
    if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        return RevocationStatus(False, problems=(f"an OCSP response is {response.response_status.name}",))
    responder = _responder(response, issuer)
    algorithm, signed = response.signature_hash_algorithm, response.tbs_response_bytes
    if responder is None or not _verifies(responder.public_key(), response.signature, signed, algorithm):
        unsigned = "an OCSP response is not signed by the issuer or its responder"
        return RevocationStatus(False, problems=(unsigned,))
    issuer_key = _key_hash(issuer)
    for single in response.responses:
        if (
            single.serial_number != certificate.serial_number
            or not isinstance(single.hash_algorithm, hashes.SHA1)
            or single.issuer_key_hash != issuer_key
        ):
            continue
        if single.certificate_status is ocsp.OCSPCertStatus.GOOD:
            return RevocationStatus(
                True, this_update=single.this_update_utc, next_update=single.next_update_utc
            )
        if single.certificate_status is ocsp.OCSPCertStatus.REVOKED:
            reason = single.revocation_reason.value if single.revocation_reason else None
            return RevocationStatus(True, single.revocation_time_utc, reason)
    return RevocationStatus(False, problems=("an OCSP response does not speak of the certificate",))


def revocation_status(
    certificate: x509.Certificate, issuer: x509.Certificate, data: RevocationData
) -> RevocationStatus:
    """The status of ``certificate`` by every CRL and OCSP response of ``data`` its ``issuer`` signed:
    revoked at the earliest revocation any of them gives, else not revoked when one covers it."""
    statuses = [_crl_status(certificate, issuer, der) for der in data.crls]
    statuses += [_ocsp_status(certificate, issuer, der) for der in data.ocsp_responses]
    problems = tuple(p for status in statuses for p in status.problems)
    revoked = [s for s in statuses if s.revoked_at is not None]
    if revoked:
        first = min(revoked, key=lambda s: s.revoked_at)
        return RevocationStatus(True, first.revoked_at, first.reason, problems)
    good = [s for s in statuses if s.checked]
    latest = max(good, key=lambda s: s.this_update or datetime.min.replace(tzinfo=UTC), default=None)
    if latest is None:
        return RevocationStatus(False, problems=problems)
    until = max((s.next_update for s in good if s.next_update), default=None)
    return RevocationStatus(True, problems=problems, this_update=latest.this_update, next_update=until)


def chain_issuers(
    certificate: x509.Certificate, anchors: Sequence[x509.Certificate], carried: Sequence[x509.Certificate]
) -> list[x509.Certificate]:
    """The issuers from ``certificate`` up to one of the pinned ``anchors``, with the certificates in
    ``carried`` in between; empty when no such path exists."""
    path, current = [], certificate
    while current not in anchors:
        parent = issuer_of(current, anchors) or issuer_of(current, [c for c in carried if c not in path])
        if parent is None or parent == current:
            return []
        path.append(parent)
        current = parent
    return path
