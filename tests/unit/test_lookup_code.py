"""Lookup codes: 80 random bits, easy to type, tolerant of what people type instead."""

from ereceipt.core.receipts.lookup_code import (
    ALPHABET,
    LENGTH,
    display_lookup_code,
    new_lookup_code,
    normalise_lookup_code,
)


def test_codes_have_at_least_64_random_bits() -> None:
    assert len(ALPHABET) ** LENGTH >= 2**64
    codes = {new_lookup_code() for _ in range(2_000)}
    assert len(codes) == 2_000
    assert all(len(code) == LENGTH and set(code) <= set(ALPHABET) for code in codes)


def test_display_groups_by_four_and_reads_back() -> None:
    code = new_lookup_code()
    shown = display_lookup_code(code)
    assert shown.count("-") == 3
    assert normalise_lookup_code(shown) == code


def test_typing_slips_are_forgiven() -> None:
    assert normalise_lookup_code(" abcd-1234 efgh-56o8 ") == "ABCD1234EFGH5608"
    assert normalise_lookup_code("ILIL1234EFGH5678") == "11111234EFGH5678"


def test_what_cannot_be_a_code_is_none() -> None:
    assert normalise_lookup_code("ABC") is None
    assert normalise_lookup_code("ABCD1234EFGH567U") is None
    assert normalise_lookup_code("") is None
