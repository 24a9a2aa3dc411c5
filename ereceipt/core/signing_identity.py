"""The issuer's signing identity: private key, certificate and chain from PEM files or a PKCS#12 bundle.

Loaded once per process by ``bootstrap``. Every problem (missing file, wrong password, a key that
does not match its certificate, a certificate not valid now or not made for signing) is a
``ConfigurationError`` naming the file, so the server stops at start instead of failing later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from signxml import SignatureMethod

from ereceipt.core.errors import ConfigurationError
from ereceipt.core.pki import is_development_certificate


@dataclass(frozen=True)
class SigningIdentity:
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def signature_algorithm(self) -> SignatureMethod:
        if isinstance(self.private_key, rsa.RSAPrivateKey):
            return SignatureMethod.RSA_SHA256
        return SignatureMethod.ECDSA_SHA256

    @property
    def is_development(self) -> bool:
        return is_development_certificate(self.certificate)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"{what} {path}: {exc.strerror}", setting=str(path)) from None


def _load_pem(key_path: Path, certificate_path: Path | None, chain_path: Path | None, password: bytes | None):
    if certificate_path is None:
        raise ConfigurationError(f"signing key {key_path} is PEM: a signing certificate file is needed too")
    try:
        key = serialization.load_pem_private_key(_read(key_path, "signing key"), password)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"signing key {key_path} cannot be read: {exc}", setting=str(key_path)
        ) from None
    try:
        certificate = x509.load_pem_x509_certificate(_read(certificate_path, "signing certificate"))
        chain = x509.load_pem_x509_certificates(_read(chain_path, "certificate chain")) if chain_path else []
    except ValueError as exc:
        raise ConfigurationError(f"certificate file cannot be read: {exc}") from None
    return key, certificate, chain


def _load_pkcs12(key_path: Path, password: bytes | None):
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(
            _read(key_path, "PKCS#12 bundle"), password
        )
    except ValueError as exc:
        raise ConfigurationError(
            f"PKCS#12 bundle {key_path} cannot be opened (wrong password?): {exc}"
        ) from None
    if key is None or certificate is None:
        raise ConfigurationError(f"PKCS#12 bundle {key_path} lacks a key or a certificate")
    return key, certificate, chain


def load_signing_identity(
    key_path: Path, certificate_path: Path | None, chain_path: Path | None, password: bytes | None
) -> SigningIdentity:
    if key_path.suffix.lower() in {".p12", ".pfx"}:
        key, certificate, chain = _load_pkcs12(key_path, password)
    else:
        key, certificate, chain = _load_pem(key_path, certificate_path, chain_path, password)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ConfigurationError(f"signing key {key_path} is {type(key).__name__}; RSA or ECDSA is needed")
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(
        serialization.Encoding.DER, public
    ) != certificate.public_key().public_bytes(serialization.Encoding.DER, public):
        raise ConfigurationError(f"signing key {key_path} does not belong to its certificate")
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise ConfigurationError(
            f"signing certificate for {key_path} is valid only from "
            f"{certificate.not_valid_before_utc:%Y-%m-%d} to {certificate.not_valid_after_utc:%Y-%m-%d}"
        )
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise ConfigurationError(f"signing certificate for {key_path} has no key usage extension") from None
    if not (usage.digital_signature and usage.content_commitment):
        raise ConfigurationError(
            f"signing certificate for {key_path} does not allow digitalSignature and nonRepudiation"
        )
    chain = tuple(c for c in chain if c != certificate)
    return SigningIdentity(key, certificate, chain)
