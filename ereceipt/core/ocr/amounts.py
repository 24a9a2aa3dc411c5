"""Amounts read from scans: digits as Vietnamese documents print them, and amounts in words.

Digits: ``12.500.000``, ``12,500,000``, ``12 500 000``, ``12500000 đ``, ``12.500.000 VNĐ``,
``12.500.000,00``, read as printed: one separator groups thousands throughout a number, and a
different one after the groups is a decimal point whose fraction must be zero (the đồng has no minor
unit); anything else (``1.000,5``, ``1e3``, ``-5``, digits other than ASCII ``0-9``) is no amount.
A lone ``.`` or ``,`` before three digits (``1.000``) does not say by itself whether it groups
thousands or is a decimal point: the document's own grouping decides (the separator its other
numbers group with); when the document does not say, it is read as grouping and marked doubtful.
Words are read by the engine's parser (``ereceipt.core.amount_words``) after
each word OCR misread in its marks is put back (``nghin`` → ``nghìn``; ``muoi`` is ``mươi`` after a
digit and ``mười`` elsewhere). Integers of đồng only; nothing here is a float.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ereceipt.core.amount_words import parse_amount_words
from ereceipt.core.ocr.repair import fold

MAX_DIGITS = 18  # money.MAX_AMOUNT has 18 digits
# A whole part grouped by threes (separators checked after the match) or plain, then a decimal part,
# in ASCII digits; not beside another digit of any script, a sign, an exponent or an underscore.
_NUMBER = re.compile(
    r"(?<![\d.,+\-_])(?<!\d[eE])(?<!\d[eE][+-])"
    r"(?P<whole>[1-9][0-9]{0,2}(?:(?: ?[.,] ?|[ \u00a0\u202f])[0-9]{3})+(?!\d)|[0-9]+)"
    r"(?:(?P<point>[.,])(?P<fraction>[0-9]+))?"
    r"(?!\d|[eE][+-]?\d|_\d|[.,]\d)"
)
_SEPARATOR = re.compile(r" ?([.,]) ?|([ \u00a0\u202f])")
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


@dataclass(frozen=True)
class DigitsAmount:
    """An amount in digits: đồng, where its text starts and ends, and ``doubtful``: the lone ``.`` or
    ``,`` of a number such as ``1.000`` when its reading needs checking (the document does not say
    which separator groups thousands, or says this one is the decimal point), else None."""

    amount: int
    start: int
    end: int
    doubtful: str | None = None


@dataclass(frozen=True)
class _Number:
    whole: str  # digits only
    grouping: str | None  # the separator between groups of three, None when not grouped
    point: str | None  # the decimal point, None when there is no fraction
    fraction: str
    lone: str | None  # "." or "," when it is the number's only separator, before exactly three digits


def _number(match: re.Match[str]) -> _Number | None:
    """The parts of a matched number, None when its separators contradict each other (``1.000,000.000``)."""
    text = match.group("whole")
    separators = [m.group(1) or m.group(2) for m in _SEPARATOR.finditer(text)]
    runs = _SEPARATOR.split(text)[::3]
    point, fraction = match.group("point"), match.group("fraction") or ""
    if len(set(separators)) > 1 and point is None and len(set(separators[:-1])) == 1:
        point, fraction = separators[-1], runs[-1]  # "1.000,000": the last, other separator is the point
        separators, runs = separators[:-1], runs[:-1]
    if len(set(separators)) > 1 or (point is not None and point in separators) or point == " ":
        return None
    grouping = separators[0] if separators else None
    lone = grouping if point is None and len(separators) == 1 and grouping in (".", ",") else None
    return _Number("".join(runs), grouping, point, fraction, lone)


def document_grouping(texts: Iterable[str]) -> str | None:
    """The separator (``.`` or ``,``) the document groups thousands with, as its numbers that say so by
    themselves show (``12.500.000``, ``1,000.00``); None when none says or they disagree."""
    seen = set()
    for text in texts:
        for match in _NUMBER.finditer(text):
            number = _number(match)
            if number and number.grouping in (".", ",") and number.lone is None:
                seen.add(number.grouping)
    return seen.pop() if len(seen) == 1 else None


def amount_of_digits(text: str, grouping: str | None = None) -> DigitsAmount | None:
    """The first number in ``text`` as whole đồng; None when there is none or it is not whole đồng.

    ``grouping`` is the document's thousands separator (``document_grouping``): it settles a lone
    ``.`` or ``,`` before three digits; without it such a separator is read as grouping, and assumed.
    """
    match = _NUMBER.search(text)
    number = _number(match) if match else None
    if number is None or _beside_a_digit(text, match.start(), match.end()):
        return None
    whole, fraction, doubtful = number.whole, number.fraction, None
    if number.lone is not None and grouping is None:
        doubtful = number.lone  # read as grouping, the Vietnamese way, but nothing confirms it
    elif number.lone is not None and grouping != number.lone:  # the document's decimal point
        whole, fraction, doubtful = whole[:-3], whole[-3:], number.lone
    significant = whole.lstrip("0")
    if fraction.strip("0") or len(significant) > MAX_DIGITS:
        return None
    return DigitsAmount(int(significant or "0"), match.start(), match.end(), doubtful)


def _beside_a_digit(text: str, start: int, end: int) -> bool:
    """Whether a digit that is not ASCII (``²``, ``٣``, ``０``) touches the number: then it is not one."""
    return any(char.isdigit() for char in text[max(start - 1, 0) : start] + text[end : end + 1])


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
