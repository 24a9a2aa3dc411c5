"""Development PKI (RFC 5280 X.509 v3 profile): a root CA and a certificate for every party of the gateway.

Made by ``ereceipt keys init`` for one-machine use and by tests: a signing certificate for each
agency asked for (``UID=MST:<tax code>``, nonRepudiation), a generic issuer signing certificate,
the SOAP server's, client certificates for a portal and a bank, and the development time-stamping
authority's (RFC 3161: extendedKeyUsage timeStamping, critical). Every subject carries
O = "E-receipt DEVELOPMENT ONLY" so that the server can warn while such keys are in use. The same
functions make the bad certificates (expired, wrong usage, foreign CA) that tests need.
"""

from __future__ import annotations

import fcntl
import ipaddress
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ereceipt.core.errors import ConfigurationError

OCSP = x509.oid.AuthorityInformationAccessOID.OCSP
DEVELOPMENT_ORGANISATION = "E-receipt DEVELOPMENT ONLY"
ROOT_CA_NAME = "E-receipt DEVELOPMENT Root CA"
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
Authority = tuple[x509.Certificate, PrivateKey]
# A little backdating, so that a certificate made now is valid on a machine whose clock lags a bit.
BACKDATE = timedelta(hours=1)


@dataclass(frozen=True)
class Usage:
    """Key usages of an end-entity certificate (RFC 5280 4.2.1.3 and 4.2.1.12)."""

    digital_signature: bool = True
    content_commitment: bool = False
    key_encipherment: bool = False
    extended: tuple[x509.ObjectIdentifier, ...] = ()
    extended_critical: bool = False  # RFC 3161 2.3: a TSA's id-kp-timeStamping is critical


SIGNING = Usage(content_commitment=True)
SERVER = Usage(key_encipherment=True, extended=(ExtendedKeyUsageOID.SERVER_AUTH,))
CLIENT = Usage(extended=(ExtendedKeyUsageOID.CLIENT_AUTH,))
# A TSA signs time-stamps only: no nonRepudiation, so the signer binding refuses it as a receipt signer.
TIME_STAMPING = Usage(extended=(ExtendedKeyUsageOID.TIME_STAMPING,), extended_critical=True)

# name: (common name, usage, DNS names, IP addresses)
PARTIES: dict[str, tuple[str, Usage, tuple[str, ...], tuple[str, ...]]] = {
    "issuer-signing": ("E-receipt DEVELOPMENT issuer signing", SIGNING, (), ()),
    "soap-server": ("localhost", SERVER, ("localhost",), ("127.0.0.1",)),
    "portal-client": ("E-receipt DEVELOPMENT portal client", CLIENT, (), ()),
    "bank-client": ("E-receipt DEVELOPMENT bank client", CLIENT, (), ()),
    "tsa": ("E-receipt DEVELOPMENT time-stamping authority", TIME_STAMPING, (), ()),
}


@dataclass(frozen=True)
class DevelopmentIssuer:
    """An agency that gets a signing certificate of its own: its code, name and tax code."""

    code: str
    name: str
    tax_code: str

    @property
    def party(self) -> str:
        return f"issuer-{self.code}"


@dataclass(frozen=True)
class DevelopmentPKI:
    """The PEM files of a development PKI: ``<name>.cert.pem`` and ``<name>.key.pem`` per party."""

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

    def issuer_key(self, code: str) -> Path:
        """The signing key of one issuer (``ereceipt keys init`` makes one per demo issuer)."""
        return self.key(f"issuer-{code}")

    def issuer_cert(self, code: str) -> Path:
        return self.cert(f"issuer-{code}")


def new_key(key_type: str = "rsa") -> PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"key type {key_type!r} is not 'rsa' or 'ec'")


def _name(common_name: str, organisation: str, tax_code: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if tax_code:  # Vietnamese CA practice: the organisation's tax code as UID=MST:<tax code>
        attributes.append(x509.NameAttribute(NameOID.USER_ID, f"MST:{tax_code}"))
    return x509.Name(attributes)


def _key_usage(*, signature: bool, commitment: bool, encipherment: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signature,
        content_commitment=commitment,
        key_encipherment=encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(
    common_name: str,
    organisation: str,
    key: PrivateKey,
    issuer: Authority | None,
    validity: tuple[datetime | None, datetime | None],
    days: int,
    tax_code: str | None = None,
) -> x509.CertificateBuilder:
    """Subject, validity (``days`` from now unless given), SKI, and AKI under an issuer (RFC 5280 4.2.1)."""
    subject, now = _name(common_name, organisation, tax_code), datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer[0].subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0] or now - BACKDATE)
        .not_valid_after(validity[1] or now + timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[0].public_key())
        builder = builder.add_extension(aki, critical=False)
    return builder


def make_ca(
    common_name: str = ROOT_CA_NAME,
    key_type: str = "rsa",
    *,
    issuer: Authority | None = None,
    key: PrivateKey | None = None,
    organisation: str = DEVELOPMENT_ORGANISATION,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> Authority:
    """A CA: self-signed root, or an intermediate when ``issuer`` is given (webpki CA profile)."""
    key = key or new_key(key_type)
    certificate = (
        _builder(common_name, organisation, key, issuer, (not_before, not_after), days=3650)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0 if issuer else None), critical=True)
        .add_extension(
            _key_usage(signature=False, commitment=False, encipherment=False, ca=True), critical=True
        )
        .sign(issuer[1] if issuer else key, hashes.SHA256())
    )
    return certificate, key


def issue_certificate(
    ca_certificate: x509.Certificate,
    ca_key: PrivateKey,
    common_name: str,
    *,
    usage: Usage = SIGNING,
    key: PrivateKey | None = None,
    key_type: str = "rsa",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    dns_names: tuple[str, ...] = (),
    ip_addresses: tuple[str, ...] = (),
    organisation: str = DEVELOPMENT_ORGANISATION,
    tax_code: str | None = None,
    policies: tuple[str, ...] = (),
    revocation_url: str | None = None,
) -> Authority:
    """An end-entity certificate signed by the CA, valid for two years unless told otherwise; its
    subject carries ``UID=MST:<tax_code>`` when given, and ``policies`` as certificate policy OIDs;
    ``revocation_url``: the server whose /ca/crl and /ca/ocsp publish the CA's revocations."""
    key = key or new_key(key_type)
    validity = (not_before, not_after)
    builder = (
        _builder(
            common_name, organisation, key, (ca_certificate, ca_key), validity, days=730, tax_code=tax_code
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _key_usage(
                signature=usage.digital_signature,
                commitment=usage.content_commitment,
                # RFC 5480 section 3: an EC key cannot encipher keys, so keyEncipherment is for RSA only.
                encipherment=usage.key_encipherment and isinstance(key, rsa.RSAPrivateKey),
                ca=False,
            ),
            critical=True,
        )
    )
    if usage.extended:
        extended = x509.ExtendedKeyUsage(list(usage.extended))
        builder = builder.add_extension(extended, critical=usage.extended_critical)
    if policies:
        information = [x509.PolicyInformation(x509.ObjectIdentifier(oid), None) for oid in policies]
        builder = builder.add_extension(x509.CertificatePolicies(information), critical=False)
    names = [x509.DNSName(n) for n in dns_names] + [
        x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses
    ]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if revocation_url:  # RFC 5280 4.2.1.13 and 4.2.2.1: where its CA publishes revocations
        base = revocation_url.rstrip("/")
        crl = x509.DistributionPoint([x509.UniformResourceIdentifier(f"{base}/ca/crl")], None, None, None)
        ocsp = x509.AccessDescription(OCSP, x509.UniformResourceIdentifier(f"{base}/ca/ocsp"))
        builder = builder.add_extension(x509.CRLDistributionPoints([crl]), critical=False)
        builder = builder.add_extension(x509.AuthorityInformationAccess([ocsp]), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def replace_file(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to ``path`` atomically with ``mode``."""
    # A temporary file made 0600 by mkstemp, then renamed: a key is never readable by others, and
    # a reader never sees half a file. (Opening the old file with O_TRUNC would keep its old mode.)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def write_pem(directory: Path, name: str, certificate: x509.Certificate, key: PrivateKey) -> None:
    """Write ``<name>.key.pem`` (PKCS#8, mode 0600) and ``<name>.cert.pem`` into ``directory``."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    replace_file(directory / f"{name}.key.pem", pkcs8, 0o600)
    replace_file(directory / f"{name}.cert.pem", certificate.public_bytes(serialization.Encoding.PEM), 0o644)


@contextmanager
def directory_lock(directory: Path) -> Iterator[None]:
    """Hold the exclusive lock of the keys ``directory`` (fcntl.flock, so across processes)."""
    # Several server processes may start at once on a fresh machine; one makes the PKI, the others wait;
    # two revocations at once are recorded one after the other (``development_ca.revoke``).
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(directory / ".pki.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _issuer_certificates(
    directory: Path, authority: Authority, key_type: str, issuers: tuple, url: str | None
) -> None:
    """A signing certificate for each of ``issuers`` (``DevelopmentIssuer``)."""
    for issuer in issuers:
        options = {"key_type": key_type, "tax_code": issuer.tax_code, "revocation_url": url}
        certificate, key = issue_certificate(*authority, f"{issuer.code} DEVELOPMENT signing", **options)
        write_pem(directory, issuer.party, certificate, key)


def _party(directory: Path, authority: Authority, key_type: str, name: str, url: str | None) -> None:
    common_name, usage, dns_names, addresses = PARTIES[name]
    options = {"usage": usage, "dns_names": dns_names, "ip_addresses": addresses, "revocation_url": url}
    certificate, key = issue_certificate(*authority, common_name, key_type=key_type, **options)
    write_pem(directory, name, certificate, key)


def _create(
    directory: Path, key_type: str, issuers: tuple[DevelopmentIssuer, ...] = (), url: str | None = None
) -> DevelopmentPKI:
    ca_certificate, ca_key = make_ca(key_type=key_type)
    _issuer_certificates(directory, (ca_certificate, ca_key), key_type, issuers, url)
    for name in PARTIES:
        _party(directory, (ca_certificate, ca_key), key_type, name, url)
    # The CA certificate is written last: its presence means that the whole set is there.
    write_pem(directory, "ca", ca_certificate, ca_key)
    return DevelopmentPKI(directory)


def create_development_pki(
    directory: Path,
    *,
    key_type: str = "rsa",
    issuers: tuple[DevelopmentIssuer, ...] = (),
    revocation_url: str | None = None,
) -> DevelopmentPKI:
    """Write a new development PKI into ``directory``, replacing the one that is there; each of
    ``issuers`` gets a signing certificate of its own (``issuer-<code>``); every certificate points
    at ``revocation_url``'s CRL and OCSP responder when given."""
    with directory_lock(directory):
        return _create(directory, key_type, tuple(issuers), revocation_url)


def _add_missing_issuers(
    pki: DevelopmentPKI, key_type: str, issuers: tuple[DevelopmentIssuer, ...], url: str | None
) -> None:
    missing = tuple(i for i in issuers if not pki.key(i.party).exists())
    parties = [name for name in PARTIES if not pki.key(name).exists()]  # e.g. a PKI made before the TSA
    if (missing or parties) and pki.ca_key.exists():
        with directory_lock(pki.directory):
            missing = tuple(i for i in missing if not pki.key(i.party).exists())
            certificate = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
            key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), None)
            _issuer_certificates(pki.directory, (certificate, key), key_type, missing, url)
            for name in PARTIES:
                if not pki.key(name).exists():
                    _party(pki.directory, (certificate, key), key_type, name, url)


def ensure_development_pki(
    directory: Path,
    *,
    key_type: str = "rsa",
    issuers: tuple[DevelopmentIssuer, ...] = (),
    revocation_url: str | None = None,
) -> DevelopmentPKI:
    """The development PKI in ``directory``, made only if ``ca.cert.pem`` is missing; never replaces a
    key. Issuers of ``issuers`` without a signing key get one under the development CA."""
    pki = DevelopmentPKI(directory)
    if pki.ca_cert.exists():
        _add_missing_issuers(pki, key_type, tuple(issuers), revocation_url)
        return pki
    with directory_lock(directory):
        if pki.ca_cert.exists():
            return pki
        for name in ("ca", *PARTIES):
            if pki.key(name).exists():
                raise ConfigurationError(
                    f"{pki.key(name)} exists but {pki.ca_cert} does not; refusing to replace a key "
                    "(move the files away, or run `ereceipt keys init --force`)",
                    setting=str(directory),
                )
        return _create(directory, key_type, tuple(issuers), revocation_url)


def is_ca(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s key signed ``child`` under ``issuer``'s name (RFC 5280 6.1.3 a.1 and a.4)."""
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def is_development_certificate(certificate: x509.Certificate) -> bool:
    organisations = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return any(attribute.value == DEVELOPMENT_ORGANISATION for attribute in organisations)
