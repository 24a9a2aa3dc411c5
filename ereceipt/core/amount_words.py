"""Amounts in Vietnamese words as accounting documents write them (Decree 123/2020/ND-CP receipts), and back.

1 015 000 → "Một triệu không trăm mười lăm nghìn đồng"; 105 → "Một trăm linh năm đồng";
21 → "hai mươi mốt"; 24 → "hai mươi tư"; 25 → "hai mươi lăm". Scales are nghìn, triệu, tỷ, and
above a tỷ the count of tỷ is itself read in words ("một nghìn tỷ"). The parser accepts what
people and OCR produce (ngàn, tỉ, lẻ, any case, NFD, line breaks, a "Bằng chữ:" label) and names
the first word it does not understand rather than guessing.
"""

from __future__ import annotations

import re
import unicodedata

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
BILLION = 10**9
LIMIT = 10**18


def _triple(n: int, full: bool) -> list[str]:
    """One group of three digits; ``full`` reads a zero hundreds digit ("không trăm") inside a number."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words = [DIGITS[hundreds], "trăm"] if hundreds or full else []
    if tens == 0:
        if units:
            words += ["linh", DIGITS[units]] if words else [DIGITS[units]]
    elif tens == 1:
        words += ["mười"] + ({1: ["một"], 5: ["lăm"]}.get(units, [DIGITS[units]]) if units else [])
    else:
        words += [DIGITS[tens], "mươi"] + (
            {1: ["mốt"], 4: ["tư"], 5: ["lăm"]}.get(units, [DIGITS[units]]) if units else []
        )
    return words


def _below_billion(n: int, full: bool) -> list[str]:
    words: list[str] = []
    for scale, name in ((10**6, "triệu"), (10**3, "nghìn"), (1, "")):
        group = n // scale % 1000
        if group:
            words += _triple(group, full or bool(words)) + ([name] if name else [])
    return words


def _words(n: int, full: bool = False) -> list[str]:
    if n >= BILLION:
        billions, rest = divmod(n, BILLION)
        return _words(billions, full) + ["tỷ"] + (_below_billion(rest, True) if rest else [])
    return _below_billion(n, full)


def amount_in_words(amount: int) -> str:
    """Whole đồng in words, first letter capitalised, ending in " đồng"."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int of đồng, not {type(amount).__name__}")
    if amount < 0:
        raise ValueError(f"amount {amount} is negative")
    if amount >= LIMIT:
        raise ValueError(f"amount {amount} is too large to write in words")
    text = " ".join(_words(amount)) if amount else "không"
    return f"{text[0].upper()}{text[1:]} đồng"


_VALUES = {word: value for value, word in enumerate(DIGITS)} | {"mốt": 1, "tư": 4, "lăm": 5, "bẩy": 7}
_SPELLINGS = {"ngàn": "nghìn", "tỉ": "tỷ", "lẻ": "linh"}
_LABEL = re.compile(r"^\s*(số\s+tiền\s+)?(viết\s+)?bằng\s+chữ\s*:?", re.IGNORECASE)
_ENDINGS = {"đồng", "chẵn", "chẳn", "vnđ", "vnd"}


def _tokens(text: str) -> list[str]:
    text = _LABEL.sub("", unicodedata.normalize("NFC", text).lower())
    words = [_SPELLINGS.get(word, word) for word in re.sub(r"[.,:;()/\-]", " ", text).split()]
    while words and words[-1] in _ENDINGS:
        words.pop()
    if not words:
        raise ValueError(f"no amount in words in {text!r}")
    return words


def _digit(word: str) -> int:
    if word not in _VALUES:
        raise ValueError(f"{word!r} is not a number word")
    return _VALUES[word]


def _parse_triple(words: list[str]) -> int:
    """Words of one group (0-999): [d trăm] then [linh d | mười [d] | d mươi [d] | d]."""
    value, rest = 0, list(words)
    if len(rest) >= 2 and rest[1] == "trăm":
        value, rest = 100 * _digit(rest[0]), rest[2:]
    if not rest:
        return value
    head = rest[0]
    if head == "linh" and len(rest) == 2:
        return value + _digit(rest[1])
    if head == "mười" and len(rest) <= 2:
        return value + 10 + (_digit(rest[1]) if len(rest) == 2 else 0)
    if len(rest) >= 2 and rest[1] == "mươi" and len(rest) <= 3:
        return value + 10 * _digit(head) + (_digit(rest[2]) if len(rest) == 3 else 0)
    if len(rest) == 1:
        return value + _digit(head)
    unknown = next((w for w in rest if w not in _VALUES and w not in {"mười", "mươi", "linh", "trăm"}), None)
    raise ValueError(f"{unknown!r} is not a number word" if unknown else f"cannot read {' '.join(words)!r}")


def _parse_below_billion(words: list[str]) -> int:
    total = 0
    for name, scale in (("triệu", 10**6), ("nghìn", 10**3)):
        if words.count(name) > 1:
            raise ValueError(f"{name!r} appears twice in one group of {' '.join(words)!r}")
        if name in words:
            at = words.index(name)
            if at == 0:
                raise ValueError(f"{name!r} has no number before it")
            total += _parse_triple(words[:at]) * scale
            words = words[at + 1 :]
    return total + (_parse_triple(words) if words else 0)


def _parse(words: list[str]) -> int:
    if "tỷ" in words:
        at = len(words) - 1 - words[::-1].index("tỷ")
        if at == 0:
            raise ValueError("'tỷ' has no number before it")
        return _parse(words[:at]) * BILLION + (
            _parse_below_billion(words[at + 1 :]) if at + 1 < len(words) else 0
        )
    return _parse_below_billion(words)


def parse_amount_words(text: str) -> int:
    """The amount a Vietnamese amount-in-words says; ``ValueError`` naming what it cannot read."""
    return _parse(_tokens(text))
