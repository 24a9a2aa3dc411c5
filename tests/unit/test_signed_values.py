"""The portal's signed requests: what the service acts on is exactly what the signature covers.

Exclusive C14N drops comments, rewrites CDATA sections and character references as plain text,
drops namespace declarations nothing uses, and normalises quotes and white space inside tags. So
each of these mutations of a signed ``notifyOnlinePayment`` keeps its signature valid, which every
example checks on its own first. The property: the request is either refused, or the values the
service acts on (the X-Road headers and the payment it issues a receipt for) are exactly the
values of the request as signed: ``2000<!---->000`` is 2 000 000 đồng, never 2 000.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import xmlsec
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from ereceipt.adapters.portal import online_payment
from ereceipt.core.errors import BadInput
from ereceipt.core.signatures.pki import issue_certificate, make_ca
from ereceipt.core.xml.parser import parse_xml
from ereceipt.settings import ClientAccess
from ereceipt.soap import dsig_verify
from ereceipt.soap.endpoint import message_schema, parse_envelope
from ereceipt.soap.envelope import SOAP_1_1
from ereceipt.soap.faults import SoapFault
from ereceipt.soap.wsse import DS, WSU_ID, sign_envelope, verify_envelope
from ereceipt.soap.xroad import read_xroad_headers

S11 = "http://schemas.xmlsoap.org/soap/envelope/"
XRD = "http://x-road.eu/xsd/xroad.xsd"
ES = "urn:ereceipt:thads:service:1.0"
REQUEST = f"""<soap:Envelope xmlns:soap="{S11}" xmlns:xrd="{XRD}" xmlns:id="http://x-road.eu/xsd/identifiers"
 xmlns:es="{ES}"><soap:Header>
<xrd:client id:objectType="SUBSYSTEM"><id:xRoadInstance>VN</id:xRoadInstance>
<id:memberClass>GOV</id:memberClass>
<id:memberCode>000000002</id:memberCode><id:subsystemCode>DVCQG</id:subsystemCode></xrd:client>
<xrd:service id:objectType="SERVICE"><id:xRoadInstance>VN</id:xRoadInstance>
<id:memberClass>GOV</id:memberClass>
<id:memberCode>000000001</id:memberCode><id:subsystemCode>ERECEIPT</id:subsystemCode>
<id:serviceCode>notifyOnlinePayment</id:serviceCode></xrd:service>
<xrd:id>4b0e2f1c-77aa-4c51-9a35-0f2d5c1e9b7d</xrd:id><xrd:userId>VN001085012345</xrd:userId>
<xrd:protocolVersion>4.0</xrd:protocolVersion></soap:Header>
<soap:Body><es:notifyOnlinePayment><es:TransactionId>DVC-2026-000777</es:TransactionId>
<es:Amount>2000000</es:Amount><es:Payer><es:Name>Nguyễn Văn An</es:Name>
<es:IdentityNumber>001085012345</es:IdentityNumber><es:Address>12 Lý Thường Kiệt, Hà Nội</es:Address>
<es:Email>an@example.vn</es:Email><es:Mobile>0912345678</es:Mobile></es:Payer>
<es:CaseCode>THA2501</es:CaseCode><es:PaidAt>2026-11-25T09:30:00+07:00</es:PaidAt></es:notifyOnlinePayment>
</soap:Body></soap:Envelope>"""
SIGNED_AT = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
CLIENT = ClientAccess("VN/GOV/000000002/DVCQG", None, ("*",), True)


@pytest.fixture(scope="module")
def portal():
    ca_certificate, ca_key = make_ca()
    certificate, key = issue_certificate(ca_certificate, ca_key, "portal")
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    envelope = etree.fromstring(REQUEST.encode())
    header, body = envelope[0], envelope[1]
    xroad = [element for element in header if etree.QName(element).namespace == XRD]
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    sign_envelope(envelope, [body, *xroad], key_pem, certificate_pem, now=SIGNED_AT)
    return certificate, etree.tostring(envelope, encoding="unicode")


def acted_on(data: bytes, certificate) -> tuple:
    """What the endpoint and the portal act on, through the endpoint's own steps, or why refused."""
    try:
        envelope = parse_envelope(data, SOAP_1_1, 2 * 1024 * 1024)
        headers = read_xroad_headers(envelope.header)
        required = [envelope.body, *headers.elements]
        verify_envelope(envelope.root, required, certificate, skew=timedelta(minutes=5), now=SIGNED_AT)
        if not message_schema().validate(envelope.payload):
            return ("refused", "InvalidRequest")
        request = online_payment(envelope.payload, CLIENT)
    except SoapFault as fault:
        return ("refused", fault.code)
    except BadInput as exc:
        return ("refused", exc.code)
    return (headers.client, headers.service, headers.message_id, headers.user_id, request)


def signature_holds(data: bytes, certificate) -> bool:
    """The digests and the signature value alone, over the elements the references name: whether a
    mutation keeps the signature valid, checked apart from every other rule of the service."""
    root = parse_xml(data)
    by_id = {element.get(WSU_ID): element for element in root.iter(etree.Element) if element.get(WSU_ID)}
    info = dsig_verify.read(next(root.iter(f"{{{DS}}}Signature")))
    public = certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = xmlsec.Key.from_memory(public, xmlsec.constants.KeyDataFormatPem)
    try:
        dsig_verify.verify(info, [by_id[reference.uri[1:]] for reference in info.references], key)
    except SoapFault:
        return False
    return True


# -- mutations that canonicalization cannot see ----------------------------------------------------

_ATOM = re.compile(r"&#?\w+;|.", re.DOTALL)  # a character, or a reference that stands for one
_START_TAG = re.compile(r"<((?:es|xrd|id):\w+)((?:\s[^>]*?)?)(/?)>")
_END_TAG = re.compile(r"</((?:es|xrd|id):\w+)>")
_TEXT = re.compile(r">([^<]+)<")


def _some(choices: list) -> list:
    assume(choices)  # nothing of this kind left to mutate: not an example
    return choices


def _signed_regions(text: str) -> list[tuple[int, int]]:
    """Where the X-Road headers and the Body stand: what the signature covers and the service reads."""
    header = text.index("<soap:Header>") + len("<soap:Header>")
    return [(header, text.index("<wsse:Security")), (text.index("<soap:Body"), text.index("</soap:Body>"))]


def _inside(position: int, regions: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in regions)


def _texts(text: str) -> list[tuple[int, int]]:
    """Spans of text between two tags inside the signed regions (values and the white space around them)."""
    regions = _signed_regions(text)
    return [match.span(1) for match in _TEXT.finditer(text) if _inside(match.start(1), regions)]


def _boundaries(text: str, span: tuple[int, int]) -> list[int]:
    """Positions within a text span that fall between two characters (never inside a reference)."""
    positions, position = [span[0]], span[0]
    for atom in _ATOM.finditer(text[span[0] : span[1]]):
        position += len(atom.group())
        positions.append(position)
    return positions


def comment_inside_text(text: str, draw) -> str:
    spans = [span for span in _texts(text) if text[span[0] : span[1]].strip()]
    span = draw(st.sampled_from(_some(spans)))
    at = draw(st.sampled_from(_boundaries(text, span)))
    note = draw(st.text(alphabet="abc xyz0123456789", max_size=6))
    return f"{text[:at]}<!--{note}-->{text[at:]}"


def comment_between_elements(text: str, draw) -> str:
    regions = _signed_regions(text)
    ends = [m.end() for m in _END_TAG.finditer(text) if _inside(m.start(), regions)]
    at = draw(st.sampled_from(_some(ends)))
    return f"{text[:at]}<!---->{text[at:]}"


def cdata_section(text: str, draw) -> str:
    spans = [
        span
        for span in _texts(text)
        if "&" not in text[span[0] : span[1]] and text[span[0] : span[1]].strip()
    ]
    start, end = draw(st.sampled_from(_some(spans)))
    left = draw(st.integers(start, end))
    right = draw(st.integers(left, end))
    return f"{text[:left]}<![CDATA[{text[left:right]}]]>{text[right:]}"


def character_reference(text: str, draw) -> str:
    spans = [span for span in _texts(text) if text[span[0] : span[1]].strip()]
    span = draw(st.sampled_from(_some(spans)))
    candidates = [p for p in _boundaries(text, span)[:-1] if text[p] != "&"]
    at = draw(st.sampled_from(_some(candidates)))
    code = ord(text[at])
    reference = f"&#{code};" if draw(st.booleans()) else f"&#x{code:X};"
    return f"{text[:at]}{reference}{text[at + 1 :]}"


def unused_namespace(text: str, draw) -> str:
    regions = _signed_regions(text)
    tags = [m for m in _START_TAG.finditer(text) if _inside(m.start(), regions)]
    tag = draw(st.sampled_from(_some(tags)))
    at = tag.start(2)
    return f'{text[:at]} xmlns:unused{text.count("xmlns:unused")}="urn:not-used"{text[at:]}'


def space_inside_tag(text: str, draw) -> str:
    regions = _signed_regions(text)
    tags = [m for m in _START_TAG.finditer(text) if _inside(m.start(), regions) and not m.group(3)]
    tags += [m for m in _END_TAG.finditer(text) if _inside(m.start(), regions)]
    tag = draw(st.sampled_from(_some(tags)))
    at = tag.end() - 1
    return f"{text[:at]}{draw(st.sampled_from([' ', chr(10), chr(9) + ' ']))}{text[at:]}"


def single_quotes(text: str, draw) -> str:
    regions = _signed_regions(text)
    attributes = [m for m in re.finditer(r'(\s[\w:]+=)"([^"<]*)"', text) if _inside(m.start(), regions)]
    attribute = draw(st.sampled_from(_some(attributes)))
    return f"{text[: attribute.start()]}{attribute.group(1)}'{attribute.group(2)}'{text[attribute.end() :]}"


MUTATIONS = {
    "comment inside a value": comment_inside_text,
    "comment between elements": comment_between_elements,
    "CDATA section": cdata_section,
    "character reference": character_reference,
    "unused namespace declaration": unused_namespace,
    "white space inside a tag": space_inside_tag,
    "single-quoted attribute": single_quotes,
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mutation_invisible_to_c14n_is_refused_or_changes_nothing_acted_on(portal, data) -> None:
    certificate, signed = portal
    expected = acted_on(signed.encode(), certificate)
    names = data.draw(st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3), label="mutations")
    mutated = signed
    for name in names:
        mutated = MUTATIONS[name](mutated, data.draw)
    assert signature_holds(mutated.encode(), certificate), f"{names} broke the signature: {mutated}"
    outcome = acted_on(mutated.encode(), certificate)
    event("refused" if outcome[0] == "refused" else "accepted")
    assert outcome[0] == "refused" or outcome == expected, names


def test_the_signed_request_itself_is_accepted(portal) -> None:
    certificate, signed = portal
    client, _, message_id, _, request = acted_on(signed.encode(), certificate)
    assert (client, message_id) == (CLIENT.client, "4b0e2f1c-77aa-4c51-9a35-0f2d5c1e9b7d")
    assert request.payment.amount == 2_000_000


@pytest.mark.parametrize(
    ("original", "forged"),
    [
        ("<es:Amount>2000000<", "<es:Amount>2000<!---->000<"),
        (">4b0e2f1c", ">4b0e<!-- -->2f1c"),
        ("<es:TransactionId>DVC-2026", "<es:TransactionId>DVC-<!---->2026"),
        (">000000002<", ">000<?x?>000002<"),
    ],
    ids=["amount", "xroad-id", "transaction-id", "pi-in-client"],
)
def test_a_comment_or_pi_inside_a_signed_value_is_refused(portal, original, forged) -> None:
    certificate, signed = portal
    mutated = signed.replace(original, forged, 1)
    assert mutated != signed
    assert acted_on(mutated.encode(), certificate) == ("refused", "InvalidXml")


def test_a_comment_keeps_the_signature_valid_so_the_refusal_is_not_the_signatures(portal) -> None:
    certificate, signed = portal
    mutated = signed.replace("<es:Amount>2000000<", "<es:Amount>2000<!---->000<", 1)
    assert signature_holds(mutated.encode(), certificate)


def test_cdata_and_character_references_read_as_the_signed_value(portal) -> None:
    certificate, signed = portal
    mutated = signed.replace("<es:Amount>2000000<", "<es:Amount>20<![CDATA[00]]>&#48;00<", 1)
    assert signature_holds(mutated.encode(), certificate)
    assert acted_on(mutated.encode(), certificate) == acted_on(signed.encode(), certificate)


def test_a_comment_outside_the_document_element_changes_nothing(portal) -> None:
    certificate, signed = portal
    mutated = "<!-- a note before the envelope -->" + signed
    assert acted_on(mutated.encode(), certificate) == acted_on(signed.encode(), certificate)
