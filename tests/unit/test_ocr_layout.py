"""Lines from OCR word boxes; repairs of Tesseract's usual misreadings; amounts in words and digits."""

from __future__ import annotations

import pytest

from ereceipt.core.ocr.amounts import amount_of_digits, amount_of_words
from ereceipt.core.ocr.fields import extract_fields
from ereceipt.core.ocr.layout import lines_of_pages
from ereceipt.core.ocr.port import Page, Word
from ereceipt.core.ocr.repair import cleaned, digits, fold, joined_syllables


def word(text: str, left: int, top: int = 100, width: int | None = None, confidence: float = 0.9) -> Word:
    return Word(text, left, top, width or 20 * len(text), 40, confidence)


def test_words_on_one_row_make_one_line_in_reading_order() -> None:
    page = Page(1, 2000, 1000, (word("An", 400), word("Văn", 300, top=104), word("Nguyễn", 100, top=96)))
    assert [line.text for line in lines_of_pages([page])] == ["Nguyễn Văn An"]


def test_rows_are_read_top_to_bottom() -> None:
    page = Page(1, 2000, 1000, (word("second", 100, top=200), word("first", 100, top=100)))
    assert [line.text for line in lines_of_pages([page])] == ["first", "second"]


def test_a_wide_gap_is_a_tab_between_columns() -> None:
    page = Page(1, 2000, 1000, (word("Số:", 100), word("UNC0045", 170), word("Ngày:", 1200)))
    assert lines_of_pages([page])[0].text == "Số: UNC0045\tNgày:"


def test_a_syllable_split_in_two_by_a_hairline_gap_is_joined() -> None:
    page = Page(1, 2000, 1000, (word("Nguy", 100, width=80), word("ễn", 182), word("Văn", 300)))
    assert lines_of_pages([page])[0].text == "Nguyễn Văn"


def test_two_close_words_that_are_both_syllables_stay_apart() -> None:
    page = Page(1, 2000, 1000, (word("phố", 100, width=60), word("Lê", 162)))
    assert lines_of_pages([page])[0].text == "phố Lê"


def test_each_character_keeps_its_words_confidence() -> None:
    page = Page(1, 2000, 1000, (word("Số", 100, confidence=0.5), word("12", 160, confidence=1.0)))
    line = lines_of_pages([page])[0]
    assert line.confidence(0, 2) == 0.5 and line.confidence(3, 5) == 1.0


def test_the_icelandic_eth_tesseract_reads_for_d_with_stroke_is_cleaned() -> None:
    page = Page(1, 2000, 1000, (word("Quyết", 100), word("định", 220), word("88/QĐÐ-CTHADS", 330)))
    assert extract_fields(lines_of_pages([page])).values["decision_number"] == "88/QĐ-CTHADS"
    assert cleaned("ÐỘI") == "ĐỘI"


def test_fold_keeps_positions() -> None:
    assert fold("Số tiền BẰNG CHỮ: Đồng") == "so tien bang chu: dong"
    assert len(fold("Nguyễn")) == len("Nguyễn")


@pytest.mark.parametrize(
    ("token", "fixed", "changes"),
    [
        ("12.5OO.OOO", "12.500.000", 5),
        ("l2/2O24", "12/2024", 2),
        ("THA25O1", "THA25O1", 0),
        ("Nguyễn", "Nguyễn", 0),
    ],
)
def test_look_alike_letters_become_digits_only_inside_numbers(token: str, fixed: str, changes: int) -> None:
    assert digits(token) == (fixed, changes)


def test_company_names_are_not_joined() -> None:
    assert joined_syllables(["Công", "ty", "TNHH", "Minh", "Phát"]) == (
        ["Công", "ty", "TNHH", "Minh", "Phát"],
        0,
    )


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Một tỷ không trăm mười lăm triệu đồng chẵn", 1_015_000_000),
        ("một trăm linh năm đồng", 105),
        ("Hai mươi mốt nghìn đồng", 21_000),
        ("Mot trieu khong tram muoi lam nghin dong", 1_015_000),
        ("Nguyễn Văn An", None),
    ],
)
def test_amount_of_words(text: str, amount: int | None) -> None:
    found = amount_of_words(text)
    assert (found[0] if found else None) == amount


def test_amount_of_digits_is_never_a_float() -> None:
    found = amount_of_digits("là 1.015.000 đồng")
    assert (found.amount, found.start, found.end) == (1_015_000, 3, 12) and type(found.amount) is int
