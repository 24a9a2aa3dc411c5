"""Development PKI (RFC 5280 X.509 v3): a root CA and the certificates every party of the system needs.

Made by ``ereceipt keys init`` for one-machine use and tests: the issuer's signing certificate,
the SOAP server's, and client certificates for a portal and a bank. Every subject carries
O = "E-receipt DEVELOPMENT ONLY" so the server can warn while such keys are in use.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEVELOPMENT_ORGANISATION = "E-receipt DEVELOPMENT ONLY"
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Usage:
    """Key usages of an end-entity certificate (RFC 5280 4.2.1.3 and 4.2.1.12)."""

    digital_signature: bool = True
    content_commitment: bool = False
    key_encipherment: bool = False
    extended: tuple[x509.ObjectIdentifier, ...] = ()


SIGNING = Usage(content_commitment=True)
SERVER = Usage(key_encipherment=True, extended=(ExtendedKeyUsageOID.SERVER_AUTH,))
CLIENT = Usage(extended=(ExtendedKeyUsageOID.CLIENT_AUTH,))


@dataclass(frozen=True)
class DevelopmentPKI:
    directory: Path

    def cert(self, name: str) -> Path:
        return self.directory / f"{name}.cert.pem"

    def key(self, name: str) -> Path:
        return self.directory / f"{name}.key.pem"

    @property
    def ca_cert(self) -> Path:
        return self.cert("ca")

    @property
    def ca_key(self) -> Path:
        return self.key("ca")

    @property
    def issuer_signing_cert(self) -> Path:
        return self.cert("issuer-signing")

    @property
    def issuer_signing_key(self) -> Path:
        return self.key("issuer-signing")


def new_key(key_type: str = "rsa") -> PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"key type {key_type!r} is not rsa or ec")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEVELOPMENT_ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_ca(
    common_name: str = "E-receipt DEVELOPMENT Root CA", key_type: str = "rsa"
) -> tuple[x509.Certificate, PrivateKey]:
    key = new_key(key_type)
    now = datetime.now(UTC)
    subject = _name(common_name)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def issue_certificate(
    ca_certificate: x509.Certificate,
    ca_key: PrivateKey,
    common_name: str,
    *,
    usage: Usage = SIGNING,
    key: PrivateKey | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    dns_names: tuple[str, ...] = (),
    ip_addresses: tuple[str, ...] = (),
) -> tuple[x509.Certificate, PrivateKey]:
    """An end-entity certificate signed by the CA; tests use the time and usage arguments for bad ones."""
    key = key or new_key("rsa")
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(hours=1))
        .not_valid_after(not_after or now + timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=usage.digital_signature,
                content_commitment=usage.content_commitment,
                key_encipherment=usage.key_encipherment,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_certificate.public_key()), critical=False
        )
    )
    if usage.extended:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(usage.extended)), critical=False)
    alternative_names = [x509.DNSName(name) for name in dns_names] + [
        x509.IPAddress(ipaddress.ip_address(address)) for address in ip_addresses
    ]
    if alternative_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def write_pem(directory: Path, name: str, certificate: x509.Certificate, key: PrivateKey) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    key_path = directory / f"{name}.key.pem"
    # Created with 0600 from the start: the key is never readable by others, not even for a moment.
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    (directory / f"{name}.cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def create_development_pki(directory: Path, *, key_type: str = "rsa") -> DevelopmentPKI:
    """Write a new development PKI into ``directory``, replacing one that is there."""
    ca_certificate, ca_key = make_ca(key_type=key_type)
    write_pem(directory, "ca", ca_certificate, ca_key)
    parties = {
        "issuer-signing": ("E-receipt DEVELOPMENT issuer signing", SIGNING, (), ()),
        "soap-server": ("localhost", SERVER, ("localhost",), ("127.0.0.1",)),
        "portal-client": ("E-receipt DEVELOPMENT portal client", CLIENT, (), ()),
        "bank-client": ("E-receipt DEVELOPMENT bank client", CLIENT, (), ()),
    }
    for name, (common_name, usage, dns_names, addresses) in parties.items():
        certificate, key = issue_certificate(
            ca_certificate,
            ca_key,
            common_name,
            usage=usage,
            key=new_key(key_type),
            dns_names=dns_names,
            ip_addresses=addresses,
        )
        write_pem(directory, name, certificate, key)
    return DevelopmentPKI(directory)


def ensure_development_pki(directory: Path, *, key_type: str = "rsa") -> DevelopmentPKI:
    """The development PKI in ``directory``, made only when there is none; existing keys are never touched."""
    if (directory / "ca.cert.pem").exists():
        return DevelopmentPKI(directory)
    return create_development_pki(directory, key_type=key_type)


def is_development_certificate(certificate: x509.Certificate) -> bool:
    organisations = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return any(attribute.value == DEVELOPMENT_ORGANISATION for attribute in organisations)
