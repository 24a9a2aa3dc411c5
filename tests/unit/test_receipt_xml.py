"""Receipt XML: what the engine writes follows receipt-1.0.xsd and reads back to the same content."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from lxml import etree
from xmltree import assert_trees_equal

from ereceipt.core.errors import SchemaViolation
from ereceipt.core.receipts.content import (
    CollectionInfo,
    IssuerInfo,
    PayerInfo,
    PaymentMethod,
    ReceiptContent,
    ReceiptRef,
    format_number,
    series_year,
)
from ereceipt.core.receipts.receipt_xml import RECEIPT_NS, read_receipt, receipt_element, validate_receipt

CONTENT = ReceiptContent(
    issuer=IssuerInfo(
        "CCTHADS-BD", "Chi cục Thi hành án dân sự quận Ba Đình", "0100000002", "Ba Đình, Hà Nội"
    ),
    template_number="01BLTHA",
    series_symbol="TH26E",
    number=15,
    issued_at=datetime(2026, 3, 5, 2, 30, tzinfo=UTC),
    payer=PayerInfo("Nguyễn Văn An", "001085012345", "Số 5, Ba Đình, Hà Nội"),
    collection=CollectionInfo(
        "Thi hành án theo 123/QĐ-CCTHADS", "THA2501", "12/2024/DS-PT", "123/QĐ-CCTHADS"
    ),
    amount=1_015_000,
    amount_in_words="Một triệu không trăm mười lăm nghìn đồng",
    payment_method=PaymentMethod.BANK_TRANSFER,
    payment_reference="FT2606412345",
    issuing_officer="can.bo.thu",
    lookup_code="ABCD1234EFGH5678",
)


def test_written_receipt_follows_the_schema() -> None:
    validate_receipt(receipt_element(CONTENT))


def test_receipt_reads_back_to_the_same_content() -> None:
    assert read_receipt(receipt_element(CONTENT)) == replace(
        CONTENT, issued_at=datetime.fromisoformat("2026-03-05T09:30:00+07:00")
    )


def test_optional_fields_are_left_out_and_a_replacement_names_the_original() -> None:
    minimal = replace(
        CONTENT,
        payer=PayerInfo("Công ty TNHH Minh Phát"),
        collection=CollectionInfo("Tạm ứng án phí"),
        payment_reference=None,
        replaces=ReceiptRef("01BLTHA", "TH26E", 3),
    )
    root = receipt_element(minimal)
    validate_receipt(root)
    assert root.find(f"{{{RECEIPT_NS}}}Payer/{{{RECEIPT_NS}}}IdentityNumber") is None
    assert read_receipt(root).replaces == ReceiptRef("01BLTHA", "TH26E", 3)


def test_issue_time_is_written_in_vietnam_time_with_seven_digit_number() -> None:
    root = receipt_element(CONTENT)
    assert root.findtext(f"{{{RECEIPT_NS}}}IssuedAt") == "2026-03-05T09:30:00+07:00"
    assert root.findtext(f"{{{RECEIPT_NS}}}Number") == "0000015"
    assert root.find(f"{{{RECEIPT_NS}}}Amount").get("currency") == "VND"


def test_written_tree_is_the_expected_tree() -> None:
    expected = etree.fromstring(
        f"""<Receipt xmlns="{RECEIPT_NS}" version="1.0">
          <Issuer><Code>CCTHADS-BD</Code><Name>Chi cục Thi hành án dân sự quận Ba Đình</Name>
            <TaxCode>0100000002</TaxCode><Address>Ba Đình, Hà Nội</Address></Issuer>
          <TemplateNumber>01BLTHA</TemplateNumber><SeriesSymbol>TH26E</SeriesSymbol><Number>0000015</Number>
          <IssuedAt>2026-03-05T09:30:00+07:00</IssuedAt>
          <Payer><Name>Nguyễn Văn An</Name><IdentityNumber>001085012345</IdentityNumber>
            <Address>Số 5, Ba Đình, Hà Nội</Address></Payer>
          <Collection><CaseCode>THA2501</CaseCode><JudgmentNumber>12/2024/DS-PT</JudgmentNumber>
            <DecisionNumber>123/QĐ-CCTHADS</DecisionNumber>
            <Purpose>Thi hành án theo 123/QĐ-CCTHADS</Purpose></Collection>
          <Amount currency="VND">1015000</Amount>
          <AmountInWords>Một triệu không trăm mười lăm nghìn đồng</AmountInWords>
          <PaymentMethod>BANK_TRANSFER</PaymentMethod><PaymentReference>FT2606412345</PaymentReference>
          <IssuingOfficer>can.bo.thu</IssuingOfficer><LookupCode>ABCD1234EFGH5678</LookupCode>
        </Receipt>""".encode()
    )
    assert_trees_equal(receipt_element(CONTENT), expected)


@pytest.mark.parametrize(
    ("element", "value"),
    [
        ("Number", "0000000"),
        ("Number", "123"),
        ("SeriesSymbol", "th26e"),
        ("Amount", "1.5"),
        ("Amount", "-1"),
        ("PaymentMethod", "CHEQUE"),
        ("LookupCode", "ABCD1234EFGH567U"),
        ("IssuedAt", "2026-03-05T02:30:00Z"),
    ],
)
def test_schema_refuses_bad_values(element: str, value: str) -> None:
    root = receipt_element(CONTENT)
    root.find(f"{{{RECEIPT_NS}}}{element}").text = value
    with pytest.raises(SchemaViolation, match=element):
        validate_receipt(root)


def test_series_symbol_carries_its_year() -> None:
    assert series_year("TH26E") == 2026
    with pytest.raises(ValueError, match="two-digit year"):
        series_year("THE")


def test_numbers_print_with_seven_digits() -> None:
    assert format_number(1) == "0000001"
    with pytest.raises(ValueError, match="outside"):
        format_number(10_000_000)
