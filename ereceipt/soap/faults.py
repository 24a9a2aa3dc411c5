"""SOAP faults (SOAP 1.1 section 4.4, SOAP 1.2 part 1 section 5.4) and the HTTP status of each binding.

A fault has a family (``Client``/``Sender`` or ``Server``/``Receiver``), a code of ours such as
``InvalidSignature``, and a human reason. SOAP 1.1 faults go out with HTTP 500; SOAP 1.2 sender
faults with 400 and the others with 500 (SOAP 1.2 part 2, table 20).
"""

from __future__ import annotations

from functools import cache
from xml.sax.saxutils import escape

from lxml import etree

from ereceipt.soap.envelope import SOAP11, SOAP12, SoapVersion

FAULT_NS = "urn:ereceipt:thads:fault:1.0"


class SoapFault(Exception):
    """A technical error to answer with a SOAP fault; ``client`` says whose mistake it is."""

    def __init__(
        self, code: str, reason: str, *, client: bool = True, version_mismatch: bool = False
    ) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.client = client
        self.version_mismatch = version_mismatch


def fault_response(version: SoapVersion, fault: SoapFault) -> tuple[int, bytes]:
    """The HTTP status and the envelope for ``fault``."""
    envelope = etree.Element(f"{{{version.ns}}}Envelope", nsmap={"soap": version.ns, "f": FAULT_NS})
    body = etree.SubElement(envelope, f"{{{version.ns}}}Body")
    element = etree.SubElement(body, f"{{{version.ns}}}Fault")
    if version.ns == SOAP11:
        family = "VersionMismatch" if fault.version_mismatch else ("Client" if fault.client else "Server")
        etree.SubElement(element, "faultcode").text = f"soap:{family}.{fault.code}"
        etree.SubElement(element, "faultstring").text = fault.reason
        status = 500
    else:
        family = "VersionMismatch" if fault.version_mismatch else ("Sender" if fault.client else "Receiver")
        code = etree.SubElement(element, f"{{{SOAP12}}}Code")
        etree.SubElement(code, f"{{{SOAP12}}}Value").text = f"soap:{family}"
        subcode = etree.SubElement(code, f"{{{SOAP12}}}Subcode")
        etree.SubElement(subcode, f"{{{SOAP12}}}Value").text = f"f:{fault.code}"
        reason = etree.SubElement(element, f"{{{SOAP12}}}Reason")
        text = etree.SubElement(reason, f"{{{SOAP12}}}Text")
        text.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        text.text = fault.reason
        status = 400 if family == "Sender" else 500
    return status, etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


REPLAY_CODE = "DuplicateMessageId"
_MESSAGE_ID = "@@message-id@@"


def replay_reason(message_id: str) -> str:
    return f"message id {message_id!r} was used before"


@cache
def _replay_template(version: SoapVersion) -> tuple[int, bytes, bytes]:
    status, body = fault_response(version, SoapFault(REPLAY_CODE, replay_reason(_MESSAGE_ID)))
    before, after = body.split(escape(repr(_MESSAGE_ID)).encode())
    return status, before, after


def replay_response(version: SoapVersion, message_id: str) -> tuple[int, bytes]:
    """``fault_response`` for a replayed X-Road id, from a template made once per version: every
    read-only request carries this answer in case its id was used before (``message_log.Claim``)."""
    status, before, after = _replay_template(version)
    return status, before + escape(repr(message_id)).encode() + after
