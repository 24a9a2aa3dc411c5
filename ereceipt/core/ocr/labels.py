"""Where a labelled value stands in the lines of a Vietnamese form, paired with its label by position.

Labels are found by ``vocabulary`` (each field's variants, folded and matched by similarity). A
label's value is, first, on its own line to the right: from after the label (and its colon) to the
next tab (a wide gap: another column) or the line's end, or the next column when the label stands
alone in its cell (a ruled table); then, the text right below the label (a box whose label is
printed above the value), the column of the next line that starts under the label. A candidate that
is itself a label is none. ``continued`` adds the lines that carry on a value (close below, no
label of their own).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from ereceipt.core.ocr.layout import Line
from ereceipt.core.ocr.repair import fold
from ereceipt.core.ocr.vocabulary import labels_of, starts_with_label

# Any "Label:" near the start of a line, or a label this module knows, ends a value that runs on.
JUNK_CONFIDENCE = 0.6
BELOW_PITCH = 4.0  # a value below its label: within this many text heights
BELOW_SHIFT = 6.0  # and starting within this many text heights of the label's left
ASKEW_PITCH = 1.0  # a row cut in two by skew: the value's line at most this many heights lower
_STARTS_WITH_LABEL = re.compile(r"^[^:\t]{2,40}:")
_KNOWN_LABELS = re.compile(
    r"^(so tien|bang chu|viet bang chu|dia chi|noi dung|ly do|so tai khoan|tai ngan hang|ngan hang|"
    r"so cccd|so cmnd|ma giao dich|so tham chieu|nguoi nhan|ten don vi|nguoi nop|ho va ten|kem theo|"
    r"ngay|can cu|dieu|noi nhan)"
)

_NUMBER_WORD = re.compile(r"\s*(?:số|so|s[ốồôớ]|No\.?)\s*:?(?=\s*(?:\t|$))", re.IGNORECASE)


@dataclass(frozen=True)
class Value:
    """Text found after a label: ``line`` index, ``start``/``end`` in that line's text."""

    line: int
    start: int
    end: int
    text: str


def _value_after(line: Line, position: int) -> tuple[int, int]:
    text = line.text
    rest = text[position:]
    colon = re.match(r"[^:\t]{0,24}?:", rest)  # "Số định danh cá nhân:" matched on "dinh danh"
    if colon and not re.search(r"\d", colon.group(0)):
        position += colon.end()
    number_word = _NUMBER_WORD.match(text, position)  # "CCCD số\t0401...": the label's own "số"
    if number_word:
        position = number_word.end()
    while position < len(text) and text[position] in " .-–":
        position += 1
    end = text.find("\t", position)
    end = len(text) if end < 0 else end
    if end == position and position < len(text):  # "Label:\t\tvalue", a table's "Label\tvalue"
        start = position + 1  # or a colon at a tab stop, "Label\t: value"
        while start < len(text) and text[start] in "\t :":
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


def _columns(line: Line) -> list[tuple[int, int]]:
    """(start, end) of each tab-separated column of the line's text."""
    columns, start = [], 0
    for part in line.text.split("\t"):
        columns.append((start, start + len(part)))
        start += len(part) + 1
    return [(a, b) for a, b in columns if line.text[a:b].strip()]


def _below(lines: list[Line], index: int, label_start: int, label_end: int) -> Value | None:
    """The column of the line below that starts under the label at ``label_start`` in line ``index``;
    or, when that line is hardly lower, its column right of the label: a row of a table photographed
    askew, cut in two lines (the label's cell a little higher than the value's)."""
    line = lines[index]
    if index + 1 >= len(lines):
        return None
    below = lines[index + 1]
    height = max(line.height, below.height, 1)
    if below.page != line.page or below.top - line.top > BELOW_PITCH * height:
        return None
    left = line.x(label_start)
    nearest = min(_columns(below), key=lambda column: abs(below.x(column[0]) - left), default=None)
    if nearest is not None and abs(below.x(nearest[0]) - left) > BELOW_SHIFT * height:
        right = line.x(label_end)
        askew = below.top - line.top <= ASKEW_PITCH * height and line.text[label_end:].strip(" :") == ""
        beside = [column for column in _columns(below) if below.x(column[0]) > right]
        nearest = beside[0] if askew and beside and beside[0] == _columns(below)[0] else None
    if nearest is None:
        return None
    start, end = trimmed(below, *nearest)
    if start == end or starts_with_label(below.text[start:end], names_aside=True):
        return None
    return Value(index + 1, start, end, below.text[start:end])


def has_label(lines: list[Line], field: str) -> bool:
    """Whether any line carries a label of ``field`` (then its value is read there or not at all)."""
    return any(labels_of(line.text, field) for line in lines)


def labelled(lines: list[Line], field: str, *, first_line: int = 0) -> Iterator[Value]:
    """Every candidate value of ``field``'s labels, top to bottom: to the right of a label, then below it."""
    for index in range(first_line, len(lines)):
        line = lines[index]
        for match in labels_of(line.text, field):
            raw_start, raw_end = _value_after(line, match.end)
            start, end = trimmed(line, raw_start, raw_end)
            text = line.text[start:end]
            # a cell that starts with a label is another box's label, even with its first word
            # unsure ("QĐ thi hành án" beside "Người nộp"), not a value
            cells = (text, line.text[raw_start:raw_end])
            labelled_cell = any(starts_with_label(cell, names_aside=True) for cell in cells)
            right = bool(text.strip(",;")) and not labelled_cell
            if right:
                yield Value(index, start, end, text)
            # "CCCD số" above its box: a word that is no value does not hide the value below
            short = len(text.split()) <= 1 and not any(char.isdigit() for char in text)
            if not right or short or "\t" in line.text[match.end : start]:
                below = _below(lines, index, match.start, match.end)
                if below is not None:
                    yield below


def is_label_line(line: Line) -> bool:
    folded = re.sub(r"^\W+", "", fold(line.text))
    known = _STARTS_WITH_LABEL.match(folded) or _KNOWN_LABELS.match(folded)
    return bool(known or starts_with_label(line.text))


def solid_text(line: Line) -> str:
    """The line's text without its columns of specks (no letter or digit: a stamp's edge, a ``|``)."""
    return "\t".join(part for part in line.text.split("\t") if any(char.isalnum() for char in part)).strip()


# A line that stops on a word that wants a following one ("... khoản phải thi hành của") or a comma.
_CARRIED = re.compile(r"(?:\b(?:cua|theo|va|cho|ve|tai|so|voi|la|do|bang|tu|den|doi)|[,\-–])\s*$")


def _label_line_here(line: Line, carried: bool) -> bool:
    """Whether ``line`` starts another labelled value: when the text above runs on into it, only a
    label with its colon does ("... của" then "người phải thi hành án, mã ..." is one sentence)."""
    if not carried:
        return is_label_line(line)
    return bool(_STARTS_WITH_LABEL.match(re.sub(r"^\W+", "", fold(line.text))))


def continued(lines: list[Line], value: Value, *, most: int = 2) -> list[int]:
    """Indices of the lines right below ``value``'s line that carry its text on (up to ``most``)."""
    following: list[int] = []
    previous = lines[value.line]
    text = previous.text[value.start : value.end]
    for index in range(value.line + 1, min(len(lines), value.line + 1 + most)):
        line = lines[index]
        # Forms put one line below the other at about twice the text's height; farther is another block.
        pitch = line.top - previous.top
        close = line.page == previous.page and pitch < 3.5 * max(previous.height, line.height)
        carried = bool(_CARRIED.search(fold(text)))
        if not close or _label_line_here(line, carried) or "\t" in solid_text(line):
            break
        start, end = trimmed(line, 0, len(line.text))
        unsure = line.confidence(start, end) < JUNK_CONFIDENCE
        if start == end or (unsure and not re.search(r"\w{4}", line.text[start:end])):  # a row of specks
            continue
        following.append(index)
        previous, text = line, line.text
    return following
