"""X-Road message protocol for SOAP 4.0: the client, service, id, userId, protocolVersion and issue headers.

``read_xroad_headers`` checks the headers a request must carry and returns them with the header
elements in their order, so that the response can repeat them unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ereceipt.core.errors import XMLRejected
from ereceipt.core.xml.values import stripped_value
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


_XROAD_TAG = f"{{{XROAD}}}"
_CLIENT_TAGS = tuple(f"{{{IDENTIFIERS}}}{name}" for name in _CLIENT_PARTS)
_OBJECT_TYPE = f"{{{IDENTIFIERS}}}objectType"
_SERVICE_CODE, _SERVICE_VERSION = f"{{{IDENTIFIERS}}}serviceCode", f"{{{IDENTIFIERS}}}serviceVersion"


def _stripped(element: etree._Element | None) -> str | None:
    try:
        return stripped_value(element)
    except XMLRejected as exc:
        raise SoapFault("InvalidXRoadHeader", exc.message) from None


def _texts(parent: etree._Element) -> dict[object, str | None]:
    """Each child's stripped text (None when empty) by tag, the first child of a name winning; one
    pass over the children, where a ``find`` per name costs lxml a path lookup each."""
    texts: dict[object, str | None] = {}
    for child in parent:
        if child.tag not in texts:
            texts[child.tag] = _stripped(child)
    return texts


def _identifier(element: etree._Element, object_types: tuple[str, ...], what: str) -> tuple[list, dict]:
    """The four parts of a client or service identifier, and the texts of all its children."""
    object_type = element.get(_OBJECT_TYPE)
    if object_type not in object_types:
        raise SoapFault(
            "InvalidXRoadHeader", f"the {what} header's objectType must be {' or '.join(object_types)}"
        )
    texts = _texts(element)
    parts = [texts.get(tag) for tag in _CLIENT_TAGS]
    if not all(parts[:3]):
        raise SoapFault(
            "InvalidXRoadHeader", f"the {what} header needs xRoadInstance, memberClass and memberCode"
        )
    return parts, texts


def read_xroad_headers(header: etree._Element | None) -> XRoadHeaders:
    if header is None:
        raise SoapFault("MissingXRoadHeader", "the SOAP Header with the X-Road headers is missing")
    elements = tuple(
        child for child in header if isinstance(child.tag, str) and child.tag.startswith(_XROAD_TAG)
    )
    found: dict[str, etree._Element] = {}
    for element in elements:
        name = element.tag[len(_XROAD_TAG) :]
        if name in found:
            raise SoapFault("InvalidXRoadHeader", f"the X-Road header {name} appears twice")
        found[name] = element
    for required in ("client", "service", "id", "protocolVersion"):
        if required not in found:
            raise SoapFault("MissingXRoadHeader", f"the X-Road header {required} is missing")
    version = _stripped(found["protocolVersion"]) or ""
    if version != PROTOCOL_VERSION:
        raise SoapFault(
            "UnsupportedProtocolVersion", f"protocolVersion must be {PROTOCOL_VERSION}, not {version!r}"
        )
    message_id = _stripped(found["id"]) or ""
    if not message_id or len(message_id) > 100:
        raise SoapFault("InvalidXRoadHeader", "the X-Road id header must be 1 to 100 characters")
    client = [p for p in _identifier(found["client"], ("SUBSYSTEM", "MEMBER"), "client")[0] if p]
    service_parts, service_texts = _identifier(found["service"], ("SERVICE",), "service")
    service_code = service_texts.get(_SERVICE_CODE)
    if not service_code:
        raise SoapFault("InvalidXRoadHeader", "the service header needs a serviceCode")
    service = ServiceId(*service_parts, service_code, service_texts.get(_SERVICE_VERSION))
    return XRoadHeaders(
        client="/".join(client),
        service=service,
        message_id=message_id,
        user_id=_stripped(found.get("userId")),
        issue=_stripped(found.get("issue")),
        elements=elements,
    )
