"""The request signature check (``wsse.verify_envelope`` with ``dsig_verify``), without a server.

Signatures made by xmlsec itself (as zeep and WSS4J make them, with or without InclusiveNamespaces)
and by ``dsig_sign`` verify, RSA and ECDSA; a change to anything signed, a signature by another
key, another algorithm or a reference shape the checker does not take is refused with its code.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from ereceipt.core.signatures.pki import issue_certificate, make_ca
from ereceipt.core.xml.parser import parse_xml
from ereceipt.soap import dsig_verify
from ereceipt.soap.faults import SoapFault
from ereceipt.soap.wsse import BASE64, DS, WSSE, WSU, WSU_ID, X509_TOKEN, sign_envelope, verify_envelope

S11 = "http://schemas.xmlsoap.org/soap/envelope/"
XRD = "http://x-road.eu/xsd/xroad.xsd"
ES = "urn:ereceipt:thads:service:1.0"
TEMPLATE = f"""<soap:Envelope xmlns:soap="{S11}" xmlns:xrd="{XRD}" xmlns:id="http://x-road.eu/xsd/identifiers">
<soap:Header><xrd:client id:objectType="SUBSYSTEM"><id:xRoadInstance>VN</id:xRoadInstance></xrd:client>
<xrd:id>5f1c</xrd:id><xrd:protocolVersion>4.0</xrd:protocolVersion></soap:Header>
<soap:Body><es:getReceipt xmlns:es="{ES}"><es:LookupCode>ABCD-EFGH</es:LookupCode></es:getReceipt></soap:Body>
</soap:Envelope>""".encode()
SKEW = timedelta(minutes=5)


@pytest.fixture(scope="module")
def parties() -> dict[str, tuple[x509.Certificate, bytes]]:
    """Certificates and PEM keys: an RSA and an ECDSA portal, and an RSA stranger."""
    ca_certificate, ca_key = make_ca()
    found = {}
    for name, key_type in (("rsa", "rsa"), ("ec", "ec"), ("stranger", "rsa")):
        certificate, key = issue_certificate(ca_certificate, ca_key, f"portal {name}", key_type=key_type)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        found[name] = certificate, pem
    return found


def _parts(envelope: etree._Element) -> tuple[etree._Element, list[etree._Element]]:
    header, body = envelope[0], envelope[1]
    return body, [element for element in header if etree.QName(element).namespace == XRD]


def by_dsig_sign(certificate: x509.Certificate, key_pem: bytes, **_) -> bytes:
    envelope = etree.fromstring(TEMPLATE)
    body, xroad = _parts(envelope)
    sign_envelope(envelope, [body, *xroad], key_pem, certificate.public_bytes(serialization.Encoding.PEM))
    return etree.tostring(envelope)


def by_xmlsec(
    certificate: x509.Certificate, key_pem: bytes, *, prefixes: list[str] | None = None, ec: bool = False
) -> bytes:
    """Signed by xmlsec from a template, as zeep's BinarySignature does; ``prefixes`` adds
    InclusiveNamespaces to every exclusive C14N, as WSS4J does."""
    envelope = etree.fromstring(TEMPLATE)
    body, xroad = _parts(envelope)
    security = etree.SubElement(envelope[0], f"{{{WSSE}}}Security", nsmap={"wsse": WSSE, "wsu": WSU})
    now = datetime.now(UTC)
    timestamp = etree.SubElement(security, f"{{{WSU}}}Timestamp", {WSU_ID: "ts"})
    etree.SubElement(timestamp, f"{{{WSU}}}Created").text = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    etree.SubElement(timestamp, f"{{{WSU}}}Expires").text = (now + SKEW).strftime("%Y-%m-%dT%H:%M:%SZ")
    token = etree.SubElement(
        security,
        f"{{{WSSE}}}BinarySecurityToken",
        {WSU_ID: "token"},
        ValueType=X509_TOKEN,
        EncodingType=BASE64,
    )
    token.text = base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()
    method = xmlsec.Transform.ECDSA_SHA256 if ec else xmlsec.Transform.RSA_SHA256
    signature = xmlsec.template.create(envelope, xmlsec.Transform.EXCL_C14N, method)
    security.append(signature)
    if prefixes:
        c14n = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}CanonicalizationMethod")
        xmlsec.template.transform_add_c14n_inclusive_namespaces(c14n, prefixes)
    context = xmlsec.SignatureContext()
    for index, element in enumerate([timestamp, body, *xroad]):
        element.set(WSU_ID, element.get(WSU_ID) or f"part{index}")
        context.register_id(element, "Id", WSU)
        reference = xmlsec.template.add_reference(
            signature, xmlsec.Transform.SHA256, uri="#" + element.get(WSU_ID)
        )
        transform = xmlsec.template.add_transform(reference, xmlsec.Transform.EXCL_C14N)
        if prefixes:
            xmlsec.template.transform_add_c14n_inclusive_namespaces(transform, prefixes)
    key_info = xmlsec.template.ensure_key_info(signature)
    etree.SubElement(
        etree.SubElement(key_info, f"{{{WSSE}}}SecurityTokenReference"),
        f"{{{WSSE}}}Reference",
        URI="#token",
        ValueType=X509_TOKEN,
    )
    context.key = xmlsec.Key.from_memory(key_pem, xmlsec.constants.KeyDataFormatPem)
    context.sign(signature)
    return etree.tostring(envelope)


def check(data: bytes, pinned: x509.Certificate) -> None:
    envelope = parse_xml(data)  # as the endpoint reads it
    body, xroad = _parts(envelope)
    verify_envelope(envelope, [body, *xroad], pinned, skew=SKEW)


def refused(data: bytes, pinned: x509.Certificate) -> str:
    with pytest.raises(SoapFault) as caught:
        check(data, pinned)
    return caught.value.code


MAKERS: dict[str, Callable[..., bytes]] = {
    "dsig_sign": by_dsig_sign,
    "xmlsec": by_xmlsec,
    "xmlsec-inclusive-namespaces": lambda c, k, **kw: by_xmlsec(c, k, prefixes=["soap", "xrd", "id"], **kw),
}


@pytest.mark.parametrize("maker", MAKERS)
@pytest.mark.parametrize("party", ["rsa", "ec"])
def test_signatures_of_every_maker_verify(parties, maker: str, party: str) -> None:
    certificate, key = parties[party]
    check(MAKERS[maker](certificate, key, ec=party == "ec"), certificate)


def test_inclusive_namespaces_are_applied_to_the_digest(parties) -> None:
    """With the prefixes, the Body's canonical form declares xrd and id too: a checker that left
    them out would compute another digest and refuse a good signature."""
    certificate, key = parties["rsa"]
    envelope = parse_xml(by_xmlsec(certificate, key, prefixes=["xrd", "id"]))
    info = dsig_verify.read(envelope.find(f".//{{{DS}}}Signature"))
    body_reference = next(r for r in info.references if r.uri == "#" + envelope[1].get(WSU_ID))
    assert body_reference.prefixes == ("xrd", "id")
    plain = etree.tostring(envelope[1], method="c14n", exclusive=True)
    assert body_reference.digest(plain).digest() != body_reference.value


def _edit(data: bytes, change: Callable[[etree._Element], None]) -> bytes:
    envelope = etree.fromstring(data)
    change(envelope)
    return etree.tostring(envelope)


def _first(path: str) -> Callable[[etree._Element], etree._Element]:
    return lambda envelope: envelope.find(path, namespaces={"ds": DS, "wsu": WSU, "xrd": XRD, "es": ES})


def _set_text(path: str, text: str) -> Callable[[etree._Element], None]:
    return lambda envelope: setattr(_first(path)(envelope), "text", text)


def _flip_signature_value(envelope: etree._Element) -> None:
    value = _first(".//ds:SignatureValue")(envelope)
    raw = bytearray(base64.b64decode(value.text))
    raw[10] ^= 1
    value.text = base64.b64encode(bytes(raw)).decode()


def _other_digest(envelope: etree._Element) -> None:
    _first(".//ds:Reference[2]/ds:DigestValue")(envelope).text = base64.b64encode(b"\0" * 32).decode()


def _change_prefix_list(envelope: etree._Element) -> None:
    _first(".//ds:Reference[2]/ds:Transforms/ds:Transform/*")(envelope).set("PrefixList", "soap")


@pytest.mark.parametrize(
    "change",
    [
        _set_text(".//es:LookupCode", "ABCD-EFGX"),
        _set_text(".//xrd:id", "5f1d"),
        _set_text(".//wsu:Expires", "2099-01-01T00:00:00Z"),
        _flip_signature_value,
        _other_digest,
        _change_prefix_list,
    ],
    ids=["body", "xroad-id", "timestamp", "signature-value", "digest-value", "prefix-list"],
)
def test_a_change_to_anything_signed_is_a_bad_signature(parties, change) -> None:
    certificate, key = parties["rsa"]
    data = _edit(by_xmlsec(certificate, key, prefixes=["xrd"]), change)
    assert refused(data, certificate) == "InvalidSignature"


def test_a_signature_by_another_key_over_the_pinned_token_is_refused(parties) -> None:
    certificate, _ = parties["rsa"]
    _, stranger_key = parties["stranger"]
    assert refused(by_xmlsec(certificate, stranger_key), certificate) == "InvalidSignature"


def _set(path: str, name: str, value: str) -> Callable[[etree._Element], None]:
    return lambda envelope: _first(path)(envelope).set(name, value)


def _drop(path: str) -> Callable[[etree._Element], None]:
    def change(envelope: etree._Element) -> None:
        element = _first(path)(envelope)
        element.getparent().remove(element)

    return change


def _add_transform(envelope: etree._Element) -> None:
    transforms = _first(".//ds:Reference[2]/ds:Transforms")(envelope)
    etree.SubElement(
        transforms, f"{{{DS}}}Transform", Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    )


def _add_to_signed_info(envelope: etree._Element) -> None:
    etree.SubElement(_first(".//ds:SignedInfo")(envelope), f"{{{DS}}}Object")


INCLUSIVE_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (_drop(".//ds:Reference[2]/ds:Transforms"), "UnsupportedAlgorithm"),
        (_add_transform, "UnsupportedAlgorithm"),
        (
            _set(".//ds:Reference[2]/ds:Transforms/ds:Transform", "Algorithm", INCLUSIVE_C14N),
            "UnsupportedAlgorithm",
        ),
        (_set(".//ds:CanonicalizationMethod", "Algorithm", INCLUSIVE_C14N), "UnsupportedAlgorithm"),
        (
            _set(".//ds:SignatureMethod", "Algorithm", "http://www.w3.org/2000/09/xmldsig#rsa-sha1"),
            "UnsupportedAlgorithm",
        ),
        (
            _set(".//ds:Reference[1]/ds:DigestMethod", "Algorithm", "http://www.w3.org/2000/09/xmldsig#sha1"),
            "UnsupportedAlgorithm",
        ),
        (_add_to_signed_info, "InvalidSecurityHeader"),
        (_set_text(".//ds:Reference[1]/ds:DigestValue", "not base64!"), "InvalidSecurityHeader"),
        (_drop(".//ds:SignatureValue"), "InvalidSecurityHeader"),
    ],
    ids=[
        "no-transform",
        "second-transform",
        "inclusive-transform",
        "inclusive-signed-info",
        "rsa-sha1",
        "sha1-digest",
        "more-in-signed-info",
        "digest-not-base64",
        "no-signature-value",
    ],
)
def test_shapes_and_algorithms_the_checker_does_not_take_are_refused(parties, change, code: str) -> None:
    certificate, key = parties["rsa"]
    assert refused(_edit(by_xmlsec(certificate, key), change), certificate) == code
