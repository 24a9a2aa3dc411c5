"""Forms worded and arranged otherwise: other dates on the page, a label's own "số", rows cut by skew,
misread form words, several amounts, labels in short forms; and no field read that the page lacks."""

from __future__ import annotations

import pytest

from ereceipt.core.ocr.fields import extract_fields
from ereceipt.core.ocr.layout import Line, lines_of_text
from ereceipt.core.ocr.repair import form_words


def extracted(text: str) -> dict:
    return extract_fields(lines_of_text(text)).values


# Dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "Hà Nội, ngày 5 tháng 3 năm 2026",
        "Ngày: 05/03/2026",
        "Ngày lập\n5-3-2026",
        "ngày 05 tháng 03 năm 2026",
    ],
)
def test_the_document_date_is_read_in_every_way_forms_write_it(written: str) -> None:
    assert extracted(f"Người nộp: Lê Văn An\n{written}\n")["document_date"] == "2026-03-05"


def test_an_identity_papers_date_of_issue_is_not_the_documents_date() -> None:
    read = extracted(
        "Số CMND/CCCD: 029362108652\tNgày cấp: 21/07/2022\nSố tiền\tNgày lập\n83580000 đ\t21-6-2023\n"
    )
    assert read["document_date"] == "2023-06-21"
    assert read["payer_id_number"] == "029362108652"


def test_a_birth_date_is_not_the_documents_date_and_alone_gives_none() -> None:
    read = extracted("Họ tên: Lê Văn An, sinh ngày 01 tháng 02 năm 1980\nSố tiền: 500.000 đ\n")
    assert "document_date" not in read


# Labels ------------------------------------------------------------------------------------------


def test_a_labels_own_number_word_does_not_hide_the_value_in_the_next_cell() -> None:
    assert extracted("CCCD số\t040163043324\n")["payer_id_number"] == "040163043324"
    assert extracted("Số CMND số:\t040163043324\n")["payer_id_number"] == "040163043324"


@pytest.mark.parametrize(
    ("label", "field", "value"),
    [
        ("Đơn vị nộp:", "payer_name", "Công ty TNHH Minh Phát"),
        ("Tên đơn vị nộp tiền:", "payer_name", "Công ty TNHH Minh Phát"),
        ("Thường trú:", "payer_address", "Số 5 phố Kim Mã, Ba Đình, Hà Nội"),
        ("Nơi thường trú:", "payer_address", "Số 5 phố Kim Mã, Ba Đình, Hà Nội"),
    ],
)
def test_short_forms_of_labels_are_known(label: str, field: str, value: str) -> None:
    assert extracted(f"{label} {value}\n")[field] == value


def test_two_fields_on_one_line_each_after_its_label() -> None:
    read = extracted(
        "Họ tên:\tHồ Đức Sơn\tSố định danh cá nhân:\t014350575661\n"
        "Địa chỉ: Số 290 ngõ 63 phố Hoàng Quốc Việt, Ninh Kiều,\nCần Thơ\n"
    )
    assert read["payer_name"] == "Hồ Đức Sơn"
    assert read["payer_id_number"] == "014350575661"
    assert read["payer_address"] == "Số 290 ngõ 63 phố Hoàng Quốc Việt, Ninh Kiều, Cần Thơ"


# A table row cut in two lines by skew ------------------------------------------------------------


def _line(text: str, top: int, left: int = 0) -> Line:
    return Line(
        text, (0.95,) * len(text), top=top, height=30, lefts=tuple(left + 15 * i for i in range(len(text)))
    )


def test_a_row_photographed_askew_pairs_the_label_with_the_cell_just_lower_on_its_right() -> None:
    lines = [
        _line("Người nộp", 100, left=50),
        _line("Huỳnh Quốc Phúc", 120, left=800),
        _line("Số tiền", 220, left=50),
        _line("16,030,000", 242, left=800),
    ]
    read = extract_fields(lines).values
    assert read["payer_name"] == "Huỳnh Quốc Phúc"
    assert read["amount_vnd"] == 16_030_000


def test_a_value_a_full_line_lower_and_far_right_is_not_paired() -> None:
    lines = [_line("Người nộp", 100, left=50), _line("Huỳnh Quốc Phúc", 170, left=800)]
    assert "payer_name" not in extract_fields(lines).values


# Amounts -----------------------------------------------------------------------------------------


def test_of_an_items_row_and_its_total_the_one_the_words_say_is_taken() -> None:
    read = extracted(
        "STT\tNội dung\tSố tiền\n1\tTiền thi hành án mã THA24908\t94,794,000\n"
        "Tổng cộng\t84,794,000\nViết bằng chữ: Tám mươi tư triệu bảy trăm chín mươi tư nghìn đồng\n"
    )
    assert read["amount_vnd"] == read["amount_words_vnd"] == 84_794_000


@pytest.mark.parametrize(
    "written", ["22.549.000 VNĐ", "22,549,000đ", "22 549 000 đồng", "22549000", "22549000 đ"]
)
def test_amounts_with_any_grouping_and_suffix(written: str) -> None:
    assert extracted(f"Số tiền bằng số: {written}\n")["amount_vnd"] == 22_549_000


# Free text ---------------------------------------------------------------------------------------


def test_form_words_misread_in_their_marks_are_put_back_beside_a_neighbour_that_settles_them() -> None:
    assert form_words("Nộp tiên thi hành án dân Sự") == ("Nộp tiền thi hành án dân sự", 2)
    assert form_words("Tiên thi hành án mã THA9903") == ("Tiền thi hành án mã THA9903", 1)
    assert form_words("Số 5 phố Tiên Du, Bắc Ninh") == ("Số 5 phố Tiên Du, Bắc Ninh", 0)


def test_the_purpose_is_read_with_its_form_words_restored() -> None:
    read = extracted("Lý do nộp: Thu tiên thi hành án theo Quyết định số 110/2024/QĐ-THADS\n")
    assert read["purpose"] == "Thu tiền thi hành án theo Quyết định số 110/2024/QĐ-THADS"


def test_decision_and_judgment_numbers_inside_one_sentence_are_told_apart() -> None:
    read = extracted("Căn cứ Bản án số 46/2022/HNGĐ-PT và Quyết định số 339/2023/QĐ-THADS;\n")
    assert read["judgment_number"] == "46/2022/HNGĐ-PT"
    assert read["decision_number"] == "339/2023/QĐ-THADS"


def test_a_slip_without_code_reference_or_judgment_reads_none_of_them() -> None:
    read = extracted(
        "GIẤY NỘP TIỀN MẶT VÀO TÀI KHOẢN\nNgày 5 tháng 3 năm 2026\nTổng cộng: 92.503.000 đồng\n"
        "Bằng chữ: Chín mươi hai triệu năm trăm linh ba nghìn đồng\nTên người nộp tiền:\n Võ Văn Cường\n"
        "Nộp vào tài khoản: 3712345678901 của Chi cục Thi hành án dân sự quận Ba Đình\n"
        "Nội dung nộp: Nộp tiền thi hành án theo QĐ số 618/QĐ-CCTHADS\n"
    )
    assert read["payer_name"] == "Võ Văn Cường"
    assert read["decision_number"] == "618/QĐ-CCTHADS"
    assert not {"case_payment_code", "bank_reference", "judgment_number", "payer_id_number"} & set(read)


def test_an_amount_whose_label_was_not_paired_is_taken_when_the_words_confirm_it() -> None:
    read = extracted(
        "Tiền thi hành án mã THA5978\n88.400.000 đ\nTổng cộng\n\n\n\n\t\t\t88.400.000 đ\n"
        "Bằng chữ: Tám mươi tám triệu bốn trăm nghìn đồng\n"
    )
    assert read["amount_vnd"] == read["amount_words_vnd"] == 88_400_000


def test_an_unpaired_amount_the_words_contradict_is_not_taken() -> None:
    read = extracted("Tổng cộng\n\n\n\n\t\t\t88.400.000 đ\nBằng chữ: Tám mươi tám triệu đồng\n")
    assert "amount_vnd" not in read


def test_amount_words_run_on_past_a_column_of_specks() -> None:
    read = extracted("Viết bằng chữ\tMười sáu triệu không trăm ba mươi nghìn\n\tđồng\t|\n")
    assert read["amount_in_words"] == "Mười sáu triệu không trăm ba mươi nghìn đồng"


def test_an_address_goes_on_only_with_the_parts_of_an_address() -> None:
    read = extracted(
        "Địa chỉ: Số230 đường Điện Biên Phủ, Hoàn Kiếm. Hà Nội\ncủa Chi cục Thi hành án dân sự quận Ba Đình\n"
    )
    assert read["payer_address"] == "Số 230 đường Điện Biên Phủ, Hoàn Kiếm, Hà Nội"
    wrapped = extracted("Nơi cư trú: Số 176 đường Hoàng Quốc Việt, Quận 1, TP. Hồ\nChí Minh\n")
    assert wrapped["payer_address"] == "Số 176 đường Hoàng Quốc Việt, Quận 1, TP. Hồ Chí Minh"


def test_a_case_code_cut_in_two_in_the_content_is_joined() -> None:
    read = extracted("Nội dung: Nộp tiền THA khoản phải thi hành mã hồ sơ THA 3194\n")
    assert read["purpose"] == "Nộp tiền THA khoản phải thi hành mã hồ sơ THA3194"
    assert read["case_payment_code"] == "THA3194"


def test_a_misread_labelled_amount_gives_way_to_one_the_words_confirm() -> None:
    read = extracted(
        "Số tiền: 27 ,\n\t\t27,581,000 VNĐ\nBằng chữ: Hai mươi bảy triệu năm trăm tám mươi mốt nghìn đồng\n"
    )
    assert read["amount_vnd"] == 27_581_000


def test_words_of_a_line_photographed_askew_stay_one_line() -> None:
    """Three rows, each falling 8 px per 100 px to the right: the words of each stay one line."""
    from ereceipt.core.ocr.layout import lines_of_pages
    from ereceipt.core.ocr.port import Page, Word

    words = []
    for row, (label, value) in enumerate((("Người", "Phúc"), ("Số", "16,030,000"), ("Bằng", "chữ"))):
        for column, text in enumerate((label, "nộp", "x", "y", value)):
            left = 100 + column * 130
            words.append(Word(text, left, 300 + row * 120 + left * 8 // 100, 100, 30, 0.95))
    lines = lines_of_pages([Page(1, 2000, 1000, tuple(words))])
    assert [line.text.split("\t")[0].split()[0] for line in lines] == ["Người", "Số", "Bằng"]
    assert len(lines) == 3
