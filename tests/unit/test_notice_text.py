"""What the payer reads: diacritics stripped for SMS, the SMS template, the Vietnamese e-mail text."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ereceipt.core.delivery.notice_text import (
    DEFAULT_SMS_TEMPLATE,
    attachment_name,
    check_sms_template,
    email_body,
    email_subject,
    sms_text,
    strip_diacritics,
)
from ereceipt.core.errors import ConfigurationError
from ereceipt.core.receipts.content import (
    CollectionInfo,
    IssuerInfo,
    PayerInfo,
    PaymentMethod,
    ReceiptContent,
    ReceiptRef,
)

CONTENT = ReceiptContent(
    issuer=IssuerInfo("CCTHADS-BD", "Chi cục Thi hành án dân sự quận Ba Đình", "0101234567", "Hà Nội"),
    template_number="01BLTHA",
    series_symbol="TH26E",
    number=15,
    issued_at=datetime(2026, 11, 25, 2, 30, tzinfo=UTC),
    payer=PayerInfo("Nguyễn Văn Đức"),
    collection=CollectionInfo("Tiền thi hành án", case_code="THA2501", decision_number="123/QĐ-CCTHADS"),
    amount=1_015_000,
    amount_in_words="Một triệu không trăm mười lăm nghìn đồng",
    payment_method=PaymentMethod.CASH,
    payment_reference="PT-1",
    issuing_officer="can.bo.thu",
    lookup_code="7Q2MK9XD3B8TR4WA",
)
URL = "https://bienlai.thads.gov.vn/tra-cuu?ma=7Q2M-K9XD-3B8T-R4WA"


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("Nguyễn Văn Đức", "Nguyen Van Duc"),
        ("đồng", "dong"),
        ("ĐỒNG", "DONG"),
        ("Thi hành án dân sự", "Thi hanh an dan su"),
        ("ươ ƯƠ ắ ặ ẫ ỹ ỵ", "uo UO a a a y y"),
        ("ASCII 123 -/:?=", "ASCII 123 -/:?="),
    ],
)
def test_diacritics_are_stripped_to_base_letters(text: str, plain: str) -> None:
    assert strip_diacritics(text) == plain


def test_stripped_text_is_ascii() -> None:
    assert strip_diacritics(email_body(CONTENT, URL)).isascii()


def test_sms_template_fields_are_filled() -> None:
    text = sms_text(DEFAULT_SMS_TEMPLATE, CONTENT, URL, strip=False)
    assert (
        text == f"THADS: biên lai TH26E số 0000015, 1.015.000 đồng. Mã tra cứu 7Q2M-K9XD-3B8T-R4WA tại {URL}"
    )


def test_sms_text_without_diacritics_when_stripping() -> None:
    text = sms_text("{payer} đã nộp {amount} đồng, mã {code}", CONTENT, URL, strip=True)
    assert text == "Nguyen Van Duc da nop 1.015.000 dong, ma 7Q2M-K9XD-3B8T-R4WA"


def test_default_sms_fits_one_message_without_diacritics() -> None:
    assert len(sms_text(DEFAULT_SMS_TEMPLATE, CONTENT, URL, strip=True)) <= 160


@pytest.mark.parametrize(("template", "reason"), [("Mã {ma}", "unknown field {ma}"), ("Mã {code", "")])
def test_a_broken_sms_template_is_refused_at_start(template: str, reason: str) -> None:
    with pytest.raises(ConfigurationError, match="\\[sms\\] template") as refused:
        check_sms_template(template)
    assert reason in refused.value.message


def test_every_known_field_is_allowed() -> None:
    check_sms_template("{number}{series}{template}{amount}{code}{url}{issuer}{payer}")


def test_email_subject_names_number_series_and_agency() -> None:
    assert email_subject(CONTENT) == (
        "Biên lai thu tiền số 0000015 (TH26E) – Chi cục Thi hành án dân sự quận Ba Đình"
    )


def test_email_body_carries_lookup_code_url_amount_and_attachments() -> None:
    body = email_body(CONTENT, URL)
    assert body.startswith("Kính gửi Nguyễn Văn Đức,\n")
    assert "Mã tra cứu: 7Q2M-K9XD-3B8T-R4WA" in body
    assert f"Tra cứu và kiểm tra biên lai tại: {URL}" in body
    assert "1.015.000 đồng (Một triệu không trăm mười lăm nghìn đồng)" in body
    assert "Ngày lập: 25/11/2026 09:30" in body  # Vietnam time
    assert "Mã hồ sơ: THA2501" in body
    assert "bien-lai-TH26E-0000015.pdf" in body and "bien-lai-TH26E-0000015.xml" in body


def test_attachment_names_are_ascii() -> None:
    assert attachment_name(CONTENT, "xml") == "bien-lai-TH26E-0000015.xml"


def test_email_body_of_a_replacement_names_the_cancelled_receipt() -> None:
    replacement = replace(CONTENT, number=16, replaces=ReceiptRef("01BLTHA", "TH26E", 15))
    assert "Thay thế biên lai số 0000015 (TH26E) đã bị hủy" in email_body(replacement, URL)
    assert "Thay thế" not in email_body(CONTENT, URL)
