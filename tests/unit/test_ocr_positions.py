"""Layout-independent extraction: labels by similarity, values by position and by their own shape.

Lines are built from plain text (``lines_of_text``): a tab starts the next column of 40 characters,
so a value written under its label in the same column stands below it, as in a form of boxes.
"""

from __future__ import annotations

import pytest

from ereceipt.core.ocr import fields, vocabulary
from ereceipt.core.ocr.fields import extract_fields
from ereceipt.core.ocr.layout import lines_of_text


def extracted(text: str) -> dict:
    return extract_fields(lines_of_text(text)).values


# Position pairing ---------------------------------------------------------------------------------


def test_values_printed_below_their_labels_in_boxes_are_paired_by_column() -> None:
    text = (
        "Căn cứ QĐ số\tHọ và tên\n"
        "962/QĐ-CCTHADS\tHồ Xuân Khánh\n"
        "Số giấy tờ tùy thân\tSố GD\n"
        "009357444189\tFT23290731543\n"
        "Số tiền nộp\tTài khoản nhận\n"
        "87 164 000 đồng\t4998189256863\n"
    )
    read = extracted(text)
    assert read["payer_name"] == "Hồ Xuân Khánh"
    assert read["payer_id_number"] == "009357444189"
    assert read["bank_reference"] == "FT23290731543"
    assert read["decision_number"] == "962/QĐ-CCTHADS"
    assert read["amount_vnd"] == 87_164_000


def test_a_table_row_pairs_a_label_without_colon_with_the_next_cell() -> None:
    read = extracted(
        "Khách hàng\tHuỳnh Minh Việt\nNơi cư trú\tSố 242 phố Trần Hưng Đạo, Ba Đình, Hà Nội\n"
        "Số tiền thu\t1 897 472 000 VNĐ\n"
    )
    assert read["payer_name"] == "Huỳnh Minh Việt"
    assert read["payer_address"] == "Số 242 phố Trần Hưng Đạo, Ba Đình, Hà Nội"
    assert read["amount_vnd"] == 1_897_472_000


def test_a_signature_row_is_no_value_of_the_label_beside_it() -> None:
    """ "Người nộp tiren" above a signature: the next cell is another title, and the line below a note."""
    read = extracted("Người nộp tiền\tThủ quỹ\tKế toán\n(Ký, họ tên)\n")
    assert "payer_name" not in read


def test_a_value_far_from_under_its_label_is_not_paired() -> None:
    read = extracted("Họ và tên\n\t\t\tNguyễn Văn An\n")
    assert "payer_name" not in read


# Label similarity ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label",
    [
        "Họ tên người nộp:",
        "Người nộp:",
        "Tên người nộp tiền:",
        "Khách hàng:",
        "Họ và tên:",
        "Ho tèn nguòi nôp tiền:",  # marks misread
        "Họ tên ngưởi nộp tlền:",  # a letter misread
    ],
)
def test_name_labels_are_matched_by_synonym_and_similarity(label: str) -> None:
    assert extracted(f"{label} Trần Thị Bình")["payer_name"] == "Trần Thị Bình"


def test_similarity_is_diacritic_insensitive_and_refuses_other_words() -> None:
    assert vocabulary.similarity("so tien", "so tien") == 1.0
    assert vocabulary.similarity("so tlen", "so tien") >= vocabulary.SIMILARITY
    assert vocabulary.similarity("ten", "tien") == 0.0  # too short to be matched loosely
    assert vocabulary.similarity("so tai khoan", "so tien") < vocabulary.SIMILARITY


def test_a_similarity_floor_cuts_off_only_pairs_below_it() -> None:
    """The floor lets ``label_matches`` skip the full comparison; scores that reach it are unchanged."""
    alike = vocabulary.similarity("ho ten nguoi nop", "ho ten nguoi nop tien")
    assert vocabulary.similarity("ho ten nguoi nop", "ho ten nguoi nop tien", vocabulary.SIMILARITY) == alike
    assert vocabulary.similarity("so tai khoan", "so tien bang so", vocabulary.SIMILARITY) == 0.0


def test_the_longer_label_of_another_field_wins_where_they_overlap() -> None:
    matches = vocabulary.label_matches("Số tiền bằng chữ: Một nghìn đồng")
    assert [match.field for match in matches] == ["amount_in_words"]


def test_a_label_does_not_run_past_its_colon() -> None:
    """ "Nội dung: Nộp tiền ..." is the label "Nội dung", not "nội dung nộp tiền"."""
    assert extracted("Nội dung: Nộp tiền thi hành án")["purpose"] == "Nộp tiền thi hành án"


# Value shapes -------------------------------------------------------------------------------------


def test_a_citizen_id_is_read_by_its_shape_without_a_label() -> None:
    read = extracted("Ông Nguyễn Văn An, 001085012345, nộp tiền thi hành án\nSố tài khoản: 012345678901\n")
    assert read["payer_id_number"] == "001085012345"


@pytest.mark.parametrize(
    "text",
    [
        "Số tài khoản: 001085012345",  # an account, not an identity
        "Ghi chú 001085012345 và 002190004321",  # two of them: which one?
        "Mã 991085012345",  # no province 991
        "Số 0010850123456",  # 13 digits
    ],
)
def test_no_identity_number_is_invented_from_other_numbers(text: str) -> None:
    assert "payer_id_number" not in extracted(text)


def test_the_case_code_is_read_inside_the_content() -> None:
    read = extracted("Diễn giải: Nộp tiền thi hành án dân sự mã THA6315")
    assert read["case_payment_code"] == "THA6315"
    assert read["purpose"] == "Nộp tiền thi hành án dân sự mã THA6315"


def test_an_amount_with_its_currency_is_read_without_a_label() -> None:
    assert extracted("Nộp 1.015.000 đ tiền thi hành án")["amount_vnd"] == 1_015_000
    assert "amount_vnd" not in extracted("Nộp 1.015.000 đ, hoàn 15.000 đ")  # two amounts: no guess


def test_a_decision_number_with_its_year_and_a_lost_slash() -> None:
    assert extracted("QĐ thi hành án\n119/2026QĐ-THADS")["decision_number"] == "119/2026/QĐ-THADS"


def test_a_decision_number_read_with_a_fraction_slash() -> None:
    from ereceipt.core.ocr.layout import lines_of_pages
    from ereceipt.core.ocr.port import Page, Word

    words = (Word("Số:", 0, 0, 60, 30, 0.95), Word("395⁄QĐ-CCTHADS", 80, 0, 300, 30, 0.95))
    lines = lines_of_pages([Page(1, 1000, 100, words)])
    assert fields.decision_number(lines).value == "395/QĐ-CCTHADS"


def test_an_address_is_read_by_its_shape_when_its_label_was_misread() -> None:
    read = extracted("Người nộp tiền: Lê Văn Đức\nSố 25 đường Điện Biên Phủ, Hải Châu, Đà Nẵng\n")
    assert read["payer_address"] == "Số 25 đường Điện Biên Phủ, Hải Châu, Đà Nẵng"


def test_an_address_shape_outside_the_payers_block_is_not_the_payers() -> None:
    """The agency's address under its name in the heading, and an address far below the payer."""
    heading = "CHI CỤC THI HÀNH ÁN DÂN SỰ QUẬN BA ĐÌNH\nSố 5 phố Huế, Hoàn Kiếm, Hà Nội\n"
    assert "payer_address" not in extracted(heading + "Người nộp tiền: Lê Văn Đức\n")
    far = "Người nộp tiền: Lê Văn Đức\nSố tiền: 100.000 đ\nNgày 05/03/2026\nKý tên\nGhi chú\n"
    assert "payer_address" not in extracted(far + "Số 5 phố Huế, Hoàn Kiếm, Hà Nội\n")


def test_an_address_below_the_payees_label_is_not_the_payers() -> None:
    read = extracted(
        "Người trả tiền: Trần Văn Bình\nSố tài khoản: 0123456789\n"
        "Người hưởng: Chi cục Thi hành án dân sự quận Ba Đình\nĐịa chỉ: Số 5 phố Huế, Hà Nội\n"
    )
    assert read["payer_name"] == "Trần Văn Bình"
    assert "payer_address" not in read


def test_an_address_below_the_payers_label_after_the_payee_is_the_payers() -> None:
    read = extracted(
        "Đơn vị nhận tiền: Chi cục Thi hành án dân sự quận Ba Đình\n"
        "Người nộp tiền: Trần Văn Bình\nĐịa chỉ: Số 5 phố Huế, Hà Nội\n"
    )
    assert read["payer_address"] == "Số 5 phố Huế, Hà Nội"


# Inline fields ------------------------------------------------------------------------------------


def test_identity_number_and_address_in_one_sentence() -> None:
    read = extracted(
        "Người nộp: Hồ Ngọc Hải\n"
        "CCCD số: 011380109356, cư trú tại: Số 72 phố Điện Biên Phủ, Lê Chân, Hải Phòng\n"
    )
    assert read["payer_name"] == "Hồ Ngọc Hải"
    assert read["payer_id_number"] == "011380109356"
    assert read["payer_address"] == "Số 72 phố Điện Biên Phủ, Lê Chân, Hải Phòng"


def test_two_fields_on_one_line_separated_by_a_gap() -> None:
    read = extracted("Người nộp tiền: Lê Văn Tám\tSố CCCD: 079190004321")
    assert read["payer_name"] == "Lê Văn Tám"
    assert read["payer_id_number"] == "079190004321"


# Grouping styles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["1.015.000 đ", "1,015,000 VND", "1 015 000 đồng", "1015000 VNĐ", "1.015.000,00 đ", "1,015,000.00"],
)
def test_amounts_are_read_with_the_grouping_the_document_prints(written: str) -> None:
    read = extract_fields(lines_of_text(f"Số tiền nộp: {written}\nBằng chữ: Một triệu mười lăm nghìn đồng"))
    assert read.values["amount_vnd"] == 1_015_000
    assert read.warnings == []


def test_digits_that_disagree_with_the_words_are_flagged() -> None:
    read = extract_fields(lines_of_text("Tổng số tiền: 1 015 000 đ\nViết bằng chữ: Một triệu năm nghìn đồng"))
    assert read.values["amount_vnd"] == 1_015_000 and read.values["amount_words_vnd"] == 1_005_000
    assert [warning.split(":")[0] for warning in read.warnings] == ["amount_mismatch"]
    assert read.confidences["amount_vnd"] <= fields.CHECK_CONFIDENCE


def test_a_lone_separator_is_settled_by_the_documents_own_grouping() -> None:
    """The document groups with commas (1,015,000): its "1.500" is one and a half, not an amount."""
    read = extract_fields(lines_of_text("Phí: 1,015,000 đ\nSố tiền: 1.500 đ"))
    assert "amount_vnd" not in read.values or read.warnings
