"""Amounts in Vietnamese words as accounting documents print them (Decree 123/2020/ND-CP), and back.

Writing: 1 015 000 → "Một triệu không trăm mười lăm nghìn đồng", 105 → "Một trăm linh năm đồng",
21 → "hai mươi mốt", 24 → "hai mươi tư", 25 → "hai mươi lăm", 14 → "mười bốn". Scales are nghìn,
triệu and tỷ; the count of tỷ is itself read in words, so 10^12 is "một nghìn tỷ" and 10^18 "một tỷ tỷ".

Parsing (for OCR of scanned documents) accepts what people and OCR produce: any case, NFD, line
breaks, punctuation, ngàn/tỉ/lẻ, bốn/tư, năm/lăm, một/mốt, a "Bằng chữ:" label and a trailing "đồng
chẵn". It never guesses: on paper "một trăm hai" would be 102 but in speech it is 120, so a lone digit
after "trăm" or a scale word is refused, as is any word it does not know, with a ValueError naming it.
"""

from __future__ import annotations

import re
import unicodedata

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
BILLION = 10**9
LIMIT = BILLION**3  # would need "tỷ tỷ tỷ"; far above money.MAX_AMOUNT, and bounds work on absurd input
_SCALES = {"triệu": 10**6, "nghìn": 10**3}
# Accounting usage: after "mươi" the ones are mốt/tư/lăm; after "mười" only 5 changes (11 "mười
# một", 14 "mười bốn", 15 "mười lăm"); everywhere else, including "linh năm", the plain digit.
_ONES_AFTER_MUOI = {1: "mốt", 4: "tư", 5: "lăm"}
_ONES_AFTER_MUOI_TEN = {5: "lăm"}


def _group_words(n: int, inner: bool) -> list[str]:
    """0 < n < 1000. An inner group says its zero hundreds ("không trăm") so no place goes missing."""
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    words = [DIGITS[hundreds], "trăm"] if hundreds or inner else []
    if tens == 0 and ones:
        words += ["linh", DIGITS[ones]] if words else [DIGITS[ones]]
    elif tens == 1:
        words += ["mười"] + ([_ONES_AFTER_MUOI_TEN.get(ones, DIGITS[ones])] if ones else [])
    elif tens:
        words += [DIGITS[tens], "mươi"] + ([_ONES_AFTER_MUOI.get(ones, DIGITS[ones])] if ones else [])
    return words


def _below_billion(n: int, inner: bool) -> list[str]:
    words: list[str] = []
    for name, scale in (*_SCALES.items(), ("", 1)):
        group = n // scale % 1000
        if group:  # an all-zero group is left out: 1 000 000 is "một triệu", not "... không trăm nghìn"
            words += _group_words(group, inner or bool(words)) + ([name] if name else [])
    return words


def _number_words(n: int, inner: bool = False) -> list[str]:
    if n < BILLION:
        return _below_billion(n, inner)
    billions, rest = divmod(n, BILLION)
    return _number_words(billions, inner) + ["tỷ"] + (_below_billion(rest, True) if rest else [])


def amount_in_words(amount: int) -> str:
    """Whole đồng in words, first letter capitalised, ending in " đồng": 105 → "Một trăm linh năm đồng"."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int of đồng, not {type(amount).__name__}")
    if amount < 0:
        raise ValueError(f"amount {amount} is negative")
    if amount >= LIMIT:
        raise ValueError(f"amount {amount} is too large to write in words")
    text = " ".join(_number_words(amount)) or "không"
    return f"{text[0].upper()}{text[1:]} đồng"


_VALUES = {word: value for value, word in enumerate(DIGITS)} | {"mốt": 1, "tư": 4, "lăm": 5, "bẩy": 7}
_SPELLINGS = {"ngàn": "nghìn", "tỉ": "tỷ", "lẻ": "linh"}
_VOCABULARY = _VALUES.keys() | _SCALES.keys() | {"tỷ", "trăm", "mười", "mươi", "linh"}
_LABEL = re.compile(r"^(số tiền )?(viết )?bằng chữ( |$)")
_CURRENCY = re.compile(r"(^| )(đồng chẵn|đồng|chẵn)$")


def _words_of(text: str) -> list[str]:
    """The number words of ``text``: NFC, lower case, no punctuation, label or trailing "đồng"."""
    plain = " ".join(re.findall(r"\w+", unicodedata.normalize("NFC", text).lower()))
    words = [_SPELLINGS.get(word, word) for word in _CURRENCY.sub("", _LABEL.sub("", plain)).split()]
    if not words:
        raise ValueError("there are no number words")
    unknown = next((word for word in words if word not in _VOCABULARY), None)
    if unknown is not None:
        raise ValueError(f"unknown word {unknown!r}")
    return words


def _digit(word: str, lowest: int, phrase: str) -> int:
    if _VALUES.get(word, -1) < lowest:
        raise ValueError(f"{word!r} is out of place in {phrase!r}")
    return _VALUES[word]


def _group_value(words: list[str], after: str | None, lone_digit_ok: bool) -> int:
    """One group, 0-999: [d trăm] [linh d | mười [d] | d mươi [d] | d]; ``after`` is the word before it.

    ``lone_digit_ok`` is false where a bare digit is ambiguous: at the end after a scale word
    ("một nghìn hai": 1 002 on paper, 1 200 in speech) and after "trăm" ("một trăm hai nghìn").
    """
    phrase, hundreds, rest = " ".join(words), 0, words
    if len(words) > 1 and words[1] == "trăm":
        hundreds, rest, after, lone_digit_ok = 100 * _digit(words[0], 0, phrase), words[2:], "trăm", False
        if not rest and not hundreds:
            raise ValueError(f"'không trăm' with nothing after it in {phrase!r}")
    match rest:
        case []:
            return hundreds
        case ["linh", ones] if after:
            return hundreds + _digit(ones, 1, phrase)
        case ["mười", *ones] if len(ones) <= 1:
            return hundreds + 10 + sum(_digit(word, 1, phrase) for word in ones)
        case [tens, "mươi", *ones] if len(ones) <= 1:
            return hundreds + 10 * _digit(tens, 2, phrase) + sum(_digit(word, 1, phrase) for word in ones)
        case [ones] if lone_digit_ok:
            return _digit(ones, 0, phrase)
        case [ones] if ones in _VALUES:
            raise ValueError(f"{ones!r} alone after {after!r} is ambiguous: units need 'linh', tens 'mươi'")
    raise ValueError(f"cannot read {phrase!r} as a number from 0 to 999")


def _value(words: list[str]) -> int:
    # Read left to right: each "tỷ" multiplies everything before it, which is how "một nghìn tỷ" and
    # "một tỷ tỷ" read; between two tỷ, triệu then nghìn may each appear once, in that order.
    total = segment = 0
    group: list[str] = []
    smallest, after = BILLION, None
    for word in words:
        scale = BILLION if word == "tỷ" else _SCALES.get(word)
        if scale is None:
            group.append(word)
            continue
        if scale < BILLION and scale >= smallest:
            raise ValueError(f"{word!r} cannot come after {after!r}")
        if not group and (word != "tỷ" or after is None):  # "nghìn tỷ", "tỷ tỷ": tỷ counts what went before
            raise ValueError(f"{word!r} has no number before it")
        count = _group_value(group, after, True) if group else 0
        if group and not count:
            raise ValueError(f"{word!r} after a count of zero")
        if scale == BILLION:
            total, segment = (total + segment + count) * BILLION, 0
        else:
            segment += count * scale
        group, smallest, after = [], scale, word
    return total + segment + (_group_value(group, after, after is None) if group else 0)


def parse_amount_words(text: str) -> int:
    """The amount a Vietnamese amount in words says; ``ValueError`` naming what it cannot read."""
    try:
        amount = _value(_words_of(text))
    except ValueError as error:
        raise ValueError(f"cannot read amount in words {text!r}: {error}") from None
    if amount >= LIMIT:
        raise ValueError(f"amount in words {text!r} is too large")
    return amount
