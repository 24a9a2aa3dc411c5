"""SOAP contracts as package data: a WSDL 1.1 document and the XSDs it imports, served and loaded alike.

One ``Contract`` describes one service: the files (by the name the WSDL's ``schemaLocation``
uses), the address the packaged WSDL names, and the XSD its messages follow. The same object
serves our own contract at ``/soap?wsdl`` (addresses rewritten to the server's public URL),
gives zeep the treasury's contract without the network, and compiles the message schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from lxml import etree

from ereceipt.core.xml.schemas import package_schema

XSD_FOLDER, WSDL_FOLDER = "xml_schemas", "wsdl"
_XROAD_XSDS = ("xroad.xsd", "xroad-identifiers.xsd")


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Contract:
    wsdl: str  # file name under ereceipt/wsdl
    xsds: tuple[str, ...]  # file names under ereceipt/xml_schemas, as the WSDL's schemaLocation names them
    packaged_url: str  # the service address written in the packaged WSDL
    message_xsd: str  # the XSD of the operations' messages

    def document(self, file_name: str) -> bytes:
        """The WSDL or one of its XSDs, by file name; ``KeyError`` for a file not of this contract."""
        if file_name == self.wsdl:
            return resources.files("ereceipt").joinpath(WSDL_FOLDER, file_name).read_bytes()
        if file_name in self.xsds:
            return resources.files("ereceipt").joinpath(XSD_FOLDER, file_name).read_bytes()
        raise KeyError(file_name)

    def served(self, name: str, public_url: str) -> HttpAnswer | None:
        """``?wsdl`` (name ``wsdl``) or ``?xsd=NAME``, every address pointing at ``public_url``."""
        file_name = self.wsdl if name == "wsdl" else name
        if file_name != self.wsdl and file_name not in self.xsds:
            return None
        text = self.document(file_name).decode().replace(self.packaged_url, public_url)
        for xsd in self.xsds:
            text = text.replace(f'schemaLocation="{xsd}"', f'schemaLocation="{public_url}?xsd={xsd}"')
        return HttpAnswer(200, "text/xml; charset=utf-8", text.encode())

    def message_schema(self) -> etree.XMLSchema:
        """The messages' XSD, compiled once per thread (see ``package_schema``)."""
        return package_schema(self.message_xsd)


RECEIPT_SERVICE = Contract(
    "ReceiptService.wsdl",
    ("receipt-service-1.0.xsd", *_XROAD_XSDS),
    "http://127.0.0.1:8080/soap",
    "receipt-service-1.0.xsd",
)
TREASURY_SERVICE = Contract(
    "Treasury.wsdl",
    ("treasury-service-1.0.xsd", *_XROAD_XSDS),
    "http://127.0.0.1:8090/soap",
    "treasury-service-1.0.xsd",
)
