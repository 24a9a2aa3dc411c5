"""Enveloped XAdES-BES / XAdES-EPES signatures of receipts (ETSI EN 319 132-1 on W3C XML Signature 1.1).

RSA-SHA256 or ECDSA-SHA256 by the key's type, SHA-256 digests, SigningTime and
SigningCertificateV2, and a SignaturePolicyIdentifier when a policy is configured (EPES). The
data reference is ``URI=""`` with the enveloped-signature transform: the whole receipt is signed.
KeyInfo carries the signing certificate, then its chain, and no KeyValue (two statements of the
key would be an ambiguity for verifiers to resolve).

signxml builds the signature. It spends more Python per signature on building
the same elements again, copying the document through its text and looking up its own tags,
than on the RSA signing itself, and signing is most of what a receipt costs. So ``ReceiptSigner``
has signxml sign one document when it is made, keeps that ``ds:Signature`` as the pattern, and
signs each document with a copy of it: new Ids, the signing time, the three reference digests and
the signature value, each computed as signxml computes it (lxml's canonicalization in place,
SHA-256, the key's ``sign``). Every other element and value is signxml's own. The strict
verifier (``core.verification``, signxml's ``XAdESVerifier``) checks what is signed this way, and
a test compares it with signxml's signature of the same document, element by element.

Canonicalization is Canonical XML 1.0 (inclusive, without comments), because signxml 5.2 writes
the SignedProperties and KeyInfo references without Transforms. XML Signature says such a
reference is canonicalized with Canonical XML 1.0, and signxml computes exactly that (lxml's
``c14n``), whatever URI it is told. Exclusive c14n would make those two digests differ between
signxml and conforming verifiers (Apache Santuario, xmlsec, .NET), and signxml's "1.1" URI would
name an algorithm that is not the one computed and that .NET does not implement.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
from collections import Counter
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm
from signxml.xades import XAdESSignaturePolicy, XAdESSigner

from ereceipt.core.errors import BadInput, ConfigurationError
from ereceipt.core.signatures.signing_identity import SigningIdentity
from ereceipt.core.xml.namespaces import DS, XADES

C14N = CanonicalizationMethod.CANONICAL_XML_1_0
DIGEST = DigestAlgorithm.SHA256
ID_NAMES = frozenset({"Id", "ID", "id"})


@dataclass(frozen=True)
class SignaturePolicy:
    """The signature policy of an EPES signature: its identifier, a description and its SHA-256 digest."""

    identifier: str
    description: str
    digest_sha256_b64: str

    def __post_init__(self) -> None:
        try:
            digest = base64.b64decode(self.digest_sha256_b64, validate=True)
        except binascii.Error:
            digest = b""
        if not self.identifier or len(digest) != 32:
            raise ConfigurationError(
                "a signature policy needs an identifier and the base64 of its 32-byte SHA-256 digest"
            )

    def as_xades(self) -> XAdESSignaturePolicy:
        return XAdESSignaturePolicy(
            Identifier=self.identifier,
            Description=self.description,
            DigestMethod=DIGEST,
            DigestValue=self.digest_sha256_b64,
        )


def content_problem(root: etree._Element) -> str | None:
    """Why a document is neither signed nor accepted by this gateway, or None.

    Comments and processing instructions are left out by canonicalization, so they could make a
    reader see what was not signed; a duplicate Id makes a reference ambiguous.
    """
    if root.xpath("//comment() | //processing-instruction()"):
        return "the document contains comments or processing instructions"
    ids = Counter(
        value
        for element in root.iter(etree.Element)
        for name, value in element.attrib.items()
        if etree.QName(name).localname in ID_NAMES
    )
    duplicated = [value for value, count in ids.items() if count > 1]
    return f"Id {duplicated[0]!r} appears more than once" if duplicated else None


def _unsignable(root: etree._Element) -> str | None:
    if root.getparent() is not None:
        return "only a whole document (a root element) can be signed"
    if any(True for _ in root.iter(f"{{{DS}}}Signature")):
        return "the document already carries a ds:Signature"
    if root.get("Id") is not None or root.get("ID") is not None:
        # signxml would then sign the root by reference to its Id instead of URI="".
        return "the root element must not carry an Id attribute"
    return content_problem(root)


class ReceiptSigner:
    """Signs receipts with one identity; safe to share between threads (nothing changes once made)."""

    def __init__(self, identity: SigningIdentity, policy: SignaturePolicy | None = None) -> None:
        self.identity = identity
        self.policy = policy
        self._algorithm = (
            identity.signature_algorithm
        )  # refuses an unusable key now, not at the first receipt
        self._certificates = [identity.certificate, *identity.chain]
        self._pattern = self.sign_with_signxml(etree.Element("pattern")).find(f"{{{DS}}}Signature")

    def sign(self, root: etree._Element) -> etree._Element:
        """A new root: the document with an enveloped ``ds:Signature`` as last child; ``root`` stays."""
        problem = _unsignable(root)
        if problem:
            raise BadInput(f"cannot sign: {problem}")
        document, signature = deepcopy(root), deepcopy(self._pattern)
        signed_info, key_info = signature.find(f"{{{DS}}}SignedInfo"), signature.find(f"{{{DS}}}KeyInfo")
        data, properties, key = signed_info.findall(f"{{{DS}}}Reference")
        signed = signature.find(f"{{{DS}}}Object/{{{XADES}}}QualifyingProperties/{{{XADES}}}SignedProperties")
        # The Ids as signxml names them: a random token each, so that two signatures never share one.
        signature_id = f"SignXMLSignature{_token()}"
        signature.set("Id", signature_id)
        key_info.set("Id", f"SignXMLCertificate{_token()}")
        signed.set("Id", f"{signature_id}-SignedProperties{_token()}")
        data.set("Id", f"SignXMLReference{_token()}")
        signed.getparent().set("Target", f"#{signature_id}")
        signed.find(f".//{{{XADES}}}DataObjectFormat").set("ObjectReference", f"#{data.get('Id')}")
        properties.set("URI", f"#{signed.get('Id')}")
        key.set("URI", f"#{key_info.get('Id')}")
        signed.find(f".//{{{XADES}}}SigningTime").text = datetime.now(UTC).isoformat(timespec="seconds")
        # URI="" with the enveloped-signature transform: the document as it is without the signature.
        _set_digest(data, document)
        document.append(signature)
        _set_digest(properties, signed)  # in place: inclusive C14N takes the namespaces in scope
        _set_digest(key, key_info)
        value = self._sign_value(_c14n(signed_info))
        signature.find(f"{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
        return document

    def sign_bytes(self, root: etree._Element) -> bytes:
        """The signed document as UTF-8 bytes with an XML declaration."""
        return etree.tostring(self.sign(root), xml_declaration=True, encoding="UTF-8")

    def sign_with_signxml(self, root: etree._Element) -> etree._Element:
        """``sign`` done wholly by signxml: the pattern, and what tests compare ``sign`` with."""
        problem = _unsignable(root)
        if problem:
            raise BadInput(f"cannot sign: {problem}")
        # signxml keeps per-call state on the signer object, so one is made for every call.
        signer = XAdESSigner(
            signature_policy=self.policy.as_xades() if self.policy else None,
            signature_algorithm=self._algorithm,
            digest_algorithm=DIGEST,
            c14n_algorithm=C14N,
        )
        return signer.sign(
            root, key=self.identity.private_key, cert=self._certificates, always_add_key_value=False
        )

    def _sign_value(self, signed_info: bytes) -> bytes:
        key = self.identity.private_key
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(signed_info, PKCS1v15(), hashes.SHA256())
        # XML Signature's ECDSA value is r and s, each as wide as the curve, not DER (RFC 4050).
        r, s = decode_dss_signature(key.sign(signed_info, ec.ECDSA(hashes.SHA256())))
        width = (key.curve.key_size + 7) // 8
        return r.to_bytes(width, "big") + s.to_bytes(width, "big")


def _token() -> str:
    return secrets.token_hex(4).upper()


def _c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=False, with_comments=False)


def _set_digest(reference: etree._Element, element: etree._Element) -> None:
    digest = hashlib.sha256(_c14n(element)).digest()
    reference.find(f"{{{DS}}}DigestValue").text = base64.b64encode(digest).decode()


class IssuerSigners:
    """The signer of each issuer's receipts: its own key when it has one, else the default signer.

    ``find`` is asked once per issuer code not given in ``by_issuer`` (None: the default signs)."""

    def __init__(
        self,
        default: ReceiptSigner | None,
        by_issuer: dict[str, ReceiptSigner] | None = None,
        find: Callable[[str], ReceiptSigner | None] | None = None,
    ) -> None:
        self.default = default
        self.by_issuer: dict[str, ReceiptSigner | None] = dict(by_issuer or {})
        self.find = find
        self._lock = threading.Lock()

    def for_issuer(self, code: str) -> ReceiptSigner:
        if code not in self.by_issuer and self.find is not None:
            with self._lock:  # one thread loads an issuer's key; the others wait for it
                if code not in self.by_issuer:
                    self.by_issuer[code] = self.find(code)
        signer = self.by_issuer.get(code) or self.default
        if signer is None:
            raise ConfigurationError(f"no signing key for issuer {code}: add it to [signing_keys]")
        return signer
