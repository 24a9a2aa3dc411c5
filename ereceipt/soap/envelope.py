"""SOAP envelopes, 1.1 (W3C Note 2000) and 1.2 (W3C Recommendation 2007): media types, reading, writing.

The version comes from the Content-Type (``text/xml`` for 1.1, ``application/soap+xml`` for 1.2),
and the envelope's namespace must agree with it.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass

from lxml import etree

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


@dataclass(frozen=True)
class SoapVersion:
    name: str
    ns: str
    media_type: str

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


SOAP_1_1 = SoapVersion("1.1", SOAP11, "text/xml")
SOAP_1_2 = SoapVersion("1.2", SOAP12, "application/soap+xml")


def version_for(content_type: str | None) -> SoapVersion | None:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return {SOAP_1_1.media_type: SOAP_1_1, SOAP_1_2.media_type: SOAP_1_2}.get(media_type)


@dataclass(frozen=True)
class Envelope:
    version: SoapVersion
    root: etree._Element
    header: etree._Element | None
    body: etree._Element

    @property
    def payload(self) -> etree._Element | None:
        """The one element in the Body, or None when there is not exactly one."""
        children = [child for child in self.body if isinstance(child.tag, str)]
        return children[0] if len(children) == 1 else None


def read_envelope(root: etree._Element, version: SoapVersion) -> Envelope | str:
    """The parts of a parsed envelope, or a sentence saying what is wrong with it."""
    if etree.QName(root).localname != "Envelope":
        return "the document is not a SOAP Envelope"
    if etree.QName(root).namespace != version.ns:
        return f"the envelope is not SOAP {version.name}, as its Content-Type says"
    children = [child for child in root if isinstance(child.tag, str)]
    names = [child.tag for child in children]
    if names not in ([f"{{{version.ns}}}Body"], [f"{{{version.ns}}}Header", f"{{{version.ns}}}Body"]):
        return "the envelope must hold an optional Header and then one Body, nothing else"
    header = children[0] if len(children) == 2 else None
    return Envelope(version, root, header, children[-1])


def write_envelope(
    version: SoapVersion, headers: list[etree._Element], payload: etree._Element
) -> etree._Element:
    """A new envelope with ``headers`` (copies, see ``copy_header``) in order and ``payload`` in the Body."""
    envelope = etree.Element(f"{{{version.ns}}}Envelope", nsmap={"soap": version.ns})
    if headers:
        header = etree.SubElement(envelope, f"{{{version.ns}}}Header")
        for element in headers:
            header.append(element)
    etree.SubElement(envelope, f"{{{version.ns}}}Body").append(payload)
    return envelope


def envelope_bytes(version: SoapVersion, headers: list[etree._Element], payload: bytes) -> bytes:
    """``write_envelope`` serialised (as lxml writes it, with an XML declaration, in UTF-8) around a
    payload that is already serialised: the busiest answers are written as text (see
    ``adapters.portal``), which is cheaper than building and serialising their elements."""
    ns = version.ns
    parts = [f"<?xml version='1.0' encoding='UTF-8'?>\n<soap:Envelope xmlns:soap=\"{ns}\">".encode()]
    if headers:
        parts.append(b"<soap:Header>")
        parts.extend(etree.tostring(element, encoding="UTF-8", xml_declaration=False) for element in headers)
        parts.append(b"</soap:Header>")
    parts += (b"<soap:Body>", payload, b"</soap:Body></soap:Envelope>")
    return b"".join(parts)


def copy_header(element: etree._Element) -> etree._Element:
    """A copy of a request's header element for the answer, on its own (no tail)."""
    copy = deepcopy(element)  # lxml copies the subtree in C, with the namespaces it uses
    copy.tail = None
    return copy
