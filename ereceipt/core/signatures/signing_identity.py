"""The issuer's signing identity (RFC 5280 certificate, PKCS#8 PEM or PKCS#12 key) for XAdES receipts.

Loaded once per process by the wiring (``app/wiring/``). Every problem (a missing file, a wrong
password, a key that does not match its certificate, a certificate not valid now or not made for
signing) is a ``ConfigurationError`` naming the file, so that the server stops at start instead of issuing
receipts nobody can verify.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cryptography.exceptions
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from signxml import SignatureMethod

from ereceipt.core.errors import ConfigurationError
from ereceipt.core.signatures.pki import PrivateKey, is_development_certificate, issued_by

BUNDLE_SUFFIXES = {".p12", ".pfx"}
MIN_RSA_BITS = 2048
# The curves that both signxml and the webpki chain policy of cryptography accept.
CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)


@dataclass(frozen=True)
class SigningIdentity:
    """A private key, its certificate, and the chain above it (issuer first, root last; may be empty)."""

    private_key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def signature_algorithm(self) -> SignatureMethod:
        if isinstance(self.private_key, rsa.RSAPrivateKey):
            return SignatureMethod.RSA_SHA256
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            return SignatureMethod.ECDSA_SHA256
        raise ConfigurationError(
            f"a {type(self.private_key).__name__} cannot sign receipts; use RSA or ECDSA"
        )

    @property
    def is_development(self) -> bool:
        return is_development_certificate(self.certificate)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"{what} {path}: {exc.strerror}", setting=str(path)) from None


def _pem_key(path: Path, password: bytes | None):
    data = _read(path, "signing key")
    try:
        return serialization.load_pem_private_key(data, password)
    except TypeError:  # cryptography's way of saying that a password is missing or superfluous
        needs = "needs a password" if password is None else "is not encrypted, yet a password was given"
        raise ConfigurationError(f"signing key {path} {needs}", setting=str(path)) from None
    except (ValueError, cryptography.exceptions.UnsupportedAlgorithm):
        raise ConfigurationError(
            f"signing key {path} cannot be read: wrong password, or not a PEM private key", setting=str(path)
        ) from None


def _pem_certificates(path: Path, what: str) -> list[x509.Certificate]:
    data = _read(path, what)
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        raise ConfigurationError(
            f"{what} {path} holds no readable PEM certificate", setting=str(path)
        ) from None


def _bundle(path: Path, password: bytes | None):
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(_read(path, "PKCS#12 bundle"), password)
    except (ValueError, TypeError):
        raise ConfigurationError(
            f"PKCS#12 bundle {path} cannot be opened: wrong password, or not a PKCS#12 file",
            setting=str(path),
        ) from None
    if key is None or certificate is None:
        raise ConfigurationError(f"PKCS#12 bundle {path} lacks a private key or its certificate")
    return key, certificate, extra


def _ordered_chain(
    certificate: x509.Certificate, extra: list[x509.Certificate], source: Path
) -> tuple[x509.Certificate, ...]:
    """The chain from the certificate's issuer upwards; KeyInfo carries it in this order."""
    remaining = [c for c in dict.fromkeys(extra) if c != certificate]
    ordered, current = [], certificate
    while parent := next((c for c in remaining if issued_by(current, c)), None):
        ordered.append(parent)
        remaining.remove(parent)
        current = parent
    if remaining:
        raise ConfigurationError(
            f"certificate chain {source} holds {remaining[0].subject.rfc4514_string()}, "
            "which is not above the signing certificate",
            setting=str(source),
        )
    return tuple(ordered)


def _check(key: object, certificate: x509.Certificate, key_path: Path, source: Path) -> None:
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < MIN_RSA_BITS:
        raise ConfigurationError(
            f"signing key {key_path} is RSA-{key.key_size}; at least {MIN_RSA_BITS} bits"
        )
    if isinstance(key, ec.EllipticCurvePrivateKey) and not isinstance(key.curve, CURVES):
        raise ConfigurationError(
            f"signing key {key_path} is on curve {key.curve.name}; use P-256, P-384 or P-521"
        )
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ConfigurationError(f"signing key {key_path} is a {type(key).__name__}; RSA or ECDSA is needed")
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if key.public_key().public_bytes(*spki) != certificate.public_key().public_bytes(*spki):
        raise ConfigurationError(f"signing key {key_path} does not belong to the certificate in {source}")
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        begin, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
        raise ConfigurationError(
            f"signing certificate {source} is valid only from {begin:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}"
        )
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise ConfigurationError(f"signing certificate {source} has no keyUsage extension") from None
    if not (usage.digital_signature and usage.content_commitment):
        raise ConfigurationError(
            f"signing certificate {source} keyUsage lacks digitalSignature or nonRepudiation"
        )


def load_signing_identity(
    key_path: Path, certificate_path: Path | None, chain_path: Path | None, password: bytes | None
) -> SigningIdentity:
    """Load and check the key, its certificate and chain: PEM files, or a ``.p12``/``.pfx`` bundle."""
    if key_path.suffix.lower() in BUNDLE_SUFFIXES:
        key, certificate, extra = _bundle(key_path, password)
        source = chain_source = key_path
    elif certificate_path is None:
        raise ConfigurationError(f"signing key {key_path} is PEM: a signing certificate file is needed too")
    else:
        key = _pem_key(key_path, password)
        certificate, *extra = _pem_certificates(certificate_path, "signing certificate")
        source = chain_source = certificate_path
    if chain_path is not None:
        extra = [*extra, *_pem_certificates(chain_path, "certificate chain")]
        chain_source = chain_path
    _check(key, certificate, key_path, source)
    return SigningIdentity(key, certificate, _ordered_chain(certificate, extra, chain_source))
