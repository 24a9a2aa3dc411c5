"""Document numbers on a payment document: enforcement decisions ("05/QĐ-CCTHADS") and court
judgments ("01/2024/DS-ST"), read as printed with letters OCR took for digits put back, and the
case payment code's shape ("THA6315") (Vietnamese numbering of administrative and court documents).

A number a form's own heading cites (the circular or decree it was issued under) is none of them,
and a decree's or circular's number of a judgment's shape ("123/2020/NĐ-CP") is no judgment. Each
reader gives (text, OCR confidence, repairs); the caller weighs the repairs. ``cited_numbers``
puts the same repairs into free text (the content of a payment).
"""

from __future__ import annotations

import re

from ereceipt.core.ocr.layout import Line
from ereceipt.core.ocr.repair import digits, fold

Found = tuple[str, float, int]  # the number as printed, the OCR confidence of its characters, repairs

LOOKALIKE = "0-9OolI|Øø"
_YEAR = rf"[{LOOKALIKE}]{{2}}\s?[{LOOKALIKE}]{{2}}"
# A document number starts after a non-letter (a letter for a digit allowed: "l23/QĐ"), or right
# after a word run into it ("Số123/QĐ") with a real digit.
_NUMBER_START = rf"(?:(?<![\w/])[{LOOKALIKE}]|(?<=[^\W\d_])[0-9])[{LOOKALIKE}]{{0,4}}"
_DASH = r"\s?[-–—]\s?"
_DECISION = re.compile(rf"({_NUMBER_START})\s?/\s?(?:({_YEAR})\s?/?\s?)?Q[ĐD]{_DASH}([A-ZĐ]{{2,12}})")
# The case kind and the instance with a dash ("DS-ST") or, in older numbers, run together ("DSST").
_JUDGMENT = re.compile(
    rf"({_NUMBER_START})\s?/\s?({_YEAR})\s?/\s?([A-ZĐ]{{1,6}})(?:({_DASH})|(?=(?:ST|PT|GĐT|GDT)\b))([A-ZĐ]{{2,4}})\b"
)
# A court's judgment ends in its instance (sơ thẩm, phúc thẩm, giám đốc thẩm, tái thẩm); a court's
# decision is "QĐST-DS", "QĐPT-HS". "123/2020/NĐ-CP" or "107/2017/TT-BTC" is a decree or a circular.
_INSTANCES = {"ST", "PT", "GĐT", "GDT", "TT"}
# A form's own header cites the act it was issued under ("Ban hành kèm theo Thông tư số ...").
FORM_HEADER = re.compile(r"ban hanh|thong tu|nghi dinh|mau so")
CASE_CODE = re.compile(rf"\bTHA\s?([0-9][{LOOKALIKE}SBZ]{{3,5}})\b")


def _numbers(*groups: str | None) -> tuple[list[str], int]:
    fixed = [digits(group.replace(" ", ""), in_number=True) if group else (group, 0) for group in groups]
    return [text for text, _ in fixed], sum(n for _, n in fixed)


def _first(lines: list[Line], pattern: re.Pattern[str], build) -> Found | None:
    for line in lines:
        if FORM_HEADER.search(fold(line.text)):
            continue
        for match in pattern.finditer(line.text):
            made = build(match)
            if made is not None:
                text, repairs = made
                return text, line.confidence(match.start(), match.end()), repairs
    return None


def decision(lines: list[Line]) -> Found | None:
    """An enforcement decision's number as printed ("05/QĐ-CCTHADS" keeps its zero), not one a form's
    header cites."""

    def build(match: re.Match[str]):
        (number, year), repairs = _numbers(match.group(1), match.group(2))
        if not number.isdigit() or (year is not None and not year.isdigit()):
            return None
        return f"{number}/{year + '/' if year else ''}QĐ-{match.group(3)}", repairs

    return _first(lines, _DECISION, build)


def judgment(lines: list[Line]) -> Found | None:
    """A court's judgment or decision number as printed ("01/2024/DS-ST"); a decree's or a circular's
    number of the same shape is none."""

    def build(match: re.Match[str]):
        kind, instance = match.group(3).replace("QD", "QĐ"), match.group(5).replace("GDT", "GĐT")
        court_decision = kind.startswith("QĐ") and len(kind) > 2
        if kind == "QĐ" or not (instance in _INSTANCES or court_decision):
            return None
        (number, year), repairs = _numbers(match.group(1), match.group(2))
        if not (number.isdigit() and year.isdigit()):
            return None
        return f"{number}/{year}/{match.group(3)}{'-' if match.group(4) else ''}{match.group(5)}", repairs

    return _first(lines, _JUDGMENT, build)


def cited_numbers(text: str) -> tuple[str, int]:
    """``text`` with the number of each decision or judgment it cites, and each case code, read as
    their fields read them ("QĐ số I8/QĐ-CCTHADS" is 18, "mã THA778S" is THA7785), and how many
    letters were taken for digits."""
    repairs = 0
    for pattern in (_DECISION, _JUDGMENT, CASE_CODE):
        for match in reversed(list(pattern.finditer(text))):
            years = (match.group(2),) if pattern is not CASE_CODE else ()
            (number, *year), changed = _numbers(match.group(1), *years)
            if number.isdigit() and all(part is None or part.isdigit() for part in year) and changed:
                text = text[: match.start(1)] + number + text[match.end(1) :]
                repairs += changed
    return text, repairs
