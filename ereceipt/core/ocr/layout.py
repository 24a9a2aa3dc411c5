"""Lines of text from OCR words: rows by vertical overlap, wide gaps kept as a tab, split words joined.

Rows are measured along the text's own slope (the median rise between neighbouring words), so
that a photograph left a little askew keeps a label and its value far to the right on one line.

Forms put a label and its value on one row, sometimes far apart, and two columns side by side; a
gap wider than ``COLUMN_GAP`` times the row's height becomes a tab so that the extractors can tell
a value from the next column. Tesseract sometimes cuts a word with diacritics in two
(``Nguy`` ``ễn``); pieces closer than ``SPLIT_GAP`` times the height are one word again.
Each character keeps the confidence of the word it came from and where on the page it starts, so
that a value can be paired with the label above it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from statistics import median

from ereceipt.core.ocr.port import Page, Word
from ereceipt.core.ocr.repair import cleaned, may_be_joined

COLUMN_GAP = 2.5
SPLIT_GAP = 0.12
NEIGHBOUR_GAP = 1.5  # words of one line: at most this many heights apart, for the text's slope
MIN_RISES = 8


@dataclass(frozen=True)
class Line:
    text: str
    confidences: tuple[float, ...]  # one per character of text
    top: int = 0
    height: int = 0
    page: int = 1
    lefts: tuple[int, ...] = ()  # the x (pixels) where each character of text starts, when known

    def x(self, position: int) -> int:
        """Where the character at ``position`` starts on the page (pixels)."""
        if not self.lefts:
            return 0
        return self.lefts[min(max(position, 0), len(self.lefts) - 1)]

    def confidence(self, start: int, end: int) -> float:
        """The mean confidence of the characters text[start:end] (spaces included)."""
        values = self.confidences[start:end]
        return sum(values) / len(values) if values else 0.0


TEXT_COLUMN = 40  # characters: a tab in plain text goes on to the next multiple of this


def _text_lefts(line: str) -> tuple[int, ...]:
    """Positions for plain text: 30 px a character, a tab on to the next column of ``TEXT_COLUMN``."""
    lefts, column = [], 0
    for char in line:
        lefts.append(column * 30)
        column = (column // TEXT_COLUMN + 1) * TEXT_COLUMN if char == "\t" else column + 1
    return tuple(lefts)


def lines_of_text(text: str, confidence: float = 1.0) -> list[Line]:
    """Lines from plain text (one per line, tabs kept, a tab starting the next column of 40
    characters); for text without boxes, and for tests."""
    return [
        Line(line, (confidence,) * len(line), top=index * 40, height=30, lefts=_text_lefts(line))
        for index, line in enumerate(text.splitlines())
        if line.strip()
    ]


def _slope(words: tuple[Word, ...]) -> float:
    """The rise of the text per pixel across the page (a photograph a little askew after deskewing):
    the median between each word and its nearest neighbour to the right on the same line; 0 when
    too few words say."""
    ordered = sorted(words, key=lambda w: (w.top + w.bottom) / 2)
    centres = [(w.top + w.bottom) / 2 for w in ordered]
    rises = []
    for word, centre in zip(ordered, centres, strict=True):
        low = bisect_left(centres, centre - word.height / 2)
        high = bisect_right(centres, centre + word.height / 2)
        beside = [
            other
            for other in ordered[low:high]
            if 0 <= other.left - word.right <= NEIGHBOUR_GAP * word.height
            and other.height <= 1.5 * word.height
        ]
        if beside:
            other = min(beside, key=lambda w: w.left)
            run = (other.left + other.right - word.left - word.right) / 2
            rises.append(((other.top + other.bottom) / 2 - centre) / max(run, 1))
    return median(rises) if len(rises) >= MIN_RISES else 0.0


def _rows(words: tuple[Word, ...]) -> list[list[Word]]:
    """Words in rows by vertical overlap, measured along the text's slope (``_slope``)."""
    slope = _slope(words)

    def level(word: Word) -> float:
        return slope * (word.left + word.right) / 2

    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.top + w.bottom) / 2 - level(w)):
        centre = (word.top + word.bottom) / 2 - level(word)
        if rows:
            row = rows[-1]
            top = median(w.top - level(w) for w in row)
            bottom = median(w.bottom - level(w) for w in row)
            if top <= centre <= bottom:
                row.append(word)
                continue
        rows.append([word])
    return rows


def _line(row: list[Word], page: int) -> Line:
    row.sort(key=lambda w: w.left)
    height = median(w.height for w in row)
    text, confidences, lefts = "", [], []
    previous: Word | None = None
    for word in row:
        if previous is not None:
            gap = word.left - previous.right
            if gap > COLUMN_GAP * height:
                separator = "\t"
            elif gap < SPLIT_GAP * height and may_be_joined(cleaned(previous.text), cleaned(word.text)):
                separator = ""
            else:
                separator = " "
            text += separator
            confidences += [min(previous.confidence, word.confidence)] * len(separator)
            lefts += [previous.right] * len(separator)
        piece = cleaned(word.text)
        text += piece
        confidences += [word.confidence] * len(piece)
        lefts += [word.left + word.width * index // max(1, len(piece)) for index in range(len(piece))]
        previous = word
    top = min(w.top for w in row)
    return Line(text, tuple(confidences), top=top, height=round(height), page=page, lefts=tuple(lefts))


def lines_of_pages(pages: list[Page]) -> list[Line]:
    """Every page's rows from top to bottom, in page order."""
    return [_line(row, page.number) for page in pages for row in _rows(page.words)]
