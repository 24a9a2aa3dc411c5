"""Enveloped XML signatures of bank messages (W3C XML-Signature 1.1 over an ISO 20022 camt Document).

A bank whose certificate is pinned in ``[banks]`` signs each camt document whole: one
``ds:Signature`` as the last child of ``Document``, one reference ``URI=""`` with the
enveloped-signature transform, RSA or ECDSA with SHA-256 (or stronger), and no ``KeyValue``
(a key the message names for itself proves nothing). The signature must verify with exactly the
pinned certificate; a certificate the message carries must be that one. Only the element signxml
returns as signed is read afterwards, so nothing outside the signature (a wrapped copy, a second
document) is ever acted on. Every refusal is a ``VerificationFailed`` saying why.
"""

from __future__ import annotations

import base64

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml import DigestAlgorithm, SignatureConstructionMethod, SignatureMethod, XMLSigner, XMLVerifier
from signxml.verifier import SignatureConfiguration

from ereceipt.core.errors import BadInput, ConfigurationError, VerificationFailed
from ereceipt.core.signatures.signing_identity import CURVES, MIN_RSA_BITS
from ereceipt.core.signatures.verification import (
    CANONICAL,
    DIGESTS,
    ENVELOPED,
    SIGNATURE_URIS,
    SIGNXML_ERRORS,
    missing_base64,
)
from ereceipt.core.signatures.verification import STRONG_SIGNATURES as SIGNATURE_METHODS
from ereceipt.core.signatures.xades import DS, content_problem
from ereceipt.core.xml.parser import hardened_parser

NS = {"ds": DS}
_CONFIG = SignatureConfiguration(
    require_x509=True,
    location="./",
    expect_references=1,
    signature_methods=SIGNATURE_METHODS,
    digest_algorithms=frozenset(DigestAlgorithm(uri) for uri in DIGESTS),
)


def check_pinned_certificate(certificate: x509.Certificate, origin: str) -> x509.Certificate:
    """A bank certificate of ``[banks]`` must hold a strong RSA or ECDSA key; raises at start otherwise."""
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= MIN_RSA_BITS:
        return certificate
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, CURVES):
        return certificate
    raise ConfigurationError(
        f"setting {origin}: the bank certificate needs RSA of {MIN_RSA_BITS} bits or more, or ECDSA "
        "on P-256/P-384/P-521",
        setting=origin,
    )


def verified_document(data: bytes, root: etree._Element, pinned: x509.Certificate) -> etree._Element:
    """The camt ``Document`` as signed by ``pinned``; ``root`` is ``data`` already parsed (for its shape)."""
    signature = _signature(root)
    carried = signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    for element in carried:
        try:
            certificate = x509.load_der_x509_certificate(
                base64.b64decode("".join((element.text or "").split()))
            )
        except ValueError:
            raise VerificationFailed("the signature's KeyInfo holds an unreadable certificate") from None
        if certificate != pinned:
            raise VerificationFailed(
                "the message is signed with another certificate than the one pinned for this bank "
                f"({certificate.subject.rfc4514_string()})"
            )
    try:
        result = XMLVerifier().verify(data, x509_cert=pinned, parser=hardened_parser(), expect_config=_CONFIG)
    except SIGNXML_ERRORS as exc:
        raise VerificationFailed(
            f"the bank signature does not verify: {' '.join(str(exc).split())[:300]}"
        ) from None
    signed = result.signed_xml
    if signed is None or signed.tag != root.tag:
        raise VerificationFailed("the signed element is not the camt Document")
    return signed


def _signature(root: etree._Element) -> etree._Element:
    """The one signature, once the message has the shape a signing bank must give it."""
    problem = content_problem(root)
    if problem:
        raise VerificationFailed(f"the signed message is refused: {problem}")
    signatures = list(root.iter(f"{{{DS}}}Signature"))
    if not signatures:
        raise VerificationFailed("the message carries no XML signature, and this bank must sign its messages")
    if len(signatures) != 1 or root[-1] is not signatures[0]:
        raise VerificationFailed(
            "the message must carry exactly one ds:Signature, as the last child of Document"
        )
    signature = signatures[0]
    problem = missing_base64(signature)
    if problem:
        raise VerificationFailed(f"the signature is malformed: {problem}")
    if signature.find("ds:KeyInfo/ds:KeyValue", NS) is not None:
        raise VerificationFailed("the signature's KeyInfo must not carry a KeyValue")
    methods = [m.get("Algorithm") for m in signature.findall("ds:SignedInfo/ds:SignatureMethod", NS)]
    digests = [d.get("Algorithm") for d in signature.iter(f"{{{DS}}}DigestMethod")]
    weak = [uri for uri in methods if uri not in SIGNATURE_URIS] + [
        uri for uri in digests if uri not in DIGESTS
    ]
    if weak:
        raise VerificationFailed(f"signature algorithm {weak[0]} is not allowed (RSA or ECDSA with SHA-256+)")
    references = signature.findall("ds:SignedInfo/ds:Reference", NS)
    if len(references) != 1 or references[0].get("URI") != "":
        raise VerificationFailed('the signature must have one reference, URI="", covering the whole document')
    transforms = [t.get("Algorithm") for t in references[0].findall("ds:Transforms/ds:Transform", NS)]
    if transforms[:1] != [ENVELOPED] or len(transforms) > 2 or not CANONICAL.issuperset(transforms[1:]):
        raise VerificationFailed(f"the document reference has transforms {transforms}")
    return signature


def without_signature(root: etree._Element) -> etree._Element:
    """A message of a bank with no pinned certificate is read unsigned: its signature is not checked."""
    for signature in root.findall(f"{{{DS}}}Signature"):
        root.remove(signature)
    return root


def sign_document(data: bytes, key_pem: bytes, certificate_pem: bytes) -> bytes:
    """Sign a camt document as a bank would (demonstrations and tests): enveloped, SHA-256, X509Data only."""
    from ereceipt.core.xml.parser import parse_xml

    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
        certificate = x509.load_pem_x509_certificate(certificate_pem)
    except (ValueError, TypeError) as exc:
        raise BadInput(f"the bank key or certificate is unreadable: {exc}") from None
    if isinstance(key, rsa.RSAPrivateKey):
        method = SignatureMethod.RSA_SHA256
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        method = SignatureMethod.ECDSA_SHA256
    else:
        raise BadInput("a bank signs with an RSA or ECDSA key")
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=method,
        digest_algorithm=DigestAlgorithm.SHA256,
    )
    signed = signer.sign(parse_xml(data), key=key, cert=[certificate])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
