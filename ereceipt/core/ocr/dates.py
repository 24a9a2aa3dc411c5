"""The document's own date among the dates a Vietnamese payment form carries.

Forms write a date "ngày 05 tháng 3 năm 2026", "05/03/2026", "5-3-2026", "5.3.2026" or, printed by a
bank's system, "2026-03-05", read here in the folded text (``repair.fold``) with look-alike letters
taken for digits and a word of the date cut in two ("th áng") joined. The document's date is
the first one not on a line citing another document (căn cứ, bản án, quyết định số) and not an
identity paper's date of issue or expiry or a birth date ("Ngày cấp: 21/07/2022", "sinh ngày ...")
or the date of an act followed by its issuer ("ngày 22/12/2014 của Bộ Tài chính").
"""

from __future__ import annotations

import re
from datetime import date

from ereceipt.core.ocr.layout import Line
from ereceipt.core.ocr.repair import digits, fold

_DATE_WORDS = re.compile(r"ngay\s*(\S{1,2})\s*th\s?ang\s*(\S{1,2})\s*n\s?am\s*(\S{4})")
# Day, month, year; not inside a longer run of digits or of a code, a full stop or comma after it.
_DATE_DIGITS = re.compile(r"(?<![\w/.-])(\S{1,2})\s?[/.-]\s?(\S{1,2})\s?[/.-]\s?(\S{4})(?=[.,;)]?(?:\s|$))")
_DATE_ISO = re.compile(r"(?<![\w/.-])(\d{4})-(\d{2})-(\d{2})(?=[.,;)]?(?:\s|$))")  # "2026-03-05"
_CITING = re.compile(r"can cu|ban an|quyet dinh so")
_ACTS_DATE = re.compile(r"\W{0,3}cua\b")  # the date of an act "of" its issuer, cited
_OTHER_DATE = re.compile(r"(?:\bcap|\bsinh|het\s*han|gia\s*tri\s*den)(?:\s*ngay)?\W{0,4}$")


def calendar_date(day: str, month: str, year: str) -> tuple[str, int] | None:
    """(ISO date, repairs made) of a date's three parts as read, or None when they are no date."""
    fixed = [digits(part.replace(" ", ""), in_number=True) for part in (day, month, year)]
    try:
        return date(*(int(text) for text, _ in reversed(fixed))).isoformat(), sum(n for _, n in fixed)
    except ValueError:
        return None


def document_date(lines: list[Line]) -> tuple[str, float, int] | None:
    """(ISO date, confidence of its characters, repairs made) of the document's own date, or None."""
    for line in lines:
        folded = fold(line.text)
        if _CITING.search(folded):
            continue
        for pattern, text in ((_DATE_WORDS, folded), (_DATE_DIGITS, line.text), (_DATE_ISO, line.text)):
            for match in pattern.finditer(text):
                if _OTHER_DATE.search(folded[max(0, match.start() - 24) : match.start()]):
                    continue
                if _ACTS_DATE.match(folded, match.end()):  # "ngày 22/12/2014 của Bộ Tài chính"
                    continue
                parts = match.groups()
                found = calendar_date(*(reversed(parts) if pattern is _DATE_ISO else parts))
                if found:
                    return found[0], line.confidence(match.start(), match.end()), found[1]
    return None
