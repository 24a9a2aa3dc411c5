"""X-Road message protocol for SOAP 4.0: the client, service, id, userId, protocolVersion and issue headers.

``read_xroad_headers`` checks the headers a request must carry and returns them with the header
elements in their order, so that the response can repeat them unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ereceipt.soap.faults import SoapFault

XROAD = "http://x-road.eu/xsd/xroad.xsd"
IDENTIFIERS = "http://x-road.eu/xsd/identifiers"
PROTOCOL_VERSION = "4.0"
_CLIENT_PARTS = ("xRoadInstance", "memberClass", "memberCode", "subsystemCode")


@dataclass(frozen=True)
class ServiceId:
    instance: str
    member_class: str
    member_code: str
    subsystem: str | None
    code: str
    version: str | None

    @property
    def provider(self) -> str:
        return "/".join(p for p in (self.instance, self.member_class, self.member_code, self.subsystem) if p)


@dataclass(frozen=True)
class XRoadHeaders:
    client: str  # INSTANCE/MEMBERCLASS/MEMBERCODE[/SUBSYSTEM]
    service: ServiceId
    message_id: str
    user_id: str | None
    issue: str | None
    elements: tuple[etree._Element, ...]  # every X-Road header element, in the request's order


def _text(parent: etree._Element, namespace: str, name: str) -> str | None:
    element = parent.find(f"{{{namespace}}}{name}")
    return element.text.strip() if element is not None and element.text and element.text.strip() else None


def _identifier(element: etree._Element, object_types: set[str], what: str) -> list[str | None]:
    object_type = element.get(f"{{{IDENTIFIERS}}}objectType")
    if object_type not in object_types:
        raise SoapFault(
            "InvalidXRoadHeader", f"the {what} header's objectType must be {' or '.join(object_types)}"
        )
    parts = [_text(element, IDENTIFIERS, name) for name in _CLIENT_PARTS]
    if not all(parts[:3]):
        raise SoapFault(
            "InvalidXRoadHeader", f"the {what} header needs xRoadInstance, memberClass and memberCode"
        )
    return parts


def read_xroad_headers(header: etree._Element | None) -> XRoadHeaders:
    if header is None:
        raise SoapFault("MissingXRoadHeader", "the SOAP Header with the X-Road headers is missing")
    elements = tuple(
        child for child in header if isinstance(child.tag, str) and etree.QName(child).namespace == XROAD
    )
    found: dict[str, etree._Element] = {}
    for element in elements:
        name = etree.QName(element).localname
        if name in found:
            raise SoapFault("InvalidXRoadHeader", f"the X-Road header {name} appears twice")
        found[name] = element
    for required in ("client", "service", "id", "protocolVersion"):
        if required not in found:
            raise SoapFault("MissingXRoadHeader", f"the X-Road header {required} is missing")
    version = (found["protocolVersion"].text or "").strip()
    if version != PROTOCOL_VERSION:
        raise SoapFault(
            "UnsupportedProtocolVersion", f"protocolVersion must be {PROTOCOL_VERSION}, not {version!r}"
        )
    message_id = (found["id"].text or "").strip()
    if not message_id or len(message_id) > 100:
        raise SoapFault("InvalidXRoadHeader", "the X-Road id header must be 1 to 100 characters")
    client = [p for p in _identifier(found["client"], {"SUBSYSTEM", "MEMBER"}, "client") if p]
    service_parts = _identifier(found["service"], {"SERVICE"}, "service")
    service_code = _text(found["service"], IDENTIFIERS, "serviceCode")
    if not service_code:
        raise SoapFault("InvalidXRoadHeader", "the service header needs a serviceCode")
    service = ServiceId(*service_parts, service_code, _text(found["service"], IDENTIFIERS, "serviceVersion"))
    return XRoadHeaders(
        client="/".join(client),
        service=service,
        message_id=message_id,
        user_id=_text(header, XROAD, "userId"),
        issue=_text(header, XROAD, "issue"),
        elements=elements,
    )
