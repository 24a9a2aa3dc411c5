"""The OCR port of the receipt engine: what any OCR engine gives back for a document.

An engine takes the document's bytes and its declared media type and returns pages of words with
their boxes (in pixels of the page as read) and confidences from 0 to 1, text in Unicode NFC.
Tesseract is one implementation (``ereceipt.core.ocr.tesseract``); another can replace it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float  # 0..1

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


@dataclass(frozen=True)
class Page:
    number: int  # from 1
    width: int
    height: int
    words: tuple[Word, ...]


class OcrEngine(Protocol):
    def read(self, data: bytes, media_type: str | None = None) -> list[Page]:
        """Every page of the document; raises the typed errors of ``ereceipt.core.ocr.errors``."""
        ...
