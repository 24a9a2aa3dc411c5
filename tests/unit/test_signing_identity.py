"""The signing identity: PEM files or a PKCS#12 bundle, checked at load, every error naming its file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from signxml import SignatureMethod

from ereceipt.core.errors import ConfigurationError
from ereceipt.core.signatures.pki import Usage, issue_certificate, make_ca, write_pem
from ereceipt.core.signatures.signing_identity import SigningIdentity, load_signing_identity


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def written(directory: Path, name: str, authority, **options) -> tuple[Path, Path]:
    certificate, key = issue_certificate(*authority, name, **options)
    write_pem(directory, name, certificate, key)
    return directory / f"{name}.key.pem", directory / f"{name}.cert.pem"


def bundle(path: Path, key, certificate, chain, password: bytes | None) -> Path:
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"issuer", key, certificate, chain, encryption))
    return path


def test_pem_identity_loads_with_its_chain(rsa_pki) -> None:
    identity = load_signing_identity(
        rsa_pki.issuer_signing_key, rsa_pki.issuer_signing_cert, rsa_pki.ca_cert, None
    )
    assert identity.certificate == load(rsa_pki.issuer_signing_cert)
    assert identity.chain == (load(rsa_pki.ca_cert),)
    assert identity.signature_algorithm is SignatureMethod.RSA_SHA256


def test_ec_identity_signs_with_ecdsa(ec_pki) -> None:
    identity = load_signing_identity(ec_pki.issuer_signing_key, ec_pki.issuer_signing_cert, None, None)
    assert identity.signature_algorithm is SignatureMethod.ECDSA_SHA256
    assert identity.chain == ()


def test_development_certificates_are_recognised(rsa_pki) -> None:
    identity = load_signing_identity(rsa_pki.issuer_signing_key, rsa_pki.issuer_signing_cert, None, None)
    assert identity.is_development


def test_a_certificate_of_another_organisation_is_not_development(ca, tmp_path: Path) -> None:
    key, cert = written(tmp_path, "real", ca, organisation="Cục Thi hành án dân sự TP Hà Nội")
    assert not load_signing_identity(key, cert, None, None).is_development


def test_chain_is_ordered_from_issuer_to_root_whatever_the_file_order(ca, tmp_path: Path) -> None:
    intermediate = make_ca("Issuing CA", issuer=ca)
    key, cert = written(tmp_path, "signer", intermediate)
    (tmp_path / "chain.pem").write_bytes(pem(ca[0], intermediate[0], load(cert)))
    identity = load_signing_identity(key, cert, tmp_path / "chain.pem", None)
    assert identity.chain == (intermediate[0], ca[0])


def test_chain_holding_a_stranger_is_refused(rsa_pki, tmp_path: Path) -> None:
    (tmp_path / "chain.pem").write_bytes(pem(load(rsa_pki.ca_cert), make_ca("Someone else's CA")[0]))
    with pytest.raises(ConfigurationError, match=r"chain\.pem holds .*Someone else's CA"):
        load_signing_identity(
            rsa_pki.issuer_signing_key, rsa_pki.issuer_signing_cert, tmp_path / "chain.pem", None
        )


def test_pkcs12_bundle_gives_key_certificate_and_chain(rsa_pki, tmp_path: Path) -> None:
    key = serialization.load_pem_private_key(rsa_pki.issuer_signing_key.read_bytes(), None)
    certificate, ca = load(rsa_pki.issuer_signing_cert), load(rsa_pki.ca_cert)
    path = bundle(tmp_path / "issuer.p12", key, certificate, [ca], b"secret")
    identity = load_signing_identity(path, None, None, b"secret")
    assert (identity.certificate, identity.chain) == (certificate, (ca,))


def test_pkcs12_bundle_with_a_wrong_password_is_named(rsa_pki, tmp_path: Path) -> None:
    key = serialization.load_pem_private_key(rsa_pki.issuer_signing_key.read_bytes(), None)
    path = bundle(tmp_path / "issuer.pfx", key, load(rsa_pki.issuer_signing_cert), [], b"secret")
    with pytest.raises(ConfigurationError, match=r"issuer\.pfx cannot be opened: wrong password"):
        load_signing_identity(path, None, None, b"wrong")


def test_encrypted_pem_key_loads_with_its_password(rsa_pki, tmp_path: Path) -> None:
    key = serialization.load_pem_private_key(rsa_pki.issuer_signing_key.read_bytes(), None)
    path = tmp_path / "issuer.key.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption("mật khẩu".encode()),
        )
    )
    assert load_signing_identity(path, rsa_pki.issuer_signing_cert, None, "mật khẩu".encode()).certificate
    with pytest.raises(ConfigurationError, match=r"issuer\.key\.pem cannot be read: wrong password"):
        load_signing_identity(path, rsa_pki.issuer_signing_cert, None, b"wrong")
    with pytest.raises(ConfigurationError, match=r"issuer\.key\.pem needs a password"):
        load_signing_identity(path, rsa_pki.issuer_signing_cert, None, None)


@pytest.mark.parametrize("missing", ["key", "certificate", "chain"])
def test_missing_file_is_named(rsa_pki, tmp_path: Path, missing: str) -> None:
    paths = [rsa_pki.issuer_signing_key, rsa_pki.issuer_signing_cert, rsa_pki.ca_cert]
    position = ["key", "certificate", "chain"].index(missing)
    paths[position] = tmp_path / "nope.pem"
    with pytest.raises(ConfigurationError, match=r"nope\.pem: No such file"):
        load_signing_identity(*paths, None)


def test_pem_key_without_a_certificate_file_is_refused(rsa_pki) -> None:
    with pytest.raises(ConfigurationError, match="certificate file is needed"):
        load_signing_identity(rsa_pki.issuer_signing_key, None, None, None)


def test_key_of_another_certificate_is_refused(rsa_pki) -> None:
    with pytest.raises(
        ConfigurationError, match=r"bank-client\.key\.pem does not belong to .*issuer-signing"
    ):
        load_signing_identity(rsa_pki.key("bank-client"), rsa_pki.issuer_signing_cert, None, None)


@pytest.mark.parametrize(
    "usage",
    [Usage(content_commitment=False), Usage(digital_signature=False, content_commitment=True)],
    ids=["no-non-repudiation", "no-digital-signature"],
)
def test_certificate_not_made_for_signing_receipts_is_refused(ca, tmp_path: Path, usage: Usage) -> None:
    key, cert = written(tmp_path, "wrong", ca, usage=usage)
    with pytest.raises(
        ConfigurationError, match=r"wrong\.cert\.pem keyUsage lacks digitalSignature or nonRepudiation"
    ):
        load_signing_identity(key, cert, None, None)


@pytest.mark.parametrize(("first", "last"), [(-30, -1), (1, 30)], ids=["expired", "not-yet-valid"])
def test_certificate_not_valid_now_is_refused(ca, tmp_path: Path, first: int, last: int) -> None:
    now = datetime.now(UTC)
    validity = {"not_before": now + timedelta(days=first), "not_after": now + timedelta(days=last)}
    key, cert = written(tmp_path, "dated", ca, **validity)
    with pytest.raises(ConfigurationError, match=r"dated\.cert\.pem is valid only from"):
        load_signing_identity(key, cert, None, None)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (ec.generate_private_key(ec.SECP256K1()), "is on curve secp256k1"),
        (rsa.generate_private_key(public_exponent=65537, key_size=1024), "is RSA-1024"),  # noqa: S505
    ],
    ids=["secp256k1", "rsa-1024"],
)
def test_key_too_weak_or_on_another_curve_is_refused(ca, tmp_path: Path, key, reason: str) -> None:
    key_path, cert = written(tmp_path, "odd", ca, key=key)
    with pytest.raises(ConfigurationError, match=rf"odd\.key\.pem {reason}"):
        load_signing_identity(key_path, cert, None, None)


def test_identity_with_an_ed25519_key_has_no_signature_algorithm(rsa_pki) -> None:
    identity = SigningIdentity(ed25519.Ed25519PrivateKey.generate(), load(rsa_pki.issuer_signing_cert))
    with pytest.raises(ConfigurationError, match="RSA or ECDSA"):
        identity.signature_algorithm  # noqa: B018 (the property raises)
