"""Reading a counter document: OCR of every page, then the receipt's fields."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ereceipt.core.ocr.fields import ExtractedFields, extract_fields
from ereceipt.core.ocr.layout import lines_of_pages
from ereceipt.core.ocr.port import OcrEngine, Page


@dataclass(frozen=True)
class DocumentReading:
    fields: ExtractedFields
    pages: list[Page]
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return {**self.fields.as_dict(), "pages": len(self.pages), "seconds": round(self.seconds, 3)}


def read_document(engine: OcrEngine, data: bytes, media_type: str | None = None) -> DocumentReading:
    started = time.perf_counter()
    pages = engine.read(data, media_type)
    fields = extract_fields(lines_of_pages(pages))
    return DocumentReading(fields, pages, time.perf_counter() - started)
