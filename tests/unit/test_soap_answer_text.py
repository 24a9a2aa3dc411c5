"""Answers written as text (getReceipt's, and envelopes around them) are the bytes lxml writes for the
same elements: the text path is an optimisation, never a second format."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from ereceipt.adapters.portal import SERVICE_NS, _receipt_answer, _receipt_elements
from ereceipt.core.receipts.lookup import ReceiptSummary
from ereceipt.core.transparency.store import ReceiptInclusion, ReceiptLog, StoredCheckpoint
from ereceipt.soap.envelope import SOAP_1_1, SOAP_1_2, copy_header, envelope_bytes, write_envelope

SIGNED = b'<?xml version="1.0"?><Receipt xmlns="urn:x">\xc4\x91\xe1\xbb\x93ng</Receipt>' * 40


def summary(**changes) -> ReceiptSummary:
    fields = {
        "issuer_code": "CCTHADS-BD",
        "issuer_name": "Chi cục Thi hành án dân sự quận Ba Đình",
        "template_number": "01BLTHA",
        "series_symbol": "TH26E",
        "number": 42,
        "issued_at": datetime(2026, 12, 5, 1, 2, 3, 456789, tzinfo=UTC),
        "payer_name": "Nguyễn Văn A",
        "amount": 1_250_000,
        "payment_method": "BANK_TRANSFER",
        "case_code": "THA-2026-000123",
        "status": "ISSUED",
        "lookup_code": "7Q2MK9XD3B8TR4WA",
        "signed_xml": SIGNED,
    }
    return ReceiptSummary(**{**fields, **changes})


def as_elements(receipt: ReceiptSummary) -> bytes:
    return etree.tostring(_receipt_elements(receipt), encoding="UTF-8", xml_declaration=False)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"case_code": None},
        {"payer_name": "Trần & <Con> \"Lê\" 'Ánh'"},
        {"payer_name": "dòng một\r\ndòng hai\tthẻ"},
        {"issuer_name": "]]> & ]]>"},
        {"payer_name": "𝔘 ngoài BMP", "amount": 0},
    ],
)
def test_a_receipt_answer_written_as_text_is_byte_for_byte_the_one_lxml_writes(changes) -> None:
    receipt = summary(**changes)
    assert _receipt_answer(receipt) == as_elements(receipt)


def test_a_receipt_with_a_character_xml_cannot_carry_is_refused_as_by_the_elements() -> None:
    # Never written into a broken answer: lxml refuses it, and the endpoint answers with a fault.
    with pytest.raises(ValueError, match="XML compatible"):
        _receipt_answer(summary(payer_name="Nguyễn\x0bVăn"))


def request_headers(version) -> list[etree._Element]:
    envelope = etree.fromstring(
        f'<s:Envelope xmlns:s="{version.ns}" xmlns:xrd="http://x-road.eu/xsd/xroad.xsd" '
        'xmlns:id="http://x-road.eu/xsd/identifiers" xmlns:unused="urn:unused"><s:Header>\n  '
        '<xrd:client id:objectType="SUBSYSTEM"><id:xRoadInstance>VN</id:xRoadInstance></xrd:client>\n  '
        '<xrd:id>a &amp; b</xrd:id>\n  <xrd:userId xmlns:x="urn:x">EE&lt;1&gt;</xrd:userId>\n'
        "</s:Header><s:Body/></s:Envelope>".encode()
    )
    return list(envelope[0])


@pytest.mark.parametrize("version", [SOAP_1_1, SOAP_1_2], ids=["soap11", "soap12"])
def test_an_envelope_written_around_a_text_answer_is_the_one_lxml_writes(version) -> None:
    receipt = summary(payer_name="A & B")
    as_text = envelope_bytes(
        version, [copy_header(h) for h in request_headers(version)], _receipt_answer(receipt)
    )
    payload = _receipt_elements(receipt)
    tree = write_envelope(version, [copy_header(h) for h in request_headers(version)], payload)
    assert as_text == etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def test_an_envelope_without_headers_has_no_header_element() -> None:
    written = envelope_bytes(SOAP_1_1, [], b'<r xmlns="urn:x"/>')
    tree = write_envelope(SOAP_1_1, [], etree.fromstring(b'<r xmlns="urn:x"/>'))
    assert written == etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


CHECKPOINT = StoredCheckpoint(
    5,
    bytes(range(32)),
    "localhost/ereceipt/DEVELOPMENT-log\n5\nAAEC\n\n— localhost/ereceipt/DEVELOPMENT-log QUJD\n".encode(),
)
LEAF = ReceiptInclusion(
    7, "issued", 3, b"e-receipt log entry v1\nevent issued\n", [b"\x01" * 32, b"\x02" * 32], CHECKPOINT
)


@pytest.mark.parametrize(
    "log",
    [
        ReceiptLog(None, ()),
        ReceiptLog(CHECKPOINT, ()),
        ReceiptLog(CHECKPOINT, (LEAF, ReceiptInclusion(7, "cancelled", 4, b"x", [], CHECKPOINT))),
        ReceiptLog(StoredCheckpoint(1, b"\0" * 32, b"a & <b>\r\n1\n"), ()),
    ],
    ids=["no-checkpoint", "not-yet", "two-leaves", "escaped-origin"],
)
def test_a_receipt_answer_with_its_log_status_as_text_is_the_one_lxml_writes(log: ReceiptLog) -> None:
    receipt = summary()
    as_text = _receipt_answer(receipt, log)
    assert as_text == etree.tostring(_receipt_elements(receipt, log), encoding="UTF-8", xml_declaration=False)
    status = etree.fromstring(as_text).find(f"{{{SERVICE_NS}}}Log")
    assert status.findtext(f"{{{SERVICE_NS}}}InLog") == ("true" if log.leaves else "false")
    assert len(status.findall(f"{{{SERVICE_NS}}}Leaf")) == len(log.leaves)
