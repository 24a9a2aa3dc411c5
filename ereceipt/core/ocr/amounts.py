"""Amounts read from scans: digits as Vietnamese documents print them, and amounts in words.

Digits: ``12.500.000``, ``12,500,000``, ``12 500 000``, ``12500000 đ``, ``12.500.000 VNĐ``,
``12.500.000,00``. Words are read by the engine's parser (``ereceipt.core.amount_words``) after
each word OCR misread in its marks is put back (``nghin`` → ``nghìn``; ``muoi`` is ``mươi`` after a
digit and ``mười`` elsewhere). Integers of đồng only; nothing here is a float.
"""

from __future__ import annotations

import re

from ereceipt.core.amount_words import parse_amount_words
from ereceipt.core.ocr.repair import fold

_GROUPED = re.compile(r"(?<![\d.,])(\d{1,3}(?:\s?[.,]\s?\d{3}|[  ]\d{3})+|\d+)(?:[.,]00)?(?![\d])")
_NUMBER_WORDS = {
    "khong": "không",
    "mot": "một",
    "hai": "hai",
    "ba": "ba",
    "bon": "bốn",
    "tu": "tư",
    "nam": "năm",
    "lam": "lăm",
    "sau": "sáu",
    "bay": "bảy",
    "tam": "tám",
    "chin": "chín",
    "muoi": "mười",
    "tram": "trăm",
    "nghin": "nghìn",
    "ngan": "nghìn",
    "trieu": "triệu",
    "ty": "tỷ",
    "ti": "tỷ",
    "linh": "linh",
    "le": "linh",
    "dong": "đồng",
    "chan": "chẵn",
    "va": "",
    "bang": "bằng",
    "chu": "chữ",
}
_WRITTEN = {word for word in _NUMBER_WORDS.values() if word} | {
    "mốt",
    "tư",
    "lăm",
    "bẩy",
    "lẻ",
    "ngàn",
    "tỉ",
    "mươi",
}
_DIGIT_WORDS = {"hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}
_WORD = re.compile(r"\w+")


def amount_of_digits(text: str) -> tuple[int, int, int] | None:
    """The first amount in ``text`` as (đồng, start, end) of its digits; None when there is none."""
    match = _GROUPED.search(text)
    if match is None:
        return None
    digits = re.sub(r"\D", "", match.group(1))
    return int(digits), match.start(1), match.end(1)


def _nearest(word: str) -> str | None:
    """The one number word, of three letters or more, that ``word`` is one letter away from (``tiem``
    is not ``tram``, ``dung`` is ``dong``); None when there is none or several."""
    if len(word) < 3:
        return None
    near = [
        key
        for key in _NUMBER_WORDS
        if len(key) == len(word) and sum(a != b for a, b in zip(key, word, strict=True)) == 1
    ]
    return near[0] if len(near) == 1 else None


def number_words(text: str) -> tuple[list[str], int] | None:
    """The words of ``text`` as number words with their marks put back, and how many were put back.

    None when a word is not a number word at all (the text is something else).
    """
    words: list[str] = []
    restored = 0
    for word in _WORD.findall(text.lower()):
        key = fold(word)
        if key not in _NUMBER_WORDS:
            key = _nearest(key)
            if key is None:
                return None
            restored += 1
        canonical = _NUMBER_WORDS[key]
        if word in _WRITTEN and key != "muoi":  # read right, marks and all: "mốt" stays "mốt", not "một"
            words.append(word)
            continue
        if key == "muoi":
            canonical = "mươi" if words and words[-1] in _DIGIT_WORDS else "mười"
        if key == "nam" and words and words[-1] in {"mươi", "mười"}:
            canonical = "lăm"
        if canonical == "":
            continue
        if canonical != word and word not in {"lăm", "mốt", "tư", "bẩy", "lẻ", "ngàn", "tỉ"}:
            restored += 1
        words.append(canonical)
    return words, restored


def up_to_currency(text: str) -> str:
    """``text`` cut after its "đồng" (or "đồng chẵn"): what follows on the line is something else."""
    found = list(re.finditer(r"\bdong( chan)?\b", fold(text)))
    return text[: found[-1].end()] if found else text


def amount_of_words(text: str) -> tuple[int, int] | None:
    """(đồng, words whose marks were put back) for an amount in words, or None when it cannot be read."""
    read = number_words(text)
    if read is None or not read[0]:
        return None
    try:
        return parse_amount_words(" ".join(read[0])), read[1]
    except ValueError:
        return None
