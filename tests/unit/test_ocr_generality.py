"""Extraction rules meant for forms never seen: numbers as printed, codes of other acts refused,
text written without marks kept so, labels at a tab stop, bilingual labels, other date forms."""

from __future__ import annotations

import dataclasses

import pytest

from ereceipt.core.ocr import fields, vocabulary
from ereceipt.core.ocr.fields import extract_fields
from ereceipt.core.ocr.layout import lines_of_text
from ereceipt.core.ocr.repair import form_words, unmarked


def extracted(text: str) -> dict:
    return extract_fields(lines_of_text(text)).values


def read(text: str, extractor):
    found = extractor(lines_of_text(text))
    return None if found is None else found.value


# Document numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Quyết định số 05/QĐ-CCTHADS ngày", "05/QĐ-CCTHADS"),
        ("Quyết định số 007/2025/QĐ-THADS", "007/2025/QĐ-THADS"),
        ("Quyết định Số123/QĐ-CCTHADS", "123/QĐ-CCTHADS"),
        ("Quyết định số 45/QĐ–CCTHADS", "45/QĐ-CCTHADS"),  # an en dash
        ("(Ban hành theo QĐ số 19/2006/QĐ-BTC ngày 30/3/2006 của Bộ Tài chính)", None),
        ("Mẫu số C40-BB\nQuyết định số 12/QĐ-CCTHADS", "12/QĐ-CCTHADS"),
    ],
)
def test_a_decision_number_is_read_as_printed_and_not_from_a_forms_heading(
    text: str, number: str | None
) -> None:
    assert read(text, fields.decision_number) == number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Bản án số 01/2024/DS-ST ngày 10/01/2024", "01/2024/DS-ST"),
        ("Bản án số 12/2023/HS—PT", "12/2023/HS-PT"),
        ("Bản án số 3/2022/DS-GĐT", "3/2022/DS-GĐT"),
        ("Quyết định số 05/2024/QĐST-KDTM", "05/2024/QĐST-KDTM"),  # a court's decision
        ("Bản án số 05/2013/DSST", "05/2013/DSST"),  # an older number, kind and instance run together
        ("Bản án số 12/2014/HNGĐPT ngày", "12/2014/HNGĐPT"),
        ("Hóa đơn theo Nghị định số 123/2020/NĐ-CP", None),
        ("Thông tư số 107/2017/TT-BTC", None),
        ("Căn cứ Quyết định 15/2024/QĐ-TTg", None),
    ],
)
def test_a_judgment_number_is_a_courts_and_is_read_as_printed(text: str, number: str | None) -> None:
    assert read(text, fields.judgment_number) == number


def test_a_decision_number_misread_inside_the_content_is_read_as_the_decision_is() -> None:
    read_fields = extract_fields(lines_of_text("Nội dung: Nộp tiền theo QĐ số I8/QĐ-CCTHADS"))
    assert read_fields.values["purpose"] == "Nộp tiền theo QĐ số 18/QĐ-CCTHADS"
    assert read_fields.confidences["purpose"] < 1


# Text written without marks ---------------------------------------------------------------------------


def test_unmarked_text_ignores_codes_in_capitals() -> None:
    assert unmarked("Nop tien THA theo QĐ-CCTHADS")
    assert not unmarked("Nộp tien thi hanh an")


def test_content_written_without_marks_keeps_its_words() -> None:
    assert form_words("Nop tien thi hanh an dan su") == ("Nop tien thi hanh an dan su", 0)
    assert extracted("Noi dung: Nop tien thi hanh an THA2501")["purpose"] == "Nop tien thi hanh an THA2501"


def test_amount_words_written_without_marks_stay_so_and_are_read() -> None:
    read_fields = extracted("So tien bang chu: Mot trieu nam tram nghin dong")
    assert read_fields["amount_in_words"] == "Mot trieu nam tram nghin dong"
    assert read_fields["amount_words_vnd"] == 1_500_000


# Labels -------------------------------------------------------------------------------------------------


def test_a_colon_at_the_labels_tab_stop_is_not_part_of_the_value() -> None:
    read_fields = extracted("Họ tên người nộp\t:Trần Văn Bình\nNội dung\t: Nộp tiền thi hành án")
    assert read_fields["payer_name"] == "Trần Văn Bình"
    assert read_fields["purpose"] == "Nộp tiền thi hành án"


def test_bilingual_labels_are_read_in_either_language_first() -> None:
    read_fields = extracted(
        "Người trả tiền/Payer: Trần Văn Bình\n"
        "ID No./Số CCCD: 001203004567\n"
        "Address/Địa chỉ: Số 5 phố Huế, Hà Nội\n"
        "Amount/Số tiền: 1,500,000 VND\n"
        "Amount in words: Một triệu năm trăm nghìn đồng\n"
        "Details: Nộp tiền thi hành án\n"
    )
    assert read_fields["payer_name"] == "Trần Văn Bình"
    assert read_fields["payer_id_number"] == "001203004567"
    assert read_fields["payer_address"] == "Số 5 phố Huế, Hà Nội"
    assert read_fields["amount_vnd"] == 1_500_000
    assert read_fields["amount_words_vnd"] == 1_500_000
    assert read_fields["purpose"] == "Nộp tiền thi hành án"


def test_a_twelve_digit_code_on_a_tax_or_budget_line_is_no_identity_number() -> None:
    assert "payer_id_number" not in extracted("Người nộp: Công ty TNHH Minh Phát\nMã số thuế: 012345678901")


# Dates --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Ngày giao dịch: 2026-03-05 10:22:01", "2026-03-05"),
        ("Ngày:05/03/2026.", "2026-03-05"),
        ("Hà Nội, ngày 05 th áng 3 n ăm 2026", "2026-03-05"),
        ("Tài khoản 12/03/20261", None),
        ("Ngày cấp: 2020-01-02", None),
    ],
)
def test_dates_in_other_forms_and_beside_punctuation(text: str, day: str | None) -> None:
    assert read(text, fields.document_date) == day


# Addresses and parties ----------------------------------------------------------------------------------


def test_an_address_in_labelled_parts_is_one_address_its_blank_parts_dropped() -> None:
    read_fields = extracted(
        "Người nộp: Hồ Văn Việt\tSố TK: 8898083387135\n"
        "Tại ngân hàng: Ngân hàng TMCP Ngoại thương Việt Nam\n"
        "Số nhà, đường: Số 271 đường Nguyễn Thái Học Phường/Xã: ........ "
        "Quận/Huyện: Cầu Giấy Tỉnh/TP: Hà Nội\n"
    )
    assert read_fields["payer_address"] == "Số 271 đường Nguyễn Thái Học, Cầu Giấy, Hà Nội"


def test_the_parts_label_with_its_slash_misread_still_separates_a_part() -> None:
    read_fields = extracted(
        "Người nộp: Hồ Văn Việt\nSố nhà: Số 5 phố Huế PIX: Ngô Thì Nhậm Q/H: Hai Bà Trưng Tỉnh/TP: Hà Nội\n"
    )
    assert read_fields["payer_address"] == "Số 5 phố Huế, Ngô Thì Nhậm, Hai Bà Trưng, Hà Nội"


def test_a_value_under_two_parties_side_by_side_belongs_to_the_column_it_stands_in() -> None:
    payer_left = "Người nộp: Đỗ Thanh Cường\tNgười hưởng: Chi cục Thi hành án dân sự quận Đống Đa\n"
    read_fields = extracted(payer_left + "Địa chỉ: Số 219 phố Giảng Võ, Ba Đình, Hà Nội\n")
    assert read_fields["payer_address"] == "Số 219 phố Giảng Võ, Ba Đình, Hà Nội"
    payee_right = "Người nộp: Đỗ Thanh Cường\tNgười hưởng: Chi cục Thi hành án dân sự\n"
    read_fields = extracted(payee_right + "\tĐịa chỉ: Số 5 phố Huế, Hà Nội\n")
    assert "payer_address" not in read_fields


def test_a_banks_name_is_not_read_as_the_beneficiarys_label() -> None:
    matches = vocabulary.label_matches("Tại ngân hàng: Ngân hàng TMCP Ngoại thương Việt Nam")
    assert "payee" not in [match.field for match in matches]


# Content run over lines ---------------------------------------------------------------------------------


def test_a_sentence_cut_after_a_linking_word_runs_on_into_a_line_that_starts_like_a_label() -> None:
    read_fields = extracted(
        "Lý do nộp: Thu tiền thi hành án khoản phải thi hành của\n"
        "người phải thi hành án, mã THA7785\n"
        "Số tiền thu: 142 000 đ\n"
    )
    assert (
        read_fields["purpose"]
        == "Thu tiền thi hành án khoản phải thi hành của người phải thi hành án, mã THA7785"
    )


def test_a_line_that_starts_with_a_label_and_its_colon_still_ends_the_content() -> None:
    read_fields = extracted("Nội dung: Nộp tiền theo\nNgười nộp: Hồ Văn Việt\n")
    assert read_fields["purpose"] == "Nộp tiền theo"


def test_an_unsure_line_that_carries_a_document_number_is_no_row_of_specks() -> None:
    lines = lines_of_text("Nội dung: Thi hành theo Quyết định thi hành án số\n456/QĐ-CCTHADS\n")
    lines[1] = dataclasses.replace(lines[1], confidences=(0.5,) * len(lines[1].text))
    assert fields.purpose(lines).value == "Thi hành theo Quyết định thi hành án số 456/QĐ-CCTHADS"


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        (
            "Nộp tiền thị hành án của Chỉ cục Thi hành án dân sự",
            "Nộp tiền thi hành án của Chi cục Thi hành án dân sự",
        ),
        ("án phí dân sự sơ thấm", "án phí dân sự sơ thẩm"),
        ("của Chị Cục Thi hành án đân sự", "của Chi cục Thi hành án dân sự"),
    ],
)
def test_agency_and_instance_words_get_their_marks_back_with_the_capital_read(
    written: str, meant: str
) -> None:
    assert form_words(written)[0] == meant


def test_judgment_numbers_and_case_codes_misread_in_the_content_are_read_as_their_fields_are() -> None:
    text = "Nội dung: Nộp tiền theo Bản án số I65/2022/LĐ-PT, mã THA778S"
    assert extracted(text)["purpose"] == "Nộp tiền theo Bản án số 165/2022/LĐ-PT, mã THA7785"
    assert extracted(text)["case_payment_code"] == "THA7785"


def test_the_date_of_an_act_followed_by_its_issuer_is_not_the_documents() -> None:
    text = "(Ban hành theo Thông tư số 200/2014/TT-BTC\nngày 22/12/2014 của Bộ Tài chính)\nNgày 11/12/2026\n"
    assert read(text, fields.document_date) == "2026-12-11"


# Values refused or read back ----------------------------------------------------------------------------


def test_a_slashed_zero_is_a_zero() -> None:
    assert read("Ngày: ngày Ø7 tháng 12 năm 2025", fields.document_date) == "2025-12-07"


def test_a_box_label_beside_a_label_is_no_value_even_with_its_first_word_unsure() -> None:
    lines = lines_of_text("Người nộp\tQĐ thi hành án\nCông ty Cổ phần Minh Phát\t207/2023/QĐ-THADS\n")
    first = lines[0]
    at = first.text.index("QĐ")
    unsure = tuple(0.3 if at <= i < at + 2 else 0.95 for i in range(len(first.text)))  # "QĐ" unsure
    lines[0] = dataclasses.replace(first, confidences=unsure)
    assert fields.payer_name(lines).value == "Công ty Cổ phần Minh Phát"


def test_a_name_starts_with_a_capital() -> None:
    assert "payer_name" not in extracted("Người nộp: thi hành án dân sự")


@pytest.mark.parametrize(
    ("digits_read", "amount"),
    [("4ó, 109,000", 46_109_000), ("3.983.000", 73_983_000), ("717.534", 717_534_000)],
    ids=["a glyph misread", "a digit lost in front", "a group lost at the end"],
)
def test_digits_partly_read_that_agree_with_the_words_propose_the_words_amount_flagged(
    digits_read: str, amount: int
) -> None:
    words = {
        46_109_000: "Bốn mươi sáu triệu một trăm linh chín nghìn đồng",
        73_983_000: "Bảy mươi ba triệu chín trăm tám mươi ba nghìn đồng",
        717_534_000: "Bảy trăm mười bảy triệu năm trăm ba mươi tư nghìn đồng",
    }[amount]
    read_fields = extract_fields(lines_of_text(f"Tổng số tiền:\t{digits_read} đ\nSố tiền bằng chữ: {words}"))
    assert read_fields.values["amount_vnd"] == amount
    assert any(warning.startswith(fields.PARTLY_READ) for warning in read_fields.warnings)
    assert read_fields.confidences["amount_vnd"] <= fields.CHECK_CONFIDENCE


def test_digits_that_disagree_with_the_words_elsewhere_stay_as_read_and_flagged() -> None:
    read_fields = extract_fields(
        lines_of_text(
            "Số tiền: 5.500.000 đ\nSố tiền bằng chữ: Bốn mươi sáu triệu một trăm linh chín nghìn đồng"
        )
    )
    assert read_fields.values["amount_vnd"] == 5_500_000
    assert any(warning.startswith("amount_mismatch") for warning in read_fields.warnings)


def test_a_name_only_like_a_label_below_its_label_is_a_name() -> None:
    """ "Hồ Văn Yến" is like "họ và tên", but a label is not written with a capital on every word."""
    read_fields = extracted("PAYMENT ORDER\nKhách hàng\tSố CCCD/CMND\nHồ Văn Yến\t088395006691\n")
    assert read_fields["payer_name"] == "Hồ Văn Yến"
    assert read_fields["payer_id_number"] == "088395006691"
    assert "case_payment_code" not in read_fields


def test_the_payees_name_is_not_the_payers() -> None:
    assert "payer_name" not in extracted("Payee name: Chi cục Thi hành án dân sự quận Ba Đình\n")


def test_a_fee_is_not_the_amount_and_a_bilingual_amount_in_figures_is() -> None:
    read_fields = extracted("Số tiền phí: 11,000 VND\nAmount in figures: 1,500,000 VND\n")
    assert read_fields["amount_vnd"] == 1_500_000


@pytest.mark.parametrize(
    ("read_as", "name"),
    [
        ("Người nộp: Đăng Ngọc Quỳnh", "Đặng Ngọc Quỳnh"),
        ("Người nộp: Vữ Thủy Phúc", "Vũ Thủy Phúc"),
        ("Người nộp: Công ty Cố phần Xây dựng Hưng Thịnh", "Công ty Cổ phần Xây dựng Hưng Thịnh"),
        ("Người nộp: NGUYEN VAN AN", "NGUYEN VAN AN"),  # written without marks: left so
        ("Người nộp: Đinh Thị Lan", "Đinh Thị Lan"),
    ],
)
def test_a_common_surname_or_company_words_get_their_marks_back(read_as: str, name: str) -> None:
    assert extracted(read_as)["payer_name"] == name


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("Mã giao dịch: FT2532 1206085.", "FT25321206085"),
        ("Số tham chiếu: FT 25142921621", "FT25142921621"),
        ("Số tham chiếu: FT25142921621 ngày 05/03/2026", "FT25142921621"),
    ],
)
def test_a_reference_set_apart_by_a_space_is_one_reference(text: str, reference: str) -> None:
    assert read(text, fields.bank_reference) == reference


@pytest.mark.parametrize(
    ("text", "name", "address"),
    [
        ("Họ tên người nộp tiền: Nguyễn Văn An, CCCD số: 012345678901", "Nguyễn Văn An", None),
        (
            "Người nộp: Nguyễn Văn An; số CCCD 012345678901, địa chỉ: Số 5 phố Huế, Hà Nội; "
            "điện thoại: 0912345678",
            "Nguyễn Văn An",
            "Số 5 phố Huế, Hà Nội",
        ),
        (
            "Người nộp: Lê Thị Hoa\nĐịa chỉ: Số 5 phố Huế, Hà Nội. Ghi chú: nộp thay",
            "Lê Thị Hoa",
            "Số 5 phố Huế, Hà Nội",
        ),
        ("Người nộp: Công ty TNHH Minh Phát, mã số thuế 0101234567", "Công ty TNHH Minh Phát", None),
    ],
)
def test_a_value_ends_where_a_clause_of_another_value_starts_on_its_line(
    text: str, name: str, address: str | None
) -> None:
    read_fields = extracted(text)
    assert read_fields["payer_name"] == name
    assert read_fields.get("payer_address") == address


def test_a_colon_misread_inside_a_street_name_is_no_clause() -> None:
    assert (
        extracted("Địa chỉ: Số 5 phố Trần Hưng: Đạo, Hà Nội")["payer_address"]
        == "Số 5 phố Trần Hưng Đạo, Hà Nội"
    )
