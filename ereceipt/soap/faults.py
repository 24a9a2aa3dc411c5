"""SOAP faults (SOAP 1.1 section 4.4, SOAP 1.2 part 1 section 5.4) and the HTTP status of each binding.

A fault has a family (``Client``/``Sender`` or ``Server``/``Receiver``), a code of ours such as
``InvalidSignature``, and a human reason. SOAP 1.1 faults go out with HTTP 500; SOAP 1.2 sender
faults with 400 and the others with 500 (SOAP 1.2 part 2, table 20).
"""

from __future__ import annotations

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
