"""Enveloped XAdES-BES / XAdES-EPES signatures of receipts (ETSI EN 319 132-1, W3C XML Signature 1.1).

RSA-SHA256 or ECDSA-SHA256 by the key's type, SHA-256 digests, Canonical XML 1.1,
SigningTime and SigningCertificateV2, and a SignaturePolicyIdentifier when a policy is
configured (EPES). The data reference is ``URI=""``: the whole receipt is signed.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm
from signxml.xades import XAdESSignaturePolicy, XAdESSigner

from ereceipt.core.signing_identity import SigningIdentity

# Canonical XML 1.1, signxml's default. Exclusive c14n was tried: signxml 5.2 signs the
# SignedProperties reference with it but verifies that reference (which has no Transforms) with
# inclusive c14n, so its own signatures fail with a digest mismatch. A receipt embedded in another
# document is therefore carried as its own bytes and verified on its own.
C14N = CanonicalizationMethod.CANONICAL_XML_1_1


@dataclass(frozen=True)
class SignaturePolicy:
    identifier: str
    description: str
    digest_sha256_b64: str

    def as_xades(self) -> XAdESSignaturePolicy:
        return XAdESSignaturePolicy(
            Identifier=self.identifier,
            Description=self.description,
            DigestMethod=DigestAlgorithm.SHA256,
            DigestValue=self.digest_sha256_b64,
        )


class ReceiptSigner:
    """Signs receipts with one identity; safe to share between threads (a new signxml signer per call)."""

    def __init__(self, identity: SigningIdentity, policy: SignaturePolicy | None = None) -> None:
        self.identity = identity
        self.policy = policy
        self._certificates = [identity.certificate, *identity.chain]

    def sign(self, root: etree._Element) -> etree._Element:
        signer = XAdESSigner(
            signature_policy=self.policy.as_xades() if self.policy else None,
            signature_algorithm=self.identity.signature_algorithm,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=C14N,
        )
        return signer.sign(root, key=self.identity.private_key, cert=self._certificates)

    def sign_bytes(self, root: etree._Element) -> bytes:
        return etree.tostring(self.sign(root), xml_declaration=True, encoding="UTF-8")
