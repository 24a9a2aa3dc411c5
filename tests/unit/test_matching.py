"""Finding a case payment code in transfer content the way banks deliver it."""

from __future__ import annotations

import pytest

from ereceipt.core.intake import matching

CODES = {"THA2501", "THA2502", "THA25012"}


def found(text: str) -> str | None:
    return matching.choose(matching.candidates([text], {len(c) for c in CODES}) & CODES)


@pytest.mark.parametrize(
    "text",
    [
        "THA2501",
        "tha2501",
        "Nộp tiền THA 2501 cho Chi cục",
        "NGUYEN VAN AN CHUYEN TIEN-THA.25-01-FT26330",
        "IBFT tha-2501",
        "Đóng tiền thi hành án THA2501",
    ],
)
def test_code_is_found_despite_what_banks_do_to_the_text(text: str) -> None:
    assert found(text) == "THA2501"


def test_no_code_finds_nothing() -> None:
    assert found("chuyen tien an uong") is None


def test_two_different_codes_are_ambiguous() -> None:
    assert found("THA2501 va THA2502") is None


def test_code_inside_a_longer_code_is_the_longer_one() -> None:
    assert found("THA25012") == "THA25012"


def test_compact_strips_diacritics_and_punctuation() -> None:
    assert matching.compact("Nộp tiền: Đ-01") == "NOPTIEND01"


def test_truncated_tail_is_offered_as_a_prefix() -> None:
    assert "THA250" in matching.truncated_tails(["NOP TIEN THI HANH AN THA250"], 8)
