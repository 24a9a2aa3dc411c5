"""Fixtures of the signing tests: development PKIs made once per session in a temporary directory.

``ca`` is the development root CA (certificate and key) that ``trust_store`` pins; ``make_signer``
issues a fresh signing certificate under it (or under another CA) for tests that need a bad one.
``receipt`` is a small unsigned test document, new for every test.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from ereceipt.core.signatures.pki import (
    SIGNING,
    Authority,
    DevelopmentPKI,
    create_development_pki,
    issue_certificate,
)
from ereceipt.core.signatures.signing_identity import SigningIdentity
from ereceipt.core.signatures.verification import TrustStore
from ereceipt.core.signatures.xades import ReceiptSigner

TEST_NS = "urn:ereceipt:test"
TEST_ROOT = f"{{{TEST_NS}}}Receipt"
RECEIPT = f"""<Receipt xmlns="{TEST_NS}" version="1.0">
  <Amount currency="VND">1015000</Amount>
  <Payer>Nguyễn Văn A</Payer>
  <Content>Nộp tiền thi hành án theo quyết định số 123/QĐ-CCTHADS</Content>
</Receipt>""".encode()


@pytest.fixture(scope="session")
def rsa_pki(dev_pki: DevelopmentPKI) -> DevelopmentPKI:
    """The suite's development PKI (tests/conftest.py), RSA keys."""
    return dev_pki


@pytest.fixture(scope="session")
def ec_pki(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentPKI:
    return create_development_pki(tmp_path_factory.mktemp("ec-keys"), key_type="ec")


@pytest.fixture(scope="session")
def ca(rsa_pki: DevelopmentPKI) -> Authority:
    certificate = x509.load_pem_x509_certificate(rsa_pki.ca_cert.read_bytes())
    return certificate, serialization.load_pem_private_key(rsa_pki.ca_key.read_bytes(), None)


@pytest.fixture(scope="session")
def trust_store(trust: TrustStore) -> TrustStore:
    return trust


@pytest.fixture(scope="session")
def rsa_signer(signer: ReceiptSigner) -> ReceiptSigner:
    return signer


@pytest.fixture(scope="session")
def make_signer(ca: Authority) -> Callable[..., ReceiptSigner]:
    """A signer with a new certificate under ``authority`` (the pinned CA unless told), made as asked."""

    def make(
        *, authority: Authority | None = None, policy=None, usage=SIGNING, **certificate
    ) -> ReceiptSigner:
        issuer = authority or ca
        leaf, key = issue_certificate(issuer[0], issuer[1], "Test signer", usage=usage, **certificate)
        return ReceiptSigner(SigningIdentity(key, leaf, (issuer[0],)), policy)

    return make


@pytest.fixture
def receipt() -> etree._Element:
    return etree.fromstring(RECEIPT)


@pytest.fixture(scope="session")
def signed(rsa_signer: ReceiptSigner) -> bytes:
    """One receipt signed by the development issuer certificate; tests edit copies of it."""
    return rsa_signer.sign_bytes(etree.fromstring(RECEIPT))
