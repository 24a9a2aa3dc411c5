"""Signatures made by soap.dsig_sign verify with xmlsec, RSA and ECDSA, and fail once the content changes."""

from __future__ import annotations

import pytest
import xmlsec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree

from ereceipt.soap import dsig_sign

WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DOCUMENT = b"""<s:Envelope xmlns:s="urn:s" xmlns:x="urn:x" xmlns:unused="urn:u" xmlns:wsu="%s">
<s:Header><x:client wsu:Id="a"><x:code>VN</x:code><!-- not signed --></x:client><s:Security/></s:Header>
<s:Body wsu:Id="b"><r xmlns="urn:r" x:attr="1">t\xc3\xaan &amp; more</r></s:Body>
</s:Envelope>""" % WSU.encode()


def _verify(document: etree._Element, public_pem: bytes) -> None:
    context = xmlsec.SignatureContext()
    for element in document.iter():
        if element.get(f"{{{WSU}}}Id"):
            context.register_id(element, "Id", WSU)
    context.key = xmlsec.Key.from_memory(public_pem, xmlsec.constants.KeyDataFormatPem)
    context.verify(document.find(f".//{{{dsig_sign.DS}}}Signature"))


@pytest.mark.parametrize(
    "key",
    [rsa.generate_private_key(public_exponent=65537, key_size=2048), ec.generate_private_key(ec.SECP256R1())],
    ids=["rsa", "ecdsa"],
)
def test_xmlsec_verifies_the_signature_and_sees_a_change(key: dsig_sign.PrivateKey) -> None:
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    document = etree.fromstring(DOCUMENT)
    client, security, body = document[0][0], document[0][1], document[1]
    dsig_sign.sign(security, [("a", client), ("b", body)], key)
    sent = etree.fromstring(etree.tostring(document))  # as the other side parses it
    _verify(sent, public_pem)
    sent[1][0].text = "changed"
    with pytest.raises(xmlsec.Error):
        _verify(sent, public_pem)
