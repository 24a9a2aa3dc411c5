"""Whose word counts on revocation (RFC 6960 4.2.2.2, RFC 5280 6.3.3): an OCSP answer signed by the
issuer or by a responder it delegated (extendedKeyUsage id-kp-OCSPSigning) counts; one signed by
any other certificate of the same CA, or about another certificate, proves nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from ereceipt.core.signatures.pki import SIGNING, Usage, issue_certificate, make_ca
from ereceipt.core.signatures.revocation import RevocationData, revocation_status

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
REVOKED = NOW - timedelta(hours=1)


@pytest.fixture(scope="module")
def authority():
    return make_ca("revocation CA")


@pytest.fixture(scope="module")
def subject(authority):
    return issue_certificate(*authority, "subject", usage=SIGNING)[0]


def answer(subject, authority, signer, *, status=ocsp.OCSPCertStatus.REVOKED, about=None) -> bytes:
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=about or subject,
        issuer=authority[0],
        algorithm=hashes.SHA1(),  # noqa: S303 (CertID, RFC 5019)
        cert_status=status,
        this_update=NOW,
        next_update=NOW + timedelta(days=1),
        revocation_time=REVOKED if status is ocsp.OCSPCertStatus.REVOKED else None,
        revocation_reason=x509.ReasonFlags.key_compromise if status is ocsp.OCSPCertStatus.REVOKED else None,
    )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, signer[0])
    if signer[0] != authority[0]:
        builder = builder.certificates([signer[0]])
    return builder.sign(signer[1], hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def status_of(subject, authority, der: bytes):
    return revocation_status(subject, authority[0], RevocationData((), (der,)))


def test_the_issuers_own_answer_counts(subject, authority) -> None:
    status = status_of(subject, authority, answer(subject, authority, authority))
    assert (status.checked, status.revoked_at, status.reason) == (True, REVOKED, "keyCompromise")


def test_a_delegated_responders_answer_counts(subject, authority) -> None:
    delegated = issue_certificate(
        *authority, "responder", usage=Usage(extended=(ExtendedKeyUsageOID.OCSP_SIGNING,))
    )
    status = status_of(
        subject, authority, answer(subject, authority, delegated, status=ocsp.OCSPCertStatus.GOOD)
    )
    assert (status.checked, status.revoked_at, status.this_update) == (True, None, NOW)
    assert status.fresh(NOW, NOW + timedelta(days=400)) and not status.fresh(NOW + timedelta(seconds=1), NOW)


def test_another_certificate_of_the_ca_cannot_answer(subject, authority) -> None:
    impostor = issue_certificate(*authority, "impostor", usage=SIGNING)
    status = status_of(subject, authority, answer(subject, authority, impostor))
    assert (status.checked, status.revoked_at) == (False, None)
    assert "not signed by the issuer or its responder" in status.problems[0]


def test_an_answer_about_another_certificate_says_nothing(subject, authority) -> None:
    other = issue_certificate(*authority, "other", usage=SIGNING)[0]
    status = status_of(subject, authority, answer(subject, authority, authority, about=other))
    assert (status.checked, status.revoked_at) == (False, None)


def test_a_crl_of_another_ca_says_nothing(subject, authority) -> None:
    foreign = make_ca("revocation CA")  # the same name, another key
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(foreign[0].subject)
        .last_update(NOW)
        .next_update(NOW + timedelta(days=1))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(subject.serial_number)
            .revocation_date(REVOKED)
            .build()
        )
        .sign(foreign[1], hashes.SHA256())
    )
    status = revocation_status(
        subject, authority[0], RevocationData((crl.public_bytes(serialization.Encoding.DER),))
    )
    assert (status.checked, status.revoked_at) == (False, None)
    assert "not signed by the certificate's issuer" in status.problems[0]
