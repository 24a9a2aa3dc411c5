"""A signed receipt's identity: SHA-256 over its exclusive-canonical ds:SignedInfo and its signature value.

W3C XML Signature 1.1 section 3.1: ``ds:SignedInfo`` is what the signature value signs, and it holds
the digests of everything signed (the whole receipt, the signed properties, the key info). Its
Exclusive XML Canonicalization 1.0 form does not depend on where the signature sits or which
namespaces the document declares around it. Unsigned properties added later (XAdES time-stamps,
validation data) change neither part, so the identity survives them; any change to what was signed,
the random lookup code included, changes it. Two receipts with the same identity are the same receipt.
"""

from __future__ import annotations

import base64
import hashlib

from lxml import etree

from ereceipt.core.xml.namespaces import DS


def receipt_identity(signature: etree._Element) -> str | None:
    """The hexadecimal identity digest of ``signature`` (a ``ds:Signature``, or a document whose root's
    last child is one), or None when it lacks a SignedInfo or a base64 SignatureValue."""
    if signature.tag != f"{{{DS}}}Signature":
        last = signature[-1] if len(signature) else None
        if last is None or last.tag != f"{{{DS}}}Signature":
            return None
        signature = last
    signed_info = signature.find(f"{{{DS}}}SignedInfo")
    value = signature.find(f"{{{DS}}}SignatureValue")
    if signed_info is None or value is None:
        return None
    try:
        value_bytes = base64.b64decode("".join((value.text or "").split()), validate=True)
    except ValueError:
        return None
    if not value_bytes:
        return None
    canonical = etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
    # The canonical SignedInfo ends with its own end tag, so the two parts cannot be confused.
    return hashlib.sha256(canonical + value_bytes).hexdigest()
