"""The labels of Vietnamese payment forms (phiếu thu, ủy nhiệm chi, giấy nộp tiền): each field's variants.

Forms word a label many ways ("Họ tên người nộp tiền", "Người nộp", "Khách hàng", "Họ và tên"), and
OCR misreads marks and letters. A label is looked for in the folded text (lower case, no
diacritics: ``repair.fold``), word by word: a run of the line's words is a label when it equals one
of the field's variants, or, for a variant of seven letters or more and a run starting with the
same letter, when the two are at least ``SIMILARITY`` alike (difflib's ratio), so that "Ho tèn
nguòi nôp" and "So tlen" are found too. A
match inside a longer match of another field is not one ("số tiền" inside "số tiền bằng chữ").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from ereceipt.core.ocr.repair import fold

SIMILARITY = 0.84
FUZZY_LENGTH = 7  # shorter variants must match exactly: "ten" is one letter from "tien"

LABELS: dict[str, tuple[str, ...]] = {
    "payer_name": (
        "ho va ten nguoi nop tien",
        "ho ten nguoi nop tien",
        "ho va ten nguoi nop",
        "ho ten nguoi nop",
        "ten nguoi nop tien",
        "ten nguoi nop",
        "nguoi nop tien",
        "nguoi nop",
        "ben nop tien",
        "don vi nop tien",
        "ten don vi nop tien",
        "ten don vi nop",
        "don vi nop",
        "ten don vi tra tien",
        "don vi tra tien",
        "nguoi tra tien",
        "ten nguoi tra tien",
        "nguoi chuyen tien",
        "ten nguoi chuyen",
        "nguoi phai thi hanh an",
        "thi hanh an doi voi",
        "ten khach hang",
        "khach hang",
        "ho va ten",
        "ho ten",
        "nguoi gui tien",
        "ten nguoi gui",
        "nguoi gui",
        "ben chuyen",
        "nguoi chuyen",
        "ben tra tien",
        "payer name",
        "payer",
        "remitter",
        "depositor",
        "sender",
    ),
    "payer_id_number": (
        "so can cuoc cong dan",
        "can cuoc cong dan",
        "so can cuoc",
        "can cuoc",
        "so dinh danh ca nhan",
        "dinh danh ca nhan",
        "so dinh danh",
        "so giay to tuy than",
        "giay to tuy than",
        "so giay to",
        "cccd",
        "cmnd",
        "cmt",
        "ho chieu",
        "ma dinh danh",
        "gttt",
        "id number",
        "id no",
        "passport",
    ),
    "payer_address": (
        "dia chi thuong tru",
        "dia chi lien he",
        "dia chi",
        "noi cu tru",
        "cu tru tai",
        "noi o hien nay",
        "thuong tru tai",
        "noi thuong tru",
        "thuong tru",
        "noi dang ky thuong tru",
        "tru tai",
        "d c",
        "dc",
        "cho o hien nay",
        "noi o",
        "tru quan",
        "address",
    ),
    "amount_vnd": (
        "amount in figures",
        "in figures",
        "so tien bang so",
        "so tien nop",
        "so tien thu",
        "so tien chuyen",
        "tong so tien",
        "tong tien",
        "tong cong",
        "thanh tien",
        "phai nop so tien",
        "so tien",
        "amount",
    ),
    "amount_in_words": (
        "so tien bang chu",
        "so tien viet bang chu",
        "viet bang chu",
        "bang chu",
        "amount in words",
        "in words",
    ),
    "case_payment_code": (
        "ma thanh toan",
        "ma ho so thi hanh an",
        "ma ho so",
        "ma vu viec",
        "ma tha",
        "ma nop tien",
        "ma thi hanh an",
    ),
    "bank_reference": (
        "so tham chieu",
        "ma tham chieu",
        "ma giao dich",
        "so giao dich",
        "so but toan",
        "ma gd",
        "so gd",
        "reference no",
        "reference",
        "ref",
        "transaction no",
        "transaction id",
        "trace no",
    ),
    "purpose": (
        "noi dung nop tien",
        "noi dung thanh toan",
        "noi dung chuyen tien",
        "noi dung nop",
        "noi dung",
        "ly do nop tien",
        "ly do nop",
        "ly do",
        "dien giai",
        "ve khoan",
        "ly do thu",
        "muc dich",
        "payment details",
        "details",
        "remarks",
        "description",
    ),
    "decision_number": (
        "theo quyet dinh so",
        "quyet dinh so",
        "so quyet dinh",
        "quyet dinh tha so",
        "quyet dinh thi hanh an so",
        "quyet dinh thi hanh an",
        "can cu qd so",
        "qd thi hanh an",
        "qd tha so",
        "qd so",
    ),
    "judgment_number": ("theo ban an so", "ban an so", "so ban an"),
    # Not a field: the party paid (an agency, a treasury), whose address and account a form gives too.
    "payee": (
        "don vi nhan tien",
        "ten don vi nhan tien",
        "don vi nhan",
        "nguoi nhan",
        "nguoi nhan tien",
        "ben nhan",
        "nguoi huong",
        "nguoi thu huong",
        "don vi huong",
        "don vi thu huong",
        "ben huong",
        "ben thu huong",
        "beneficiary name",
        "beneficiary",
        "payee name",
        "payee",
    ),
    # Not fields, but labels whose values must not be taken for a field's.
    "other": (
        "ngoai thuong",  # a bank's name ("Ngân hàng TMCP Ngoại thương"), not "người hưởng" misread
        "payment order",  # a bilingual form's title, not a label
        "so tien phi",
        "phi giao dich",
        "cong thuong",
        "so tai khoan",
        "tai khoan",
        "tai ngan hang",
        "ngan hang",
        "nguoi thu tien",
        "nguoi lap phieu",
        "thu quy",
        "ke toan",
        "giao dich vien",
        "chu tai khoan",
        "thu truong",
        "kem theo",
        "ky ho ten",
    ),
}
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class LabelMatch:
    """A label in a line: the field it names, where it is (``start``/``end`` in the line's text)."""

    field: str
    start: int
    end: int
    score: float


_VARIANTS = [(field, tuple(variant.split())) for field, variants in LABELS.items() for variant in variants]


_PLAN = [(field, len(variant), " ".join(variant), variant[0][:1]) for field, variant in _VARIANTS]


def _comparable(length: int, variant_length: int) -> bool:
    """Whether a text of ``length`` characters can be a variant of ``variant_length``: as long, or
    about as long when the variant is long enough to be matched loosely."""
    if length == variant_length:
        return True
    return variant_length >= FUZZY_LENGTH and abs(length - variant_length) <= variant_length // 4 + 1


def similarity(text: str, variant: str, at_least: float = 0.0) -> float:
    """How alike two folded labels are, 0..1 (1: the same); 0 when they cannot be ``at_least`` alike
    (difflib's cheap upper bounds settle most pairs of a line's words and the vocabulary)."""
    if text == variant:
        return 1.0
    if not _comparable(len(text), len(variant)):
        return 0.0
    matcher = SequenceMatcher(None, text, variant, autojunk=False)
    if matcher.quick_ratio() < at_least:
        return 0.0
    return matcher.ratio()


@lru_cache(maxsize=65536)
def _similar(text: str, variant: str) -> float:
    """``similarity`` with the floor of a label; the same words recur on every page."""
    return similarity(text, variant, SIMILARITY)


@lru_cache(maxsize=4096)
def label_matches(text: str) -> tuple[LabelMatch, ...]:
    """Every label in ``text`` (a line), in the order of the line; where two overlap, the closer
    match wins, then the longer."""
    folded = fold(text)
    words = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(folded)]
    ends = [0]
    for word, _, _ in words:
        ends.append(ends[-1] + len(word))
    found: list[tuple[float, int, LabelMatch]] = []
    for field, size, joined, first in _PLAN:
        for index in range(len(words) - size + 1):
            window = words[index : index + size]
            if window[0][0][:1] != first:
                continue  # labels misread in their first letter are rare; this keeps the search cheap
            if not _comparable(ends[index + size] - ends[index] + size - 1, len(joined)):
                continue
            if any(mark in folded[window[0][1] : window[-1][2]] for mark in ":\t;"):
                continue  # a label does not run past its colon or into another column
            score = _similar(" ".join(word for word, _, _ in window), joined)
            if score >= SIMILARITY:
                match = LabelMatch(field, window[0][1], window[-1][2], score)
                found.append((score, len(joined), match))
    chosen: list[LabelMatch] = []
    for _, _, match in sorted(found, key=lambda item: (-round(item[0], 2), -item[1])):
        if all(match.end <= other.start or match.start >= other.end for other in chosen):
            chosen.append(match)
    return tuple(sorted(chosen, key=lambda match: match.start))


def labels_of(text: str, field: str) -> list[LabelMatch]:
    return [match for match in label_matches(text) if match.field == field]


def starts_with_label(text: str, *, names_aside: bool = False) -> bool:
    """Whether ``text`` (a column of a line) begins with a label of any field or of the others.

    With ``names_aside``, words each with a capital that are only like a label ("Hồ Văn Yến" is
    like "họ và tên") are a name: forms write labels in sentence case or in capitals."""
    stripped = len(text) - len(text.lstrip(" .-–•*(\t"))
    leading = [match for match in label_matches(text) if match.start <= stripped + 1]
    if names_aside and leading and leading[0].score < 1:
        words = text[leading[0].start : leading[0].end].split()
        if len(words) >= 2 and all(word[:1].isupper() for word in words) and not text.isupper():
            return False
    return bool(leading)
