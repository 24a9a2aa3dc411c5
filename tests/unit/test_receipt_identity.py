"""A receipt's identity digest: what was signed and its signature value, nothing added afterwards."""

from __future__ import annotations

import copy

from lxml import etree

from ereceipt.core.signatures.identity import receipt_identity
from ereceipt.core.xml.namespaces import DS, XADES


def _with_lookup_code(receipt: etree._Element, code: str) -> etree._Element:
    """The receipt with a LookupCode, as issued receipts carry one: a random, unguessable value."""
    document = copy.deepcopy(receipt)
    etree.SubElement(document, etree.QName(document, "LookupCode")).text = code
    return document


def test_the_identity_is_a_sha256_of_the_signature(signed: bytes) -> None:
    identity = receipt_identity(etree.fromstring(signed))
    assert identity is not None and len(identity) == 64


def test_the_identity_changes_when_only_the_lookup_code_changes(rsa_signer, receipt) -> None:
    one = rsa_signer.sign(_with_lookup_code(receipt, "AAAA1111BBBB2222"))
    other = rsa_signer.sign(_with_lookup_code(receipt, "AAAA1111BBBB2223"))
    assert receipt_identity(one) != receipt_identity(other)


def test_the_identity_survives_an_unsigned_property_added_later(signed: bytes) -> None:
    document = etree.fromstring(signed)
    before = receipt_identity(document)
    properties = document.find(f"{{{DS}}}Signature/{{{DS}}}Object/{{{XADES}}}QualifyingProperties")
    unsigned = etree.SubElement(properties, f"{{{XADES}}}UnsignedProperties")
    etree.SubElement(
        etree.SubElement(unsigned, f"{{{XADES}}}UnsignedSignatureProperties"),
        f"{{{XADES}}}SignatureTimeStamp",
    )
    assert receipt_identity(document) == before
    assert receipt_identity(etree.fromstring(etree.tostring(document))) == before


def test_the_identity_changes_with_the_signature_value(signed: bytes) -> None:
    document = etree.fromstring(signed)
    before = receipt_identity(document)
    value = document.find(f"{{{DS}}}Signature/{{{DS}}}SignatureValue")
    value.text = "AAAA" + value.text[4:]
    assert receipt_identity(document) != before


def test_a_document_without_a_signature_has_no_identity(receipt) -> None:
    assert receipt_identity(receipt) is None
