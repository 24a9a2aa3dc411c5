"""RFC 3161 time-stamps: the development TSA's replies, the token checks, and XAdES-T receipts that
keep their identity; tokens checked independently with ``openssl ts -verify``."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from ereceipt.core.errors import VerificationFailed
from ereceipt.core.signatures.development_tsa import DevelopmentTSA
from ereceipt.core.signatures.identity import receipt_identity
from ereceipt.core.signatures.pki import DevelopmentPKI, issue_certificate, make_ca
from ereceipt.core.signatures.timestamp import (
    TimeStampAuthority,
    TimeStampUnavailable,
    request,
    token_from_reply,
    verify_token,
)
from ereceipt.core.signatures.xades import ReceiptSigner
from ereceipt.core.signatures.xades_t import (
    SignatureLevel,
    level_of,
    signature_time_stamps,
    signature_value_digest,
    upgrade_to_t,
)

DIGEST = hashlib.sha256(b"a receipt's signature value").digest()
# A frozen TSA clock inside the development certificates' validity (made now, backdated an hour).
FROZEN = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def load(pki: DevelopmentPKI, name: str):
    certificate = x509.load_pem_x509_certificate(pki.cert(name).read_bytes())
    return certificate, serialization.load_pem_private_key(pki.key(name).read_bytes(), None)


@pytest.fixture(scope="module")
def tsa(dev_pki: DevelopmentPKI) -> DevelopmentTSA:
    return DevelopmentTSA(*load(dev_pki, "tsa"), clock=lambda: FROZEN)


@pytest.fixture(scope="module")
def anchors(dev_pki: DevelopmentPKI) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(dev_pki.ca_cert.read_bytes())]


class InProcess(TimeStampAuthority):
    """The development TSA called without HTTP, or out of service."""

    def __init__(self, tsa: DevelopmentTSA | None) -> None:
        self.tsa = tsa

    def time_stamp(self, digest: bytes, algorithm: str = "sha256") -> bytes:
        if self.tsa is None:
            raise TimeStampUnavailable("the TSA is stopped")
        query, nonce = request(digest, algorithm=algorithm)
        return token_from_reply(self.tsa.reply(query), digest, nonce)


def token(tsa: DevelopmentTSA, digest: bytes = DIGEST) -> bytes:
    return InProcess(tsa).time_stamp(digest)


def test_the_tsa_certificate_is_for_time_stamping_only_and_marked_development(dev_pki) -> None:
    certificate, _ = load(dev_pki, "tsa")
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical and list(usage.value) == [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]
    assert not certificate.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment
    assert "DEVELOPMENT" in certificate.subject.rfc4514_string()


def test_a_token_verifies_and_gives_the_tsa_time(tsa, anchors) -> None:
    stamp = verify_token(token(tsa), DIGEST, anchors)
    assert stamp.gen_time == FROZEN
    assert stamp.tsa_certificate == tsa.certificate


def test_a_token_over_another_digest_is_refused(tsa, anchors) -> None:
    with pytest.raises(VerificationFailed, match="message imprint"):
        verify_token(token(tsa), hashlib.sha256(b"other").digest(), anchors)


@pytest.mark.parametrize("algorithm", ["sha384", "sha512"])
def test_a_token_over_a_sha384_or_sha512_imprint_verifies_under_that_algorithm_only(
    tsa, anchors, algorithm: str
) -> None:
    digest = hashlib.new(algorithm, b"archive hash tree root").digest()
    query, nonce = request(digest, algorithm=algorithm)
    made = token_from_reply(tsa.reply(query), digest, nonce)
    assert verify_token(made, digest, anchors, algorithm).gen_time == FROZEN
    with pytest.raises(VerificationFailed, match="not accepted"):
        verify_token(made, digest, anchors)  # a SHA-256 imprint expected: the length already differs
    other = "sha512" if algorithm == "sha384" else "sha384"
    with pytest.raises(VerificationFailed, match="not accepted"):
        verify_token(made, digest, anchors, other)


def test_a_weak_or_mismatched_imprint_algorithm_is_refused(tsa, anchors) -> None:
    with pytest.raises(VerificationFailed, match="not accepted"):
        verify_token(token(tsa), DIGEST, anchors, "sha1")
    with pytest.raises(VerificationFailed, match="message imprint"):
        verify_token(token(tsa), hashlib.sha512(b"x").digest()[:32], anchors)


def test_a_token_from_a_tsa_outside_the_trust_is_refused(tsa) -> None:
    foreign = make_ca("foreign CA")[0]
    with pytest.raises(VerificationFailed, match="TSA trust"):
        verify_token(token(tsa), DIGEST, [foreign])


def test_a_token_signed_by_a_certificate_without_time_stamping_usage_is_refused(dev_pki, anchors) -> None:
    ca = load(dev_pki, "ca")
    plain = DevelopmentTSA(*issue_certificate(*ca, "not a TSA"), clock=lambda: FROZEN)
    with pytest.raises(VerificationFailed, match="time-stamping only"):
        verify_token(token(plain), DIGEST, anchors)


def test_a_token_with_a_changed_time_is_refused(tsa, anchors) -> None:
    data = token(tsa)
    changed = data.replace(
        FROZEN.strftime("%Y%m%d%H%M%SZ").encode(),
        (FROZEN + timedelta(seconds=1)).strftime("%Y%m%d%H%M%SZ").encode(),
    )
    assert changed != data
    with pytest.raises(VerificationFailed, match="signed digest"):
        verify_token(changed, DIGEST, anchors)


def test_a_reply_to_another_request_is_not_taken(tsa) -> None:
    query, nonce = request(DIGEST)
    with pytest.raises(TimeStampUnavailable, match="another request"):
        token_from_reply(tsa.reply(query), DIGEST, nonce + 1)


def test_a_malformed_request_gets_a_rejection(tsa) -> None:
    with pytest.raises(TimeStampUnavailable, match="refused"):
        token_from_reply(tsa.reply(b"\x30\x03\x02\x01\x01"), DIGEST, 1)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_the_token(tsa, dev_pki, tmp_path: Path) -> None:
    (tmp_path / "token.der").write_bytes(token(tsa))
    done = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-digest",
            DIGEST.hex(),
            "-token_in",
            "-in",
            str(tmp_path / "token.der"),
            "-CAfile",
            str(dev_pki.ca_cert),
            "-untrusted",
            str(dev_pki.cert("tsa")),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "Verification: OK" in done.stdout, done.stdout + done.stderr


def test_upgrading_to_t_adds_a_signature_time_stamp_and_keeps_the_identity(
    signer: ReceiptSigner, tsa, anchors
):
    signed = signer.sign(etree.fromstring(b"<Receipt><Amount>1</Amount></Receipt>"))
    upgraded = upgrade_to_t(signed, InProcess(tsa))
    assert (level_of(signed), level_of(upgraded)) == (SignatureLevel.B, SignatureLevel.T)
    assert receipt_identity(upgraded) == receipt_identity(signed)
    (stamp,) = signature_time_stamps(upgraded)
    assert verify_token(stamp, signature_value_digest(upgraded), anchors).gen_time == FROZEN


def test_a_stopped_tsa_leaves_the_receipt_at_b(signer: ReceiptSigner) -> None:
    signed = signer.sign(etree.fromstring(b"<Receipt><Amount>1</Amount></Receipt>"))
    with pytest.raises(TimeStampUnavailable):
        upgrade_to_t(signed, InProcess(None))
    assert level_of(signed) is SignatureLevel.B
