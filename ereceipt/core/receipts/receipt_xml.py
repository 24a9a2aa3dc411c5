"""Receipt XML, namespace ``urn:ereceipt:thads:receipt:1.0``, schema ``xml_schemas/receipt-1.0.xsd``.

``receipt_element`` writes a ``ReceiptContent`` as the unsigned document; ``read_receipt`` reads one
back. Callers reading a signed receipt must hand ``read_receipt`` only the XML the verifier
returned as signed, never the document they received.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from ereceipt.core.errors import SchemaViolation
from ereceipt.core.receipts.content import (
    VIETNAM,
    CollectionInfo,
    IssuerInfo,
    PayerInfo,
    PaymentMethod,
    ReceiptContent,
    ReceiptRef,
    format_number,
)
from ereceipt.core.xml.schemas import package_schema
from ereceipt.core.xml.values import text_value

RECEIPT_NS = "urn:ereceipt:thads:receipt:1.0"
RECEIPT_TAG = f"{{{RECEIPT_NS}}}Receipt"
SCHEMA_FILE = "receipt-1.0.xsd"


def _q(name: str) -> str:
    return f"{{{RECEIPT_NS}}}{name}"


def _child(parent: etree._Element, name: str, text: str | None) -> etree._Element | None:
    if text is None or text == "":
        return None
    element = etree.SubElement(parent, _q(name))
    element.text = text
    return element


def _ref_children(parent: etree._Element, ref: ReceiptRef) -> None:
    _child(parent, "TemplateNumber", ref.template_number)
    _child(parent, "SeriesSymbol", ref.series_symbol)
    _child(parent, "Number", format_number(ref.number))


def receipt_element(content: ReceiptContent) -> etree._Element:
    """The unsigned receipt document for ``content``."""
    root = etree.Element(RECEIPT_TAG, nsmap={None: RECEIPT_NS}, version="1.0")
    issuer = etree.SubElement(root, _q("Issuer"))
    _child(issuer, "Code", content.issuer.code)
    _child(issuer, "Name", content.issuer.name)
    _child(issuer, "TaxCode", content.issuer.tax_code)
    _child(issuer, "Address", content.issuer.address)
    _ref_children(root, content.ref)
    _child(root, "IssuedAt", content.issued_at.astimezone(VIETNAM).isoformat(timespec="seconds"))
    payer = etree.SubElement(root, _q("Payer"))
    _child(payer, "Name", content.payer.name)
    _child(payer, "IdentityNumber", content.payer.identity_number)
    _child(payer, "Address", content.payer.address)
    collection = etree.SubElement(root, _q("Collection"))
    _child(collection, "CaseCode", content.collection.case_code)
    _child(collection, "JudgmentNumber", content.collection.judgment_number)
    _child(collection, "DecisionNumber", content.collection.decision_number)
    _child(collection, "Purpose", content.collection.purpose)
    amount = _child(root, "Amount", str(content.amount))
    amount.set("currency", "VND")
    _child(root, "AmountInWords", content.amount_in_words)
    _child(root, "PaymentMethod", content.payment_method.value)
    _child(root, "PaymentReference", content.payment_reference)
    _child(root, "IssuingOfficer", content.issuing_officer)
    _child(root, "LookupCode", content.lookup_code)
    if content.replaces is not None:
        _ref_children(etree.SubElement(root, _q("Replaces")), content.replaces)
    return root


def receipt_schema() -> etree.XMLSchema:
    """The receipt XSD, compiled once per thread (``package_schema``); it is our own package data, so no
    hardened parser is needed."""
    return package_schema(SCHEMA_FILE)


def validate_receipt(root: etree._Element) -> None:
    """Raise ``SchemaViolation`` naming the first problem when ``root`` does not follow the XSD."""
    schema = receipt_schema()
    if not schema.validate(root):
        error = schema.error_log.last_error
        raise SchemaViolation(
            f"receipt XML does not follow {SCHEMA_FILE}: line {error.line}: {error.message}"
        )


def _text(parent: etree._Element, path: str) -> str | None:
    element = parent.find(path, namespaces={"r": RECEIPT_NS})
    return None if element is None else (text_value(element) or None)


def _required(parent: etree._Element, path: str) -> str:
    value = _text(parent, path)
    if value is None:
        raise SchemaViolation(f"receipt XML lacks {path.replace('r:', '')}")
    return value


def _read_ref(parent: etree._Element) -> ReceiptRef:
    return ReceiptRef(
        template_number=_required(parent, "r:TemplateNumber"),
        series_symbol=_required(parent, "r:SeriesSymbol"),
        number=int(_required(parent, "r:Number")),
    )


def read_receipt(root: etree._Element) -> ReceiptContent:
    """The content of a schema-valid receipt document (validated here first)."""
    validate_receipt(root)
    replaces = root.find("r:Replaces", namespaces={"r": RECEIPT_NS})
    return ReceiptContent(
        issuer=IssuerInfo(
            code=_required(root, "r:Issuer/r:Code"),
            name=_required(root, "r:Issuer/r:Name"),
            tax_code=_required(root, "r:Issuer/r:TaxCode"),
            address=_required(root, "r:Issuer/r:Address"),
        ),
        template_number=_required(root, "r:TemplateNumber"),
        series_symbol=_required(root, "r:SeriesSymbol"),
        number=int(_required(root, "r:Number")),
        issued_at=datetime.fromisoformat(_required(root, "r:IssuedAt")),
        payer=PayerInfo(
            name=_required(root, "r:Payer/r:Name"),
            identity_number=_text(root, "r:Payer/r:IdentityNumber"),
            address=_text(root, "r:Payer/r:Address"),
        ),
        collection=CollectionInfo(
            purpose=_required(root, "r:Collection/r:Purpose"),
            case_code=_text(root, "r:Collection/r:CaseCode"),
            judgment_number=_text(root, "r:Collection/r:JudgmentNumber"),
            decision_number=_text(root, "r:Collection/r:DecisionNumber"),
        ),
        amount=int(_required(root, "r:Amount")),
        amount_in_words=_required(root, "r:AmountInWords"),
        payment_method=PaymentMethod(_required(root, "r:PaymentMethod")),
        payment_reference=_text(root, "r:PaymentReference"),
        issuing_officer=_required(root, "r:IssuingOfficer"),
        lookup_code=_required(root, "r:LookupCode"),
        replaces=None if replaces is None else _read_ref(replaces),
    )
