"""Where a labelled value stands in the lines of a Vietnamese form ("Người nộp tiền: Nguyễn Văn An").

Labels are matched on the folded text (lower case, no diacritics: ``fold``) so that a label whose
marks were misread is still found. The value runs from after the label (and its colon) to the next
tab (a wide gap: another column) or the line's end; a label that ends in a colon with nothing after it
on its side takes the next column. ``continued`` adds the lines that carry on a value (close below,
no label of their own).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from ereceipt.core.ocr.layout import Line
from ereceipt.core.ocr.repair import fold

# Any "Label:" near the start of a line, or a label this module knows, ends a value that runs on.
JUNK_CONFIDENCE = 0.6
_STARTS_WITH_LABEL = re.compile(r"^[^:\t]{2,40}:")
_KNOWN_LABELS = re.compile(
    r"^(so tien|bang chu|viet bang chu|dia chi|noi dung|ly do|so tai khoan|tai ngan hang|ngan hang|"
    r"so cccd|so cmnd|ma giao dich|so tham chieu|nguoi nhan|ten don vi|nguoi nop|ho va ten|kem theo|"
    r"ngay|can cu|dieu|noi nhan)"
)


@dataclass(frozen=True)
class Value:
    """Text found after a label: ``line`` index, ``start``/``end`` in that line's text."""

    line: int
    start: int
    end: int
    text: str


def _value_after(line: Line, position: int) -> tuple[int, int]:
    text, folded_colon = line.text, False
    rest = text[position:]
    colon = re.match(r"[^:\t]{0,24}?:", rest)  # "Số định danh cá nhân:" matched on "dinh danh"
    if colon and not re.search(r"\d", colon.group(0)):
        position += colon.end()
        folded_colon = True
    while position < len(text) and text[position] in " .-–":
        position += 1
    end = text.find("\t", position)
    end = len(text) if end < 0 else end
    if end == position and folded_colon and position < len(text):  # "Label:\t\tvalue"
        start = position + 1
        while start < len(text) and text[start] in "\t ":
            start += 1
        end = text.find("\t", start)
        return start, len(text) if end < 0 else end
    return position, end


def _junk(line: Line, start: int, end: int) -> bool:
    """A speck of noise read as a character or two: no letter or digit, or short and unsure."""
    token = line.text[start:end]
    if not any(unicodedata.category(char) in {"Lu", "Ll", "Nd"} for char in token):
        return True
    return len(token) <= 2 and not token.isdigit() and line.confidence(start, end) < JUNK_CONFIDENCE


def trimmed(line: Line, start: int, end: int) -> tuple[int, int]:
    """``start``/``end`` without blanks and noise at either end."""
    text = line.text
    while True:
        while start < end and text[start] in " \t":
            start += 1
        while end > start and text[end - 1] in " \t":
            end -= 1
        first = text.find(" ", start, end)
        last = text.rfind(" ", start, end)
        if last > start and _junk(line, last + 1, end):
            end = last
        elif first > start and _junk(line, start, first):
            start = first + 1
        elif first < 0 and start < end and _junk(line, start, end):
            return start, start
        else:
            return start, end


def labelled(lines: list[Line], label: str, *, first_line: int = 0) -> Iterator[Value]:
    """Every value after a match of the folded-text regex ``label``, top to bottom."""
    pattern = re.compile(label)
    for index in range(first_line, len(lines)):
        line = lines[index]
        for match in pattern.finditer(fold(line.text)):
            start, end = _value_after(line, match.end())
            start, end = trimmed(line, start, end)
            if line.text[start:end].strip(",;"):
                yield Value(index, start, end, line.text[start:end])


def is_label_line(line: Line) -> bool:
    folded = re.sub(r"^\W+", "", fold(line.text))
    return bool(_STARTS_WITH_LABEL.match(folded) or _KNOWN_LABELS.match(folded))


def continued(lines: list[Line], value: Value, *, most: int = 2) -> list[int]:
    """Indices of the lines right below ``value``'s line that carry its text on (up to ``most``)."""
    following: list[int] = []
    previous = lines[value.line]
    for index in range(value.line + 1, min(len(lines), value.line + 1 + most)):
        line = lines[index]
        # Forms put one line below the other at about twice the text's height; farther is another block.
        pitch = line.top - previous.top
        close = line.page == previous.page and pitch < 3.5 * max(previous.height, line.height)
        if not close or is_label_line(line) or "\t" in line.text.strip():
            break
        start, end = trimmed(line, 0, len(line.text))
        if start == end or line.confidence(start, end) < JUNK_CONFIDENCE:  # a row of specks
            continue
        following.append(index)
        previous = line
    return following
