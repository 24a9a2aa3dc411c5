"""XAdES-T: the signature time-stamp of a receipt (ETSI EN 319 132-1 5.3, baseline level T).

The time-stamp covers the ds:SignatureValue element canonicalized by the method the time-stamp
names (EN 319 132-1 5.3: "the ds:SignatureValue element ... canonicalized"); it is added as
xades:SignatureTimeStamp, with its ds:CanonicalizationMethod and xades:EncapsulatedTimeStamp, in
xades:UnsignedProperties/xades:UnsignedSignatureProperties of the receipt's QualifyingProperties.
Unsigned properties are outside ds:SignedInfo and the signature value, so neither the signature nor
the receipt's identity digest (``core.signatures.identity``) changes when the time-stamp is added.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from copy import deepcopy
from enum import StrEnum

from lxml import etree

from ereceipt.core.errors import BadInput
from ereceipt.core.signatures.timestamp import TimeStampAuthority
from ereceipt.core.xml.namespaces import DS, XADES

C14N_URI = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
QUALIFYING = f"{{{DS}}}Object/{{{XADES}}}QualifyingProperties"
UNSIGNED = f"{QUALIFYING}/{{{XADES}}}UnsignedProperties/{{{XADES}}}UnsignedSignatureProperties"


class SignatureLevel(StrEnum):
    """The ETSI baseline level a receipt has reached (EN 319 132-1 clause 6), in order B < T < LT < LTA."""

    B = "B"
    T = "T"
    LT = "LT"
    LTA = "LTA"  # with a verified evidence record (RFC 6283 archive time-stamp) stored beside it


def signature_of(document: etree._Element) -> etree._Element:
    signature = document[-1] if len(document) else None
    if signature is None or signature.tag != f"{{{DS}}}Signature":
        raise BadInput("the receipt carries no ds:Signature as its last child")
    return signature


def signature_value_digest(document: etree._Element) -> bytes:
    """SHA-256 of the canonical (C14N 1.0) ds:SignatureValue: what the signature time-stamp covers."""
    value = signature_of(document).find(f"{{{DS}}}SignatureValue")
    if value is None:
        raise BadInput("the signature has no ds:SignatureValue")
    return hashlib.sha256(etree.tostring(value, method="c14n", exclusive=False, with_comments=False)).digest()


def signature_time_stamps(document: etree._Element) -> list[bytes]:
    """The DER tokens of the receipt's signature time-stamps, in document order."""
    tokens = []
    for stamp in signature_of(document).findall(f"{UNSIGNED}/{{{XADES}}}SignatureTimeStamp"):
        method = stamp.find(f"{{{DS}}}CanonicalizationMethod")
        if method is not None and method.get("Algorithm") != C14N_URI:
            raise BadInput("a signature time-stamp names a canonicalization other than C14N 1.0")
        encapsulated = stamp.find(f"{{{XADES}}}EncapsulatedTimeStamp")
        text = "".join((encapsulated.text or "").split()) if encapsulated is not None else ""
        try:
            tokens.append(base64.b64decode(text, validate=True))
        except ValueError:
            raise BadInput("a signature time-stamp holds no base64 token") from None
    return tokens


def level_of(document: etree._Element) -> SignatureLevel:
    """The level the document's unsigned properties claim (not what verifies: that is the report's);
    LTA is known only with the evidence record stored beside it."""
    if not signature_time_stamps(document):
        return SignatureLevel.B
    revocation = signature_of(document).find(f"{UNSIGNED}/{{{XADES}}}RevocationValues")
    return SignatureLevel.T if revocation is None else SignatureLevel.LT


def add_signature_time_stamp(document: etree._Element, token: bytes) -> etree._Element:
    """A copy of the signed ``document`` with ``token`` added as its xades:SignatureTimeStamp."""
    document = deepcopy(document)
    qualifying = signature_of(document).find(QUALIFYING)
    if qualifying is None:
        raise BadInput("the signature has no xades:QualifyingProperties")
    unsigned = qualifying.find(f"{{{XADES}}}UnsignedProperties")
    if unsigned is None:
        unsigned = etree.SubElement(qualifying, f"{{{XADES}}}UnsignedProperties")
    properties = unsigned.find(f"{{{XADES}}}UnsignedSignatureProperties")
    if properties is None:
        properties = etree.SubElement(unsigned, f"{{{XADES}}}UnsignedSignatureProperties")
    stamp = etree.SubElement(properties, f"{{{XADES}}}SignatureTimeStamp")
    stamp.set("Id", f"SignatureTimeStamp{secrets.token_hex(4).upper()}")
    etree.SubElement(stamp, f"{{{DS}}}CanonicalizationMethod").set("Algorithm", C14N_URI)
    etree.SubElement(stamp, f"{{{XADES}}}EncapsulatedTimeStamp").text = base64.b64encode(token).decode()
    return document


def upgrade_to_t(document: etree._Element, tsa: TimeStampAuthority) -> etree._Element:
    """The receipt at level T: its signature value time-stamped by ``tsa`` (which may raise
    ``TimeStampUnavailable``: the receipt then stays at level B, unchanged)."""
    if level_of(document) is not SignatureLevel.B:
        return document
    return add_signature_time_stamp(document, tsa.time_stamp(signature_value_digest(document)))
