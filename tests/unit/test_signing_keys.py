"""Development PKI and the signing identity: usages as stated, PEM and PKCS#12, errors that name the file."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from signxml import SignatureMethod

from ereceipt.core.errors import ConfigurationError
from ereceipt.core.pki import (
    CLIENT,
    create_development_pki,
    ensure_development_pki,
    is_development_certificate,
    issue_certificate,
    make_ca,
    write_pem,
)
from ereceipt.core.signing_identity import load_signing_identity


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return create_development_pki(tmp_path_factory.mktemp("keys"))


def certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_issuer_certificate_is_for_signing_only(pki) -> None:
    cert = certificate(pki.issuer_signing_cert)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    cert.verify_directly_issued_by(certificate(pki.ca_cert))


def test_ca_may_sign_certificates(pki) -> None:
    ca = certificate(pki.ca_cert)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign


def test_server_and_client_certificates_have_their_extended_usages(pki) -> None:
    server = (
        certificate(pki.cert("soap-server")).extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    assert ExtendedKeyUsageOID.SERVER_AUTH in server
    for name in ("portal-client", "bank-client"):
        usage = certificate(pki.cert(name)).extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert ExtendedKeyUsageOID.CLIENT_AUTH in usage


def test_private_keys_are_readable_by_the_owner_only(pki) -> None:
    assert pki.issuer_signing_key.stat().st_mode & 0o777 == 0o600


def test_ensure_never_replaces_existing_keys(pki) -> None:
    before = pki.issuer_signing_key.read_bytes()
    ensure_development_pki(pki.directory)
    assert pki.issuer_signing_key.read_bytes() == before


def test_pem_identity_loads_with_its_chain_and_is_development(pki) -> None:
    identity = load_signing_identity(pki.issuer_signing_key, pki.issuer_signing_cert, pki.ca_cert, None)
    assert identity.chain == (certificate(pki.ca_cert),)
    assert identity.signature_algorithm is SignatureMethod.RSA_SHA256
    assert identity.is_development
    assert is_development_certificate(identity.certificate)


def test_ec_keys_sign_with_ecdsa(tmp_path: Path) -> None:
    ec_pki = create_development_pki(tmp_path, key_type="ec")
    identity = load_signing_identity(ec_pki.issuer_signing_key, ec_pki.issuer_signing_cert, None, None)
    assert identity.signature_algorithm is SignatureMethod.ECDSA_SHA256


def test_pkcs12_bundle_loads_and_wrong_password_is_named(pki, tmp_path: Path) -> None:
    key = serialization.load_pem_private_key(pki.issuer_signing_key.read_bytes(), None)
    bundle = pkcs12.serialize_key_and_certificates(
        b"issuer",
        key,
        certificate(pki.issuer_signing_cert),
        [certificate(pki.ca_cert)],
        serialization.BestAvailableEncryption(b"secret"),
    )
    path = tmp_path / "issuer.p12"
    path.write_bytes(bundle)
    identity = load_signing_identity(path, None, None, b"secret")
    assert identity.certificate == certificate(pki.issuer_signing_cert)
    assert len(identity.chain) == 1
    with pytest.raises(ConfigurationError, match=r"issuer\.p12"):
        load_signing_identity(path, None, None, b"wrong")


def test_missing_file_is_named(tmp_path: Path, pki) -> None:
    with pytest.raises(ConfigurationError, match=r"nope\.pem"):
        load_signing_identity(tmp_path / "nope.pem", pki.issuer_signing_cert, None, None)


def test_key_of_another_certificate_is_refused(pki) -> None:
    with pytest.raises(ConfigurationError, match="does not belong"):
        load_signing_identity(pki.key("bank-client"), pki.issuer_signing_cert, None, None)


def test_certificate_without_non_repudiation_is_refused(pki) -> None:
    with pytest.raises(ConfigurationError, match="nonRepudiation"):
        load_signing_identity(pki.key("portal-client"), pki.cert("portal-client"), None, None)


def test_expired_certificate_is_refused_at_load(tmp_path: Path) -> None:
    ca_cert, ca_key = make_ca()
    now = datetime.now(UTC)
    cert, key = issue_certificate(
        ca_cert, ca_key, "old", not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)
    )
    write_pem(tmp_path, "old", cert, key)
    with pytest.raises(ConfigurationError, match="valid only from"):
        load_signing_identity(tmp_path / "old.key.pem", tmp_path / "old.cert.pem", None, None)


def test_client_usage_has_no_non_repudiation() -> None:
    assert not CLIENT.content_commitment
