"""Making XML Signatures (W3C XML Signature 1.1) over elements by id: exclusive C14N, SHA-256, RSA or ECDSA.

The signatures are those xmlsec makes from a signature template of the same shape (one
Reference per element, ``#id`` URI, one exclusive C14N transform, SHA-256 digest), and they are
checked with xmlsec (``wsse.verify_envelope``, the tests). They are made here because xmlsec
walks the whole document for every Reference, which costs more than the RSA signature
itself; lxml canonicalises each element's subtree with the same libxml2 C14N code, and
cryptography keeps the private key's precomputed values between signatures. The Signature is
written as text and parsed once: building its thirty-odd elements one by one costs more
than parsing them.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree

from ereceipt.core.xml.namespaces import DS, ECDSA_SHA256, EXC_C14N, RSA_SHA256, SHA256

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _c14n(element: etree._Element) -> bytes:
    # A same-document "#id" reference is the element's subtree without comments (XML-DSig 4.4.3.3).
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def _signature_value(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    # XML-DSig's ECDSA value is r and s, each as long as the curve's order (RFC 4050, RFC 6931).
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def signature_method(key: PrivateKey) -> str:
    return RSA_SHA256 if isinstance(key, rsa.RSAPrivateKey) else ECDSA_SHA256


_REFERENCE = (
    '<ds:Reference URI="#{uri}"><ds:Transforms><ds:Transform Algorithm="' + EXC_C14N + '"/></ds:Transforms>'
    '<ds:DigestMethod Algorithm="' + SHA256 + '"/><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference>'
)


def sign(
    parent: etree._Element, references: list[tuple[str, etree._Element]], key: PrivateKey
) -> etree._Element:
    """Append to ``parent`` a ds:Signature over ``references`` (id, element), each already carrying
    its id and in place in its document; the caller adds the KeyInfo's content."""
    signed = "".join(
        _REFERENCE.format(
            uri=escape(identifier, quote=True),
            digest=base64.b64encode(hashlib.sha256(_c14n(element)).digest()).decode(),
        )
        for identifier, element in references
    )
    signature = etree.fromstring(
        f'<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo>'
        f'<ds:CanonicalizationMethod Algorithm="{EXC_C14N}"/>'
        f'<ds:SignatureMethod Algorithm="{signature_method(key)}"/>{signed}</ds:SignedInfo>'
        "<ds:SignatureValue/><ds:KeyInfo/></ds:Signature>"
    )
    signed_info, value = signature[0], signature[1]
    value.text = base64.b64encode(_signature_value(key, _c14n(signed_info))).decode()
    parent.append(signature)
    return signature
