"""Checking XML Signatures over elements by id (W3C XML Signature 1.1 core validation, exclusive C14N only).

``read`` takes a ``ds:Signature`` apart strictly: SignedInfo with exactly a CanonicalizationMethod
(exclusive C14N), a SignatureMethod (RSA or ECDSA, SHA-256 or stronger) and References, each
with ``#id`` URI, exactly one exclusive C14N transform, a SHA-256 or SHA-512 digest. Anything
else in it, or any other algorithm, is refused rather than ignored. ``verify`` then does what XML
Signature's core validation says (section 3.2): every reference digested again over the element
the caller resolved and processes, canonicalised in place by libxml2's C14N (through lxml, with
the InclusiveNamespaces prefixes the signer named), then the signature value over the
canonicalised SignedInfo, checked by xmlsec with the pinned key.

This is what xmlsec's own ``verify`` of the whole Signature does, less its walk of the whole
document for every reference (most of its time on a portal request): the caller
has already resolved each reference to an element it checked (``wsse.verify_envelope``), so
xmlsec needs to check only the signature value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

import xmlsec
from lxml import etree

from ereceipt.core.xml.namespaces import DS, ECDSA_SHA256, EXC_C14N, RSA_SHA256, RSA_SHA512, SHA256, SHA512
from ereceipt.soap.faults import SoapFault

SIGNATURE_METHODS = {
    RSA_SHA256: xmlsec.constants.TransformRsaSha256,
    RSA_SHA512: xmlsec.constants.TransformRsaSha512,
    ECDSA_SHA256: xmlsec.constants.TransformEcdsaSha256,
}
DIGEST_METHODS: dict[str, Callable] = {
    SHA256: hashlib.sha256,
    SHA512: hashlib.sha512,
}
_SIGNED_INFO, _SIGNATURE_VALUE = f"{{{DS}}}SignedInfo", f"{{{DS}}}SignatureValue"
_C14N, _METHOD = f"{{{DS}}}CanonicalizationMethod", f"{{{DS}}}SignatureMethod"
_REFERENCE = f"{{{DS}}}Reference"
_TRANSFORMS, _TRANSFORM = f"{{{DS}}}Transforms", f"{{{DS}}}Transform"
_DIGEST_METHOD, _DIGEST_VALUE = f"{{{DS}}}DigestMethod", f"{{{DS}}}DigestValue"
_INCLUSIVE = f"{{{EXC_C14N}}}InclusiveNamespaces"


@dataclass(frozen=True)
class Reference:
    uri: str
    digest: Callable
    value: bytes
    prefixes: tuple[str, ...]


@dataclass(frozen=True)
class SignedInfo:
    element: etree._Element
    transform: int  # xmlsec's signature transform for the SignatureMethod
    prefixes: tuple[str, ...]
    references: tuple[Reference, ...]
    value: bytes


def _unsupported(reason: str) -> SoapFault:
    return SoapFault("UnsupportedAlgorithm", reason)


def _elements(parent: etree._Element) -> list[etree._Element]:
    return [child for child in parent if isinstance(child.tag, str)]


def _base64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise SoapFault("InvalidSecurityHeader", f"{what} is not base64") from None


def _exclusive_c14n(method: etree._Element, what: str) -> tuple[str, ...]:
    """The InclusiveNamespaces prefixes of an exclusive C14N method element (usually none)."""
    if method.get("Algorithm") != EXC_C14N:
        raise _unsupported(f"{what} must be exclusive canonicalisation without comments")
    children = _elements(method)
    if not children:
        return ()
    if len(children) != 1 or children[0].tag != _INCLUSIVE:
        raise _unsupported(f"{what} may hold only an InclusiveNamespaces element")
    return tuple((children[0].get("PrefixList") or "").split())


def _reference(reference: etree._Element) -> Reference:
    uri = reference.get("URI") or ""
    children = _elements(reference)
    if [child.tag for child in children] != [_TRANSFORMS, _DIGEST_METHOD, _DIGEST_VALUE]:
        raise _unsupported(
            f"reference {uri!r} must hold one exclusive c14n transform, a DigestMethod and a DigestValue"
        )
    transforms = _elements(children[0])
    if len(transforms) != 1 or transforms[0].tag != _TRANSFORM:
        raise _unsupported(f"reference {uri!r} may only use the exclusive c14n transform, once")
    prefixes = _exclusive_c14n(transforms[0], f"the transform of reference {uri!r}")
    digest = DIGEST_METHODS.get(children[1].get("Algorithm"))
    if digest is None or _elements(children[1]):
        raise _unsupported("every reference must be digested with SHA-256 or stronger")
    return Reference(uri, digest, _base64(children[2].text, "a DigestValue"), prefixes)


def read(signature: etree._Element) -> SignedInfo:
    """The parts of ``signature`` that are checked, or a ``SoapFault`` saying what is not allowed."""
    children = _elements(signature)
    if len(children) < 2 or children[0].tag != _SIGNED_INFO or children[1].tag != _SIGNATURE_VALUE:
        raise SoapFault("InvalidSecurityHeader", "ds:Signature must start with SignedInfo and SignatureValue")
    signed_info = children[0]
    parts = _elements(signed_info)
    if len(parts) < 3 or parts[0].tag != _C14N or parts[1].tag != _METHOD:
        raise SoapFault(
            "InvalidSecurityHeader",
            "SignedInfo must hold a CanonicalizationMethod, a SignatureMethod and References",
        )
    if any(part.tag != _REFERENCE for part in parts[2:]):
        raise SoapFault("InvalidSecurityHeader", "SignedInfo may hold nothing after its References")
    prefixes = _exclusive_c14n(parts[0], "SignedInfo's CanonicalizationMethod")
    transform = SIGNATURE_METHODS.get(parts[1].get("Algorithm"))
    if transform is None or _elements(parts[1]):
        raise _unsupported("the signature method must be RSA or ECDSA with SHA-256 or stronger")
    references = tuple(_reference(reference) for reference in parts[2:])
    value = _base64(children[1].text, "SignatureValue")
    return SignedInfo(signed_info, transform, prefixes, references, value)


def _canonical(element: etree._Element, prefixes: tuple[str, ...]) -> bytes:
    # A same-document "#id" reference is the element's subtree without comments (section 4.4.3.3).
    return etree.tostring(
        element, method="c14n", exclusive=True, with_comments=False, inclusive_ns_prefixes=prefixes or None
    )


def verify(info: SignedInfo, referenced: list[etree._Element], key: xmlsec.Key) -> None:
    """Raise ``SoapFault('InvalidSignature')`` unless each ``referenced`` element (in the order of
    ``info.references``) has its digest and the SignedInfo carries ``key``'s signature."""
    for reference, element in zip(info.references, referenced, strict=True):
        digest = reference.digest(_canonical(element, reference.prefixes)).digest()
        if not hmac.compare_digest(digest, reference.value):
            raise SoapFault("InvalidSignature", "the message signature does not verify")
    context = xmlsec.SignatureContext()
    context.key = key
    try:
        context.verify_binary(_canonical(info.element, info.prefixes), info.transform, info.value)
    except xmlsec.Error:
        raise SoapFault("InvalidSignature", "the message signature does not verify") from None
