"""Development PKI: the stated usages for every party, private keys, and never a replaced key."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store

from ereceipt.core.errors import ConfigurationError
from ereceipt.core.signatures.pki import (
    DEVELOPMENT_ORGANISATION,
    PARTIES,
    create_development_pki,
    ensure_development_pki,
    is_development_certificate,
    issue_certificate,
    make_ca,
    new_key,
)

USAGES = ("digital_signature", "content_commitment", "key_encipherment", "key_cert_sign", "crl_sign")


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def usages(certificate: x509.Certificate) -> set[str]:
    extension = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert extension.critical
    return {name for name in USAGES if getattr(extension.value, name)}


def extended(certificate: x509.Certificate) -> list[x509.ObjectIdentifier]:
    return list(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)


def test_root_ca_may_only_sign_certificates_and_crls(rsa_pki) -> None:
    ca = load(rsa_pki.ca_cert)
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    assert usages(ca) == {"key_cert_sign", "crl_sign"}
    assert ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "E-receipt DEVELOPMENT Root CA"
    ca.verify_directly_issued_by(ca)


@pytest.mark.parametrize("name", list(PARTIES))
def test_every_certificate_chains_to_the_root_under_webpki_ca_rules(rsa_pki, name: str) -> None:
    ca = load(rsa_pki.ca_cert)
    verifier = (
        PolicyBuilder()
        .store(Store([ca]))
        .extension_policies(
            ee_policy=ExtensionPolicy.permit_all(), ca_policy=ExtensionPolicy.webpki_defaults_ca()
        )
        .build_client_verifier()
    )
    assert verifier.verify(load(rsa_pki.cert(name)), []).chain[-1] == ca


def test_issuer_signing_certificate_is_for_signing_and_non_repudiation(rsa_pki) -> None:
    certificate, ca = load(rsa_pki.issuer_signing_cert), load(rsa_pki.ca_cert)
    assert usages(certificate) == {"digital_signature", "content_commitment"}
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    authority = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    subject_key = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert authority.key_identifier == subject_key.digest
    assert certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert timedelta(days=729) < lifetime < timedelta(days=731)


def test_soap_server_certificate_serves_tls_for_localhost(rsa_pki) -> None:
    certificate = load(rsa_pki.cert("soap-server"))
    assert usages(certificate) == {"digital_signature", "key_encipherment"}
    assert extended(certificate) == [ExtendedKeyUsageOID.SERVER_AUTH]
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [IPv4Address("127.0.0.1")]


@pytest.mark.parametrize("name", ["portal-client", "bank-client"])
def test_client_certificates_sign_and_authenticate_clients(rsa_pki, name: str) -> None:
    certificate = load(rsa_pki.cert(name))
    assert usages(certificate) == {"digital_signature"}
    assert extended(certificate) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_rsa_keys_are_2048_bits_with_exponent_65537(rsa_pki) -> None:
    for name in ("ca", *PARTIES):
        key = load(rsa_pki.cert(name)).public_key()
        assert isinstance(key, rsa.RSAPublicKey)
        assert (key.key_size, key.public_numbers().e) == (2048, 65537)


def test_ec_keys_are_p256_and_never_for_key_encipherment(ec_pki) -> None:
    for name in ("ca", *PARTIES):
        key = load(ec_pki.cert(name)).public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    assert usages(load(ec_pki.cert("soap-server"))) == {"digital_signature"}


def test_every_subject_is_marked_as_development_only(rsa_pki) -> None:
    for name in ("ca", *PARTIES):
        certificate = load(rsa_pki.cert(name))
        assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
            DEVELOPMENT_ORGANISATION
        )
        assert is_development_certificate(certificate)


def test_a_certificate_of_another_organisation_is_not_development(ca) -> None:
    certificate, _ = issue_certificate(*ca, "Cục THADS", organisation="Tổng cục Thi hành án dân sự")
    assert not is_development_certificate(certificate)


def test_private_keys_are_readable_by_the_owner_only(rsa_pki) -> None:
    for name in ("ca", *PARTIES):
        assert rsa_pki.key(name).stat().st_mode & 0o777 == 0o600
        assert rsa_pki.cert(name).stat().st_mode & 0o077 == 0o044


def test_ensure_makes_a_pki_only_when_there_is_none(tmp_path: Path) -> None:
    made = ensure_development_pki(tmp_path / "keys")
    before = made.issuer_signing_key.read_bytes()
    assert ensure_development_pki(tmp_path / "keys").issuer_signing_key.read_bytes() == before


def test_ensure_refuses_to_replace_a_key_left_without_its_ca(tmp_path: Path) -> None:
    (tmp_path / "issuer-signing.key.pem").write_bytes(b"a real key")
    with pytest.raises(ConfigurationError, match=r"issuer-signing\.key\.pem exists"):
        ensure_development_pki(tmp_path)
    assert (tmp_path / "issuer-signing.key.pem").read_bytes() == b"a real key"


def test_create_replaces_the_keys_and_keeps_them_private(tmp_path: Path) -> None:
    first = create_development_pki(tmp_path)
    first.issuer_signing_key.chmod(0o644)
    before = first.issuer_signing_key.read_bytes()
    second = create_development_pki(tmp_path)
    assert second.issuer_signing_key.read_bytes() != before
    assert second.issuer_signing_key.stat().st_mode & 0o777 == 0o600


def test_processes_ensuring_at_once_make_one_consistent_pki(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: ensure_development_pki(tmp_path / "keys"), range(4)))
    pki = ensure_development_pki(tmp_path / "keys")
    for name in PARTIES:
        load(pki.cert(name)).verify_directly_issued_by(load(pki.ca_cert))


def test_intermediate_ca_is_issued_by_its_root_and_may_not_issue_cas(ca) -> None:
    intermediate, _ = make_ca("E-receipt DEVELOPMENT Issuing CA", issuer=ca)
    intermediate.verify_directly_issued_by(ca[0])
    assert intermediate.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0


def test_test_certificates_take_the_validity_they_are_given(ca) -> None:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    certificate, _ = issue_certificate(*ca, "old", not_before=start, not_after=start + timedelta(days=1))
    assert (certificate.not_valid_before_utc, certificate.not_valid_after_utc) == (
        start,
        start + timedelta(days=1),
    )


def test_unknown_key_type_is_refused() -> None:
    with pytest.raises(ValueError, match="dsa"):
        new_key("dsa")


def test_each_agency_asked_for_gets_a_signing_certificate_with_its_tax_code(tmp_path: Path) -> None:
    from ereceipt.core.signatures.binding import subject_tax_codes
    from ereceipt.core.signatures.pki import DevelopmentIssuer, create_development_pki, ensure_development_pki

    agencies = (DevelopmentIssuer("CTHADS-HN", "Cục", "0100000001"),)
    pki = create_development_pki(tmp_path / "keys", issuers=agencies)
    certificate = x509.load_pem_x509_certificate(pki.issuer_cert("CTHADS-HN").read_bytes())
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert subject_tax_codes(certificate) == ["0100000001"]
    for party in ("portal-client", "bank-client", "soap-server"):  # never a receipt's signer
        other = x509.load_pem_x509_certificate(pki.cert(party).read_bytes())
        assert not other.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment
    # An agency added later gets its key under the same CA; the keys already there stay.
    before = pki.issuer_key("CTHADS-HN").read_bytes()
    later = (*agencies, DevelopmentIssuer("CCTHADS-BD", "Chi cục", "0100000002"))
    ensure_development_pki(tmp_path / "keys", issuers=later)
    assert pki.issuer_key("CTHADS-HN").read_bytes() == before
    added = x509.load_pem_x509_certificate(pki.issuer_cert("CCTHADS-BD").read_bytes())
    ca = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    assert added.issuer == ca.subject and subject_tax_codes(added) == ["0100000002"]
