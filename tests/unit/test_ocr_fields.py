"""Field extraction from OCR text: every extractor on snippets, including what Tesseract gets wrong."""

from __future__ import annotations

import pytest

from ereceipt.core.ocr import fields
from ereceipt.core.ocr.layout import Line, lines_of_text


def read(text: str, extractor):
    found = extractor(lines_of_text(text))
    return None if found is None else found.value


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Người nộp tiền: Nguyễn Văn An", "Nguyễn Văn An"),
        ("Họ và tên người nộp tiền: Trần Thị Bình", "Trần Thị Bình"),
        ("Tên đơn vị trả tiền: Công ty TNHH Minh Phát", "Công ty TNHH Minh Phát"),
        ("Điều 1. Cho thi hành án đối với: Ông/Bà Lê Văn Tám", "Lê Văn Tám"),
        ("Người nộp tiền:\t\tPhạm Thị Hoa", "Phạm Thị Hoa"),
    ],
)
def test_payer_name_after_its_label(text: str, name: str) -> None:
    assert read(text, fields.payer_name) == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Người nộp tiền: Nguy ễn Văn An", "Nguyễn Văn An"),
        ("Người nộp tiền: Ph ạm Thị Hoa", "Phạm Thị Hoa"),
        ("Người nộp tiền: Trầ n Văn Bình", "Trần Văn Bình"),
        ("Người nộp tiền: Ng uyễn Thị Lan", "Nguyễn Thị Lan"),
    ],
)
def test_payer_name_rejoins_syllables_tesseract_split(text: str, name: str) -> None:
    assert read(text, fields.payer_name) == name


def test_payer_name_wrapped_onto_the_next_line() -> None:
    text = "Cho thi hành án đối với: Ông/Bà Trần\nQuốc Hải\nSố định danh cá nhân: 074288610779"
    assert read(text, fields.payer_name) == "Trần Quốc Hải"


def test_signature_headings_are_not_a_name() -> None:
    assert read("Thủ trưởng\tKế toán\tNgười nộp tiền\tThủ quỹ", fields.payer_name) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Số CCCD: 001085012345", "001085012345"),
        ("Số CMND/CCCD: 123456789", "123456789"),
        ("Số định danh cá nhân: 079190004321", "079190004321"),
        ("Số CCCD: O0l085O12345", "001085012345"),
        ("Số CCCD: 001 085 012 345", "001085012345"),
    ],
)
def test_identity_number_of_12_or_9_digits_with_look_alike_letters_read_back(text: str, number: str) -> None:
    assert read(text, fields.payer_id_number) == number


def test_identity_number_of_another_length_is_left_empty() -> None:
    assert read("Số CCCD: 0010850123", fields.payer_id_number) is None


def test_address_after_the_payer_and_over_two_lines() -> None:
    text = (
        "Tên đơn vị trả tiền: Nguyễn Văn An\nĐịa chỉ: Số 12 ngõ 34 phố Đội Cấn,\nBa Đình, Hà Nội\n"
        "Tên đơn vị nhận tiền: Chi cục Thi hành án dân sự\nĐịa chỉ: Số 2 Phố Đội Cấn"
    )
    assert read(text, fields.payer_address) == "Số 12 ngõ 34 phố Đội Cấn, Ba Đình, Hà Nội"


@pytest.mark.parametrize(
    "text",
    [
        "Số tiền: 12.500.000",
        "Số tiền: 12,500,000",
        "Số tiền: 12500000 đ",
        "Số tiền bằng số: 12.500.000 VNĐ",
        "Phải nộp số tiền: 12 500 000 đồng",
        "Số tiền: 12.500.000,00 đ",
        "Số tiền: 12.5OO.OOO đ",
        "Số tiền: l2.500.000 đ",
    ],
)
def test_amount_in_digits_is_an_integer_of_dong(text: str) -> None:
    amount = read(text, fields.amount_vnd)
    assert amount == 12_500_000 and isinstance(amount, int)


def test_amount_label_in_words_is_not_the_amount_in_digits() -> None:
    assert read("Số tiền bằng chữ: Mười hai triệu đồng", fields.amount_vnd) is None


def test_amount_in_words_over_two_lines_is_read_back() -> None:
    words, said = fields.amount_in_words(
        lines_of_text("Số tiền bằng chữ: Mười hai triệu năm\ntrăm nghìn đồng\nNội dung: Nộp tiền")
    )
    assert words.value == "Mười hai triệu năm trăm nghìn đồng"
    assert said.value == 12_500_000


def test_amount_in_words_with_marks_misread_is_read_back() -> None:
    _, said = fields.amount_in_words(lines_of_text("Bằng chữ: Hai muoi lam trieu dong chan"))
    assert said.value == 25_000_000
    assert said.confidence < 1


def test_amount_in_words_inside_brackets_stops_at_the_bracket() -> None:
    text = "Phải nộp số tiền: 7.500.000 đồng (Bằng chữ: Bảy triệu năm trăm nghìn đồng). Điều 2"
    _words, said = fields.amount_in_words(lines_of_text(text))
    assert said.value == 7_500_000


def test_words_that_disagree_with_the_digits_are_flagged_and_both_kept() -> None:
    read_fields = fields.extract_fields(
        lines_of_text("Số tiền: 12.500.000 đ\nBằng chữ: Mười hai triệu không trăm năm mươi nghìn đồng")
    )
    assert read_fields.values["amount_vnd"] == 12_500_000
    assert read_fields.values["amount_words_vnd"] == 12_050_000
    assert any(warning.startswith("amount_mismatch") for warning in read_fields.warnings)
    assert read_fields.confidences["amount_vnd"] <= 0.3


def test_words_that_agree_with_the_digits_raise_confidence() -> None:
    read_fields = fields.extract_fields(
        lines_of_text("Số tiền: 12.500.000 đ\nBằng chữ: Mười hai triệu năm trăm nghìn đồng", confidence=0.8)
    )
    assert read_fields.confidences["amount_vnd"] > 0.95
    assert read_fields.warnings == []


def test_unreadable_words_are_a_warning_not_an_amount() -> None:
    read_fields = fields.extract_fields(lines_of_text("Bằng chữ: Mười hai triệu xyz đồng"))
    assert "amount_words_vnd" not in read_fields.values
    assert any(warning.startswith("amount_in_words_unreadable") for warning in read_fields.warnings)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Số: 123/QĐ-CCTHADS", "123/QĐ-CCTHADS"),
        ("theo Quyết định số 45/2025/QĐ-THADS ngày", "45/2025/QĐ-THADS"),
        ("Quyết định 45/2025/QD-THADS", "45/2025/QĐ-THADS"),
        ("Quyết định l23/QĐ-CCTHADS", "123/QĐ-CCTHADS"),
        ("Quyết định 46/20 24/QĐ-THADS", "46/2024/QĐ-THADS"),
        ("Quyết định 88/QĐÐ-CTHADS", None),  # Ð is cleaned by the layout (see test_ocr_layout)
    ],
)
def test_decision_number(text: str, number: str | None) -> None:
    assert read(text, fields.decision_number) == number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Căn cứ Bản án số 12/2024/DS-PT ngày", "12/2024/DS-PT"),
        ("Bản án số 45/2024/KDTM-ST", "45/2024/KDTM-ST"),
        ("Bản án số 7/2O23/HNGĐ-PT", "7/2023/HNGĐ-PT"),
        ("Số: 45/2025/QĐ-THADS", None),
    ],
)
def test_judgment_number(text: str, number: str | None) -> None:
    assert read(text, fields.judgment_number) == number


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Mã thanh toán: THA2501", "THA2501"),
        ("Mã hồ sơ thi hành án: THA25O1", "THA2501"),
        ("Mã THA: THA2501", "THA2501"),
        ("Nội dung: Nộp tiền thi hành án dân sự mã THA6315", "THA6315"),
        ("Nộp THA2501\nNộp THA2502", None),
        ("Nộp THA25", None),
    ],
)
def test_case_payment_code_after_its_label_or_by_its_shape(text: str, code: str | None) -> None:
    """Without a label the code is read by its shape, inside the content too; two different codes
    on the page are no reading."""
    assert read(text, fields.case_payment_code) == code


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Ngày: 05/03/2025", "2025-03-05"),
        ("Hà Nội, ngày 05 tháng 03 năm 2025", "2025-03-05"),
        ("Ngay 5 thang 3 nam 2O25", "2025-03-05"),
        ("Căn cứ Bản án số 12/2024/DS-PT ngày 10 tháng 01 năm 2024\nNgày 05 tháng 03 năm 2025", "2025-03-05"),
        ("Ngày: 31/02/2025", None),
    ],
)
def test_document_date(text: str, day: str | None) -> None:
    assert read(text, fields.document_date) == day


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("Số tham chiếu: FT25064123456", "FT25064123456"),
        ("Mã giao dịch: FT2506412345O", "FT25064123450"),
        ("Số tham chiếu: 12", None),
    ],
)
def test_bank_reference(text: str, reference: str | None) -> None:
    assert read(text, fields.bank_reference) == reference


def test_purpose_runs_on_until_the_next_label() -> None:
    text = "Nội dung: Nộp tiền thi hành án theo Quyết định\nsố 123/QĐ-CCTHADS\nSố tham chiếu: FT25064123456"
    assert read(text, fields.purpose) == "Nộp tiền thi hành án theo Quyết định số 123/QĐ-CCTHADS"


def test_fields_not_on_the_document_stay_empty() -> None:
    read_fields = fields.extract_fields(lines_of_text("PHIẾU THU\nNgười nộp tiền: Nguyễn Văn An"))
    assert read_fields.values == {"payer_name": "Nguyễn Văn An"}
    assert set(read_fields.confidences) == {"payer_name"}


def test_confidence_falls_with_each_letter_read_as_a_digit() -> None:
    clean = fields.payer_id_number(lines_of_text("Số CCCD: 001085012345"))
    repaired = fields.payer_id_number(lines_of_text("Số CCCD: O0l085012345"))
    assert repaired.confidence < clean.confidence


def test_specks_read_as_characters_at_the_end_of_a_value_are_dropped() -> None:
    line = Line("Địa chỉ: Số 12 phố Huế, Hà Nội ố :", (0.95,) * 31 + (0.3,) * 4, top=0, height=30)
    assert fields.payer_address([line]).value == "Số 12 phố Huế, Hà Nội"


def test_a_short_word_read_with_confidence_is_kept() -> None:
    assert read("Nội dung: Nộp tiền thi hành án", fields.purpose) == "Nộp tiền thi hành án"


def test_spaces_tesseract_puts_around_the_dash_of_a_decision_number_are_taken_out() -> None:
    text = "Nội dung: Nộp tiền theo Quyết định số 21/2024/QĐ -THADS mã THA3641"
    assert read(text, fields.purpose) == "Nộp tiền theo Quyết định số 21/2024/QĐ-THADS mã THA3641"


def test_a_space_after_a_group_separator_is_still_one_amount() -> None:
    assert read("Số tiền: 36. 410.000 đ", fields.amount_vnd) == 36_410_000


def grouping_warnings(read_fields: fields.ExtractedFields) -> list[str]:
    return [warning for warning in read_fields.warnings if warning.startswith("amount_grouping_ambiguous")]


@pytest.mark.parametrize("written", ["1.000", "1,000", "25.000"])
def test_a_lone_separator_the_document_does_not_settle_is_read_as_grouping_and_flagged(written: str) -> None:
    read_fields = fields.extract_fields(lines_of_text(f"Số tiền: {written} đ"))
    assert read_fields.values["amount_vnd"] == int(written.replace(".", "").replace(",", ""))
    (warning,) = grouping_warnings(read_fields)
    assert repr(written) in warning and "check it" in warning
    assert read_fields.confidences["amount_vnd"] <= 0.3


@pytest.mark.parametrize(
    "other_number", ["Số dư: 12.500.000 đ", "Phí: 1.000,00 đ"], ids=["dots group", "comma is the point"]
)
def test_a_document_that_groups_with_dots_reads_1_000_as_a_thousand_without_a_warning(
    other_number: str,
) -> None:
    read_fields = fields.extract_fields(lines_of_text(f"Số tiền: 1.000 đ\n{other_number}"))
    assert read_fields.values["amount_vnd"] == 1000
    assert grouping_warnings(read_fields) == []


def test_a_document_that_groups_with_commas_reads_1_000_as_a_thousand_without_a_warning() -> None:
    read_fields = fields.extract_fields(lines_of_text("Số dư: 12,500,000 VND\nSố tiền: 1,000 đ"))
    assert read_fields.values["amount_vnd"] == 1000
    assert grouping_warnings(read_fields) == []


def test_a_separator_the_document_uses_as_its_decimal_point_is_never_one_dong_silently() -> None:
    read_fields = fields.extract_fields(lines_of_text("Số tiền: 1.000 đ\nSố dư: 12,500,000 VND"))
    assert read_fields.values["amount_vnd"] == 1
    (warning,) = grouping_warnings(read_fields)
    assert "groups thousands with ','" in warning
    assert read_fields.confidences["amount_vnd"] <= 0.3


def test_words_that_agree_settle_a_lone_separator() -> None:
    read_fields = fields.extract_fields(lines_of_text("Số tiền: 1.000 đ\nBằng chữ: Một nghìn đồng"))
    assert read_fields.values["amount_vnd"] == read_fields.values["amount_words_vnd"] == 1000
    assert read_fields.warnings == []


def test_words_that_disagree_with_a_lone_separator_are_flagged() -> None:
    read_fields = fields.extract_fields(lines_of_text("Số tiền: 1.000 đ\nBằng chữ: Một đồng"))
    assert any(warning.startswith("amount_mismatch") for warning in read_fields.warnings)
    assert read_fields.confidences["amount_vnd"] <= 0.3


@pytest.mark.parametrize("written", ["1,5 triệu", "12.500.000,50", "1.000,000.000", "1e3", "1_000"])
def test_digits_that_are_not_whole_dong_as_printed_are_no_amount(written: str) -> None:
    assert read(f"Số tiền: {written} đ", fields.amount_vnd) is None


def test_amount_in_words_with_a_letter_misread_is_written_as_it_should_be() -> None:
    words, said = fields.amount_in_words(lines_of_text("Bằng chữ: Hai mươi lãm nghìn đŨNG"))
    assert (words.value, said.value) == ("Hai mươi lăm nghìn đồng", 25_000)
    assert said.confidence < 0.9


def test_a_row_of_specks_below_a_value_is_not_part_of_it() -> None:
    lines = [
        Line("Địa chỉ: Số 12 phố Huế,", (0.95,) * 23, top=0, height=30),
        Line("- ~", (0.2,) * 3, top=40, height=30),
        Line("Hà Nội", (0.95,) * 6, top=80, height=30),
    ]
    assert fields.payer_address(lines).value == "Số 12 phố Huế, Hà Nội"


@pytest.mark.parametrize(
    "words",
    ["Bảy mươi mốt triệu đồng", "Hai mươi tư nghìn đồng", "Mười lăm nghìn đồng", "Một trăm linh một đồng"],
)
def test_amount_in_words_read_right_is_kept_as_written(words: str) -> None:
    assert fields.amount_in_words(lines_of_text(f"Bằng chữ: {words}"))[0].value == words


def test_a_day_read_as_letters_is_a_day() -> None:
    assert read("Ngày II tháng 09 năm 2023", fields.document_date) == "2023-09-11"


def test_an_address_loses_the_colons_and_missing_spaces_ocr_put_in() -> None:
    assert read("Địa chỉ: Số 5 phố Trần Hưng: Đạo, Quận 1,TP. Hồ Chí Minh", fields.payer_address) == (
        "Số 5 phố Trần Hưng Đạo, Quận 1, TP. Hồ Chí Minh"
    )
