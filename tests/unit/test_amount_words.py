"""Amounts in Vietnamese words: accounting usage, and a parser that reads them back (OCR needs it)."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ereceipt.core.amount_words import LIMIT, amount_in_words, parse_amount_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (10, "Mười đồng"),
        (11, "Mười một đồng"),
        (14, "Mười bốn đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi tư đồng"),
        (25, "Hai mươi lăm đồng"),
        (105, "Một trăm linh năm đồng"),
        (1_005, "Một nghìn không trăm linh năm đồng"),
        (1_015_000, "Một triệu không trăm mười lăm nghìn đồng"),
        (1_000_000, "Một triệu đồng"),
        (2_000_005, "Hai triệu không trăm linh năm đồng"),
        (1_000_000_000, "Một tỷ đồng"),
        (1_000_000_000_000, "Một nghìn tỷ đồng"),
        (1_005_000_000_000, "Một nghìn không trăm linh năm tỷ đồng"),
        (25_500_000, "Hai mươi lăm triệu năm trăm nghìn đồng"),
    ],
)
def test_amounts_read_as_accountants_write_them(amount: int, words: str) -> None:
    assert amount_in_words(amount) == words


@given(st.integers(min_value=0, max_value=LIMIT - 1))
def test_words_parse_back_to_the_same_amount(amount: int) -> None:
    assert parse_amount_words(amount_in_words(amount)) == amount


@given(st.integers(min_value=0, max_value=LIMIT - 1))
def test_words_start_upper_case_and_end_in_dong(amount: int) -> None:
    words = amount_in_words(amount)
    assert words[0].isupper()
    assert words.endswith(" đồng")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("một triệu không trăm mười lăm ngàn đồng", 1_015_000),
        ("Một tỉ đồng chẵn", 1_000_000_000),
        ("Một trăm lẻ năm đồng", 105),
        ("MỘT TRĂM LINH NĂM ĐỒNG", 105),
        ("Bằng chữ: Hai mươi tư nghìn đồng./.", 24_000),
        ("Số tiền bằng chữ: Mười hai triệu năm trăm nghìn đồng", 12_500_000),
        ("Mười hai triệu năm trăm\nnghìn đồng", 12_500_000),
        ("hai mươi bốn", 24),
    ],
)
def test_parser_accepts_common_variants(text: str, amount: int) -> None:
    assert parse_amount_words(text) == amount


def test_parser_accepts_decomposed_unicode() -> None:
    assert parse_amount_words(unicodedata.normalize("NFD", "Một trăm linh năm đồng")) == 105


@pytest.mark.parametrize(("text", "named"), [("Một trăm linh nắm đồng", "nắm"), ("hai mươi xyz", "xyz")])
def test_parser_names_the_word_it_does_not_understand(text: str, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        parse_amount_words(text)


@pytest.mark.parametrize("text", ["", "đồng", "trăm trăm", "triệu đồng", "một triệu hai triệu"])
def test_parser_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount_words(text)


@pytest.mark.parametrize("amount", [1.0, True, "100"])
def test_only_int_amounts_are_written(amount) -> None:
    with pytest.raises(TypeError):
        amount_in_words(amount)


def test_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        amount_in_words(-1)
