"""Amounts in Vietnamese words: accounting usage when writing, and a parser that reads them back for OCR."""

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ereceipt.core.amount_words import LIMIT, amount_in_words, parse_amount_words

amounts = st.integers(min_value=0, max_value=10**18 - 1)
# Few non-zero digits give the zero tens, zero hundreds and all-zero groups that uniform integers rarely hit.
sparse_amounts = st.lists(st.tuples(st.integers(0, 17), st.integers(1, 9)), max_size=4).map(
    lambda digits: sum(digit * 10**place for place, digit in dict(digits).items())
)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (5, "Năm đồng"),
        (10, "Mười đồng"),
        (11, "Mười một đồng"),
        (14, "Mười bốn đồng"),
        (15, "Mười lăm đồng"),
        (20, "Hai mươi đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi tư đồng"),
        (25, "Hai mươi lăm đồng"),
        (105, "Một trăm linh năm đồng"),
        (114, "Một trăm mười bốn đồng"),
        (1_005, "Một nghìn không trăm linh năm đồng"),
        (1_015_000, "Một triệu không trăm mười lăm nghìn đồng"),
        (1_000_000, "Một triệu đồng"),
        (2_000_005, "Hai triệu không trăm linh năm đồng"),
        (25_500_000, "Hai mươi lăm triệu năm trăm nghìn đồng"),
        (1_000_000_000, "Một tỷ đồng"),
        (1_000_050_000, "Một tỷ không trăm năm mươi nghìn đồng"),
        (1_000_000_000_000, "Một nghìn tỷ đồng"),
        (1_005_000_000_000, "Một nghìn không trăm linh năm tỷ đồng"),
        (10**15, "Một triệu tỷ đồng"),
        (10**18, "Một tỷ tỷ đồng"),
    ],
)
def test_amounts_are_written_as_accountants_write_them(amount: int, words: str) -> None:
    assert amount_in_words(amount) == words


@given(st.one_of(amounts, sparse_amounts))
def test_words_parse_back_to_the_same_amount(amount: int) -> None:
    assert parse_amount_words(amount_in_words(amount)) == amount


@given(st.integers(min_value=0, max_value=LIMIT - 1))
def test_words_parse_back_up_to_the_limit(amount: int) -> None:
    assert parse_amount_words(amount_in_words(amount)) == amount


@given(st.one_of(amounts, sparse_amounts))
def test_words_start_upper_case_and_end_in_dong(amount: int) -> None:
    words = amount_in_words(amount)
    assert words[0].isupper()
    assert words.endswith(" đồng")


@given(sparse_amounts)
def test_words_are_nfc_with_single_spaces(amount: int) -> None:
    words = amount_in_words(amount)
    assert unicodedata.is_normalized("NFC", words)
    assert words == " ".join(words.split())


@given(sparse_amounts)
def test_parser_ignores_case_and_unicode_form(amount: int) -> None:
    words = amount_in_words(amount)
    assert parse_amount_words(unicodedata.normalize("NFD", words.upper())) == amount


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("một triệu không trăm mười lăm ngàn đồng", 1_015_000),
        ("Một tỉ đồng", 1_000_000_000),
        ("Một trăm lẻ năm đồng", 105),
        ("MỘT TRĂM LINH NĂM ĐỒNG", 105),
        ("hai mươi tư", 24),
        ("hai mươi bốn", 24),
        ("mười tư", 14),
        ("hai mươi năm", 25),
        ("mười năm", 15),
        ("hai mươi một", 21),
        ("mười mốt", 11),
        ("bẩy trăm nghìn", 700_000),
        ("Một triệu đồng chẵn", 1_000_000),
        ("Một triệu chẵn", 1_000_000),
        ("Hai mươi tư nghìn đồng./.", 24_000),
        ("“Một trăm nghìn đồng”.", 100_000),
        ("  Một   triệu\tđồng  ", 1_000_000),
        ("Bằng chữ: Hai mươi tư nghìn đồng", 24_000),
        ("Số tiền bằng chữ: Mười hai triệu năm trăm nghìn đồng", 12_500_000),
        ("Số tiền viết bằng chữ: Mười hai triệu đồng", 12_000_000),
        ("Mười hai triệu năm trăm\nnghìn đồng", 12_500_000),
        ("Một triệu không trăm mười lăm\r\n nghìn đồng", 1_015_000),
        ("Một triệu mười lăm nghìn đồng", 1_015_000),
        ("Một triệu hai nghìn đồng", 1_002_000),
        ("Một nghìn linh năm đồng", 1_005),
    ],
)
def test_parser_accepts_common_variants(text: str, amount: int) -> None:
    assert parse_amount_words(text) == amount


def test_parser_accepts_decomposed_unicode() -> None:
    assert parse_amount_words(unicodedata.normalize("NFD", "Một trăm linh năm đồng")) == 105


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Một trăm linh nắm đồng", "nắm"),
        ("hai mươi xyz", "xyz"),
        ("hai triệu rưỡi", "rưỡi"),
        ("1.000.000 đồng", "1"),
    ],
)
def test_parser_names_the_word_it_does_not_know(text: str, named: str) -> None:
    with pytest.raises(ValueError, match=f"unknown word '{named}'"):
        parse_amount_words(text)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("trăm trăm", "trăm"),
        ("một mươi", "một"),
        ("hai mươi không", "không"),
        ("triệu đồng", "triệu"),
        ("một triệu hai triệu", "triệu"),
        ("một nghìn hai triệu", "triệu"),
        ("không nghìn", "nghìn"),
    ],
)
def test_parser_names_the_word_out_of_order(text: str, named: str) -> None:
    with pytest.raises(ValueError, match=f"'{named}'"):
        parse_amount_words(text)


@pytest.mark.parametrize("text", ["", "  ", "đồng", "Bằng chữ:", "linh năm", "hai ba", "tỷ tỷ"])
def test_parser_refuses_text_that_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount_words(text)


@pytest.mark.parametrize(
    "text", ["một trăm hai", "một trăm mốt", "một nghìn hai", "một tỷ năm", "một trăm hai nghìn"]
)
def test_parser_refuses_a_lone_digit_that_speech_reads_as_tens(text: str) -> None:
    # On paper "một trăm hai" would be 102, but people say it for 120: refuse rather than guess.
    with pytest.raises(ValueError, match="ambiguous"):
        parse_amount_words(text)


def test_parser_refuses_amounts_beyond_the_limit() -> None:
    with pytest.raises(ValueError, match="too large"):
        parse_amount_words("một tỷ tỷ tỷ đồng")


@pytest.mark.parametrize("amount", [1.0, 1e6, True, False, "100", Decimal(100), None])
def test_only_int_amounts_are_written(amount: object) -> None:
    with pytest.raises(TypeError):
        amount_in_words(amount)  # type: ignore[arg-type]


def test_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        amount_in_words(-1)


def test_amount_at_the_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="too large"):
        amount_in_words(LIMIT)
